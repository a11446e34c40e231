"""The dashboard's maintained counts: equal to a full recount after every kind of change, read
(not counted) by the dashboard and the patient list, and filled for an existing clinic."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic import services as clinic_services
from clinic.models import Clinic, Role
from dashboard.counts import recount_differences, summary_counts
from dashboard.flags import Flag
from dashboard.models import PatientSummary, SummaryCount
from dashboard.summaries import clinic_summary, patient_summaries_age, patient_summaries_refresh
from tests.dashboard.test_ageing import varied  # noqa: F401 - a fixture
from tests.factories import StaffFactory, record_knee_to_wall


def counted_now(clinic, **filters) -> int:
    return PatientSummary.objects.filter(clinic=clinic, is_active=True, **filters).count()


@pytest.mark.django_db
def test_counts_equal_a_full_recount_after_each_change(clinic, therapist):
    colleague = StaffFactory(clinic=clinic, role=Role.THERAPIST)

    def change(action):
        result = action()
        # What the services' on-commit listener does (a test's transaction never commits).
        patient_summaries_refresh(patient_ids=list(clinic.patients.values_list("pk", flat=True)))
        assert recount_differences(clinic) == {}
        return result

    ana = change(
        lambda: clinic_services.patient_create(
            clinic=clinic,
            created_by=therapist,
            first_name="Ana",
            last_name="Lima",
            date_of_birth=date(1980, 1, 2),
            primary_therapist=therapist,
        )
    )
    ben = change(
        lambda: clinic_services.patient_create(
            clinic=clinic,
            created_by=therapist,
            first_name="Ben",
            last_name="Ode",
            date_of_birth=date(1980, 1, 2),
        )
    )
    assert summary_counts(clinic=clinic)["untested"] == 2
    change(lambda: record_knee_to_wall(ana, therapist, left="8", right="9", days_ago=20))
    change(lambda: record_knee_to_wall(ana, therapist, left="11", right="12"))  # improved
    change(lambda: record_knee_to_wall(ben, therapist, left=None, right="14"))
    summary = clinic_summary(clinic=clinic)
    assert (summary["improved_30"], summary["untested"], summary["needs_work"]) == (1, 0, 1)
    assert clinic_summary(clinic=clinic, therapist_id=therapist.pk)["improved_30"] == 1

    change(lambda: clinic_services.patient_update(patient=ana, primary_therapist=colleague))
    assert summary_counts(clinic=clinic, therapist_id=colleague.pk)["patients"] == 1
    assert clinic_summary(clinic=clinic, therapist_id=therapist.pk)["improved_30"] == 0
    change(lambda: clinic_services.patient_discharge(patient=ben))
    assert (
        summary_counts(clinic=clinic)["patients"],
        summary_counts(clinic=clinic)["discharged"],
    ) == (1, 1)
    change(lambda: clinic_services.patient_reactivate(patient=ben))
    assert summary_counts(clinic=clinic)["patients"] == counted_now(clinic) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "later", [timedelta(hours=3), timedelta(days=1, hours=2), timedelta(days=15)]
)
def test_counts_stay_right_as_time_passes(varied, clinic, later):  # noqa: F811
    now = varied
    patient_summaries_refresh(now=now)
    assert recount_differences(clinic) == {}
    assert patient_summaries_age(now=now + later) > 0
    assert recount_differences(clinic) == {}
    flagged = counted_now(clinic, flags__gt=0)
    assert flagged
    assert (
        sum(summary_counts(clinic=clinic)[f"flag_{flag.name.lower()}"] for flag in Flag) >= flagged
    )


@pytest.mark.django_db
def test_improved_counts_leave_the_window_as_days_pass(clinic, patient, therapist):
    record_knee_to_wall(patient, therapist, left="8", right="9", days_ago=60)
    record_knee_to_wall(patient, therapist, left="11", right="12", days_ago=25)
    patient_summaries_refresh()
    assert (
        clinic_summary(clinic=clinic)["improved_30"],
        clinic_summary(clinic=clinic)["improved_90"],
    ) == (1, 1)
    # Five weeks on, nothing written: out of the 30 days, still in the 90.
    later = timezone.now() + timedelta(days=10)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later)
        summary = clinic_summary(clinic=clinic)
    assert (summary["improved_30"], summary["improved_90"]) == (0, 1)


@pytest.mark.django_db
def test_new_limits_recount_the_standing_once(clinic, patient, therapist):
    record_knee_to_wall(patient, therapist, left="11", right="11")
    patient_summaries_refresh()
    assert summary_counts(clinic=clinic)["needs_work"] == 0
    Clinic.objects.filter(pk=clinic.pk).update(needs_work_below_mm=Decimal("115"))
    clinic.refresh_from_db()
    assert summary_counts(clinic=clinic)["needs_work"] == 1
    assert recount_differences(clinic) == {}


@pytest.mark.django_db
def test_the_dashboard_and_patient_list_read_the_counts_without_counting_rows(
    client_as, clinic, therapist, patient, other_patient
):
    patient_summaries_refresh()
    for path in ("/dashboard/", "/patients/", f"/dashboard/?flag={int(Flag.NO_FOLLOW_UP)}"):
        with CaptureQueriesContext(connection) as queries:
            html = client_as("therapist").get(path).content.decode()
        sql = " ".join(q["sql"] for q in queries).lower()
        assert "count(*)" not in sql, path
        assert "2 patients" in html or "2 active patients" in html, path


@pytest.mark.django_db
def test_a_count_behind_its_rows_hides_none_of_them(client_as, clinic, patient, other_patient):
    patient_summaries_refresh()
    SummaryCount.objects.filter(clinic=clinic).update(patients=0)
    html = client_as("therapist").get("/dashboard/").content.decode()
    assert patient.last_name in html
    assert other_patient.last_name in html
    html = client_as("front_desk").get("/patients/").content.decode()
    assert patient.last_name in html
    assert other_patient.last_name in html


@pytest.mark.postgres
@pytest.mark.django_db
def test_bench_data_fills_the_counts(exercise_library):
    call_command("bench_data", "--patients", "20", "--therapists", "2")
    clinic = Clinic.objects.get(name="Bench 20")
    assert recount_differences(clinic) == {}
    assert summary_counts(clinic=clinic)["patients"] == counted_now(clinic) > 0


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_counts_an_existing_clinic(clinic, therapist, patient, other_patient):
    from django.db.migrations.executor import MigrationExecutor

    before = [("dashboard", "0004_drop_duplicate_indexes")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("dashboard", "PatientSummary")
    common = {"clinic_id": clinic.pk, "primary_therapist_id": therapist.pk, "flags": 0}
    old.objects.create(
        patient_id=patient.pk,
        is_active=True,
        left_um=90_000,
        right_um=130_000,
        left_change="improved",
        last_tested_at=timezone.now() - timedelta(days=2),
        adherence_percent=85,
        flags=int(Flag.BELOW_TARGET),
        urgency=5,
        refreshed_at=timezone.now(),
        clinic_id=clinic.pk,
        primary_therapist_id=therapist.pk,
    )
    old.objects.create(
        patient_id=other_patient.pk,
        is_active=False,
        urgency=0,
        refreshed_at=timezone.now(),
        **common,
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert recount_differences(clinic) == {}
    summary = clinic_summary(clinic=clinic)
    assert (summary["patients"], summary["discharged"], summary["improved_30"]) == (1, 1, 1)
    assert (summary["below_target"], summary["adherence_high"], summary["flag_below_target"]) == (
        1,
        1,
        1,
    )
