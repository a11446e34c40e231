from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.interpretation import NOT_MEASURED, SideValue, Thresholds
from dashboard.flags import Facts, Flag, flags_for, urgency_of
from dashboard.models import PatientSummary
from dashboard.summaries import clinic_summary, patient_summaries_refresh
from tests.factories import PatientFactory, record_knee_to_wall

TODAY = date(2026, 11, 25)


def at(um: int) -> SideValue:
    return SideValue(reached=True, um=um)


def short_by(um: int) -> SideValue:
    return SideValue(reached=False, um=-um)


CALM = Facts(
    left=at(130_000),
    right=at(131_000),
    changes=("no_real_change", "no_real_change"),
    thresholds=Thresholds(target_um=127_000, asymmetry_over_um=15_000),
    adherence_percent=90,
    last_pain=2,
    last_pain_on=TODAY,
    retest_due_on=TODAY + timedelta(days=5),
    has_upcoming_appointment=True,
    has_failed_reminder=False,
    today=TODAY,
)


def calm(**changes) -> Facts:
    return Facts(**{**CALM.__dict__, **changes})


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (calm(), Flag(0)),
        (calm(left=at(126_999)), Flag.BELOW_TARGET),
        (calm(right=None, left=None), Flag(0)),  # not tested yet: nothing to flag
        (calm(left=at(130_000), right=at(145_000)), Flag(0)),  # exactly 1.5 cm: not over
        (calm(left=at(130_000), right=at(145_001)), Flag.ASYMMETRY),
        (calm(changes=("worse", "no_real_change")), Flag.REGRESSION),
        # A could-not-reach side is below target whether or not its gap was measured.
        (calm(left=short_by(25_000)), Flag.BELOW_TARGET | Flag.ASYMMETRY),
        # Gap not measured, other side at 13 cm: more than 13 cm apart, over 1.5 cm for sure.
        (calm(left=NOT_MEASURED), Flag.BELOW_TARGET | Flag.ASYMMETRY | Flag.NOT_COMPARABLE),
        # Both short, one by an unknown gap: the difference is unknown, so no asymmetry flag.
        (
            calm(left=NOT_MEASURED, right=short_by(25_000)),
            Flag.BELOW_TARGET | Flag.NOT_COMPARABLE,
        ),
        # Measured now, but the test before had no number: not comparable since then.
        (calm(previous_changes=("not_comparable", "")), Flag.NOT_COMPARABLE),
        # Measured at the last two tests: the baseline alone does not keep the prompt on.
        (calm(changes=("not_comparable", "no_real_change")), Flag(0)),
        (calm(changes=("improved", "improved")), Flag(0)),
        (calm(retest_due_on=TODAY), Flag(0)),  # due today is not overdue
        (calm(retest_due_on=TODAY - timedelta(days=1)), Flag.RETEST_OVERDUE),
        (calm(has_upcoming_appointment=False), Flag.NO_FOLLOW_UP),
        (calm(adherence_percent=50), Flag(0)),
        (calm(adherence_percent=49), Flag.LOW_ADHERENCE),
        (calm(adherence_percent=None), Flag(0)),  # no routine: no adherence to judge
        (calm(last_pain=6), Flag(0)),
        (calm(last_pain=7), Flag.HIGH_PAIN),
        (calm(last_pain=9, last_pain_on=TODAY - timedelta(days=15)), Flag(0)),  # long ago
        (calm(has_failed_reminder=True), Flag.FAILED_REMINDER),
    ],
)
def test_every_flag_at_its_boundary(facts, expected):
    assert flags_for(facts) == expected


def test_urgency_orders_the_serious_flags_first():
    regression = calm(changes=("worse", "worse"))
    overdue = calm(retest_due_on=TODAY - timedelta(days=10))
    below = calm(left=at(100_000))
    scores = [urgency_of(flags_for(f), f) for f in (regression, overdue, below)]
    assert scores == sorted(scores, reverse=True)
    longer = calm(retest_due_on=TODAY - timedelta(days=20))
    assert urgency_of(flags_for(longer), longer) > scores[1]


@pytest.mark.django_db
def test_the_summary_follows_the_services(patient, therapist):
    record_knee_to_wall(patient, therapist, left="9.5", right="12", days_ago=21)
    record_knee_to_wall(patient, therapist, left="7.0", right="12", days_ago=0)
    patient_summaries_refresh(patient_ids=[patient.pk])  # on commit in production
    summary = PatientSummary.objects.get(patient=patient)
    assert (summary.left_um, summary.right_um) == (70_000, 120_000)
    assert summary.left_change == "worse"
    assert summary.flags & Flag.REGRESSION
    assert summary.flags & Flag.ASYMMETRY
    assert summary.flags & Flag.NO_FOLLOW_UP


@pytest.mark.django_db
def test_a_gap_not_measured_is_not_a_decline_on_the_dashboard(patient, therapist):
    """Issue 12, item 4: baseline "could not reach, gap not measured", then the same therapist
    measures a 2.5 cm gap. Today's code counts the first as 0 cm: a 2.5 cm "real decline"."""
    record_knee_to_wall(patient, therapist, left=None, right="12", days_ago=21)
    record_knee_to_wall(patient, therapist, left=None, right="12", left_gap="2.5")
    patient_summaries_refresh(patient_ids=[patient.pk])
    summary = PatientSummary.objects.get(patient=patient)
    assert summary.left_change == "not_comparable"
    assert summary.left_delta_um is None
    assert not summary.flags & Flag.REGRESSION
    assert summary.flags & Flag.NOT_COMPARABLE
    assert summary.flags & Flag.BELOW_TARGET
    assert (summary.left_um, summary.left_reached) == (-25_000, False)
    assert summary.right_change == "no_real_change"


@pytest.mark.django_db
def test_the_not_comparable_prompt_ends_once_the_gap_is_measured_twice(patient, therapist):
    record_knee_to_wall(patient, therapist, left=None, right="12", days_ago=21)
    record_knee_to_wall(patient, therapist, left=None, right="12", left_gap="2.5", days_ago=7)
    patient_summaries_refresh(patient_ids=[patient.pk])
    assert PatientSummary.objects.get(patient=patient).flags & Flag.NOT_COMPARABLE
    record_knee_to_wall(patient, therapist, left=None, right="12", left_gap="2.0")
    patient_summaries_refresh(patient_ids=[patient.pk])
    summary = PatientSummary.objects.get(patient=patient)
    assert summary.left_change == "not_comparable"  # since the baseline, for good
    assert not summary.flags & Flag.NOT_COMPARABLE


@pytest.mark.django_db
def test_a_gap_not_measured_is_stored_as_no_number_and_counted_as_needing_work(
    patient, therapist, clinic
):
    record_knee_to_wall(patient, therapist, left=None, right="13")
    patient_summaries_refresh(patient_ids=[patient.pk])
    summary = PatientSummary.objects.get(patient=patient)
    assert (summary.left_um, summary.left_reached, summary.right_um) == (None, False, 130_000)
    assert summary.asymmetry_um is None  # only "more than 13 cm" is known: not a number
    assert summary.flags & Flag.ASYMMETRY  # ...but that bound is over the threshold
    counts = clinic_summary(clinic=clinic)
    assert (counts["untested"], counts["needs_work"], counts["at_target"]) == (0, 1, 0)


DASHBOARD = {
    "anonymous": "login",
    "patient": 403,
    "other_patient": 403,
    "therapist": 200,
    "front_desk": 403,
    "clinic_admin": 200,
    "other_clinic_therapist": 200,
}


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), DASHBOARD.items())
def test_the_dashboard_is_for_clinicians(client_as, role, status):
    response = client_as(role).get("/dashboard/")
    if status == "login":
        assert response.url.startswith("/accounts/login/")
    else:
        assert response.status_code == status


@pytest.mark.django_db
def test_a_therapist_sees_their_caseload_and_an_admin_the_clinic(
    client_as, patient, other_patient, foreign_patient, therapist, clinic
):
    colleague_patient = PatientFactory(clinic=clinic, last_name="Colleague")
    patient_summaries_refresh()
    mine = client_as("therapist").get("/dashboard/").context["page"]
    assert {row.patient.last_name for row in mine} == {"Anders", "Baker"}
    everyone = client_as("clinic_admin").get("/dashboard/").context["page"]
    assert {row.patient.last_name for row in everyone} == {"Anders", "Baker", "Colleague"}
    assert (
        colleague_patient.last_name
        not in client_as("therapist").get("/dashboard/").content.decode()
    )
    assert "Fremd" not in client_as("clinic_admin").get("/dashboard/").content.decode()


@pytest.mark.django_db
def test_filters_search_and_partial_updates(client_as, patient, other_patient, therapist):
    record_knee_to_wall(patient, therapist, left="5", right="12")
    patient_summaries_refresh()
    client = client_as("therapist")
    asymmetric = client.get("/dashboard/", {"flag": int(Flag.ASYMMETRY)}).context["page"]
    assert [row.patient for row in asymmetric] == [patient]
    found = client.get("/dashboard/", {"q": "bak"}).context["page"]
    assert [row.patient for row in found] == [other_patient]
    partial = client.get("/dashboard/", {"sort": "name"}, headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert html.lstrip().startswith('<div id="dashboard-rows">')
    assert "<html" not in html


def dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get("/dashboard/").status_code == 200
    return len(context)


@pytest.mark.django_db
def test_the_dashboard_runs_the_same_queries_for_5_and_50_patients(client_as, clinic, therapist):
    client = client_as("clinic_admin")
    for _ in range(3):
        record_knee_to_wall(PatientFactory(clinic=clinic, primary_therapist=therapist), therapist)
    patient_summaries_refresh()
    few = dashboard_queries(client)
    for _ in range(45):
        record_knee_to_wall(PatientFactory(clinic=clinic, primary_therapist=therapist), therapist)
    patient_summaries_refresh()
    assert PatientSummary.objects.count() >= 50
    assert dashboard_queries(client) == few
    assert few <= 12


@pytest.mark.django_db
def test_the_digest_lists_the_dashboards_serious_flags(patient, other_patient, therapist):
    from dashboard.summaries import digest_lines

    record_knee_to_wall(patient, therapist, left="9.5", right="10", days_ago=21)
    record_knee_to_wall(patient, therapist, left="7.0", right="10", days_ago=0)  # worse
    record_knee_to_wall(other_patient, therapist, left="13", right="13")  # only "no follow-up"
    patient_summaries_refresh()
    assert digest_lines(therapist=therapist) == ["Alex Anders: worse beyond the MDC"]


@pytest.mark.django_db
def test_an_urgent_row_says_so_in_words_not_only_in_colour(
    client_as, patient, other_patient, therapist
):
    record_knee_to_wall(patient, therapist, left="9.5", right="10", days_ago=21)
    record_knee_to_wall(patient, therapist, left="7.0", right="10", days_ago=0)  # worse
    record_knee_to_wall(other_patient, therapist, left="13", right="13")  # only "no follow-up"
    patient_summaries_refresh()
    html = client_as("therapist").get("/dashboard/").content.decode()
    assert html.count("Needs attention:") == 1
    row = html[html.index("Needs attention:") - 2000 : html.index("Needs attention:")]
    assert "Anders, Alex" in row


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_clears_zeros_nobody_measured_and_keeps_the_rest(patient, other_patient):
    """Summaries written by the previous version: a 0 for a gap not measured (with a change and
    a difference computed from it) is cleared; a measured row keeps every value."""
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before = [("clinic", "0009_api_tokens")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("clinic", "PatientSummary")
    common = {
        "clinic_id": patient.clinic_id,
        "is_active": True,
        "flags": 0,
        "urgency": 0,
        "refreshed_at": timezone.now(),
    }
    old.objects.create(
        patient_id=patient.pk,
        left_um=0,
        left_reached=False,
        left_change="worse",
        left_delta_um=-25_000,
        right_um=120_000,
        right_change="no_real_change",
        asymmetry_um=120_000,
        **common,
    )
    old.objects.create(
        patient_id=other_patient.pk,
        left_um=-30_000,
        left_reached=False,
        left_change="improved",
        right_um=90_000,
        asymmetry_um=120_000,
        **common,
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    cleared = PatientSummary.objects.get(patient=patient)
    assert (cleared.left_um, cleared.left_change, cleared.left_delta_um) == (None, "", None)
    assert cleared.asymmetry_um is None
    assert (cleared.right_um, cleared.right_change) == (120_000, "no_real_change")
    kept = PatientSummary.objects.get(patient=other_patient)
    assert (kept.left_um, kept.left_change, kept.asymmetry_um) == (-30_000, "improved", 120_000)
