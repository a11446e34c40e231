"""Discharge and re-activation: links revoked for good, future appointments offered for
cancellation in the same step, and an anonymised patient holding no slot."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic import services
from clinic.models import PatientStatus, ReminderChannel
from clinic.times import at_local
from records import services as data_rights
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentKind, AppointmentStatus, CalendarFeed
from tests.conftest import sign_in_patient
from tests.scheduling.test_scheduling import all_day_hours

pytestmark = pytest.mark.django_db


@pytest.fixture
def types(clinic):
    return {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}


def book(patient, therapist, types, *, days: int, hour: int = 10) -> Appointment:
    clinic = patient.clinic
    return scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        starts_at=at_local(
            clinic.local_now().date() + timedelta(days=days), time(hour), clinic.zone
        ),
        booked_by=therapist,
    )


@pytest.fixture
def future(patient, therapist, types):
    all_day_hours(therapist)
    return [book(patient, therapist, types, days=days) for days in (2, 9)]


def test_a_discharge_revokes_links_for_good_and_reactivation_does_not_bring_them_back(
    client, patient, therapist
):
    link = services.patient_link_issue(patient=patient, issued_by=therapist)
    feed = scheduling_services.calendar_feed_issue(
        created_by=therapist, therapist=None, patient=patient
    )
    path = services.patient_link_url(link).split("testserver", 1)[1]
    services.patient_discharge(patient=patient, by=therapist)
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert link.revoked_by == therapist
    assert CalendarFeed.objects.get(pk=feed.pk).revoked_at is not None
    services.patient_reactivate(patient=patient)
    assert client.get(path).status_code == 403
    assert services.patient_link_resolve(path.split("/")[2]) is None
    fresh = services.patient_link_issue(patient=patient, issued_by=therapist)
    sign_in_patient(client, patient)  # a new link works
    assert fresh.is_usable()


def test_the_page_offers_to_cancel_future_appointments_and_does_it_in_the_same_step(
    client_as, patient, future, therapist
):
    client = client_as("therapist")
    page = client.get(f"/patients/{patient.pk}/").content.decode()
    assert 'name="cancel_future_appointments"' in page
    assert "their 2 future appointments" in page
    response = client.post(
        f"/patients/{patient.pk}/discharge/", {"cancel_future_appointments": "on"}
    )
    assert response.status_code == 302
    statuses = set(Appointment.objects.filter(patient=patient).values_list("status", flat=True))
    assert statuses == {AppointmentStatus.CANCELLED}
    assert {a.cancelled_by_id for a in Appointment.objects.filter(patient=patient)} == {
        therapist.pk
    }


def test_a_discharge_may_keep_the_appointments(client_as, patient, future):
    client_as("therapist").post(f"/patients/{patient.pk}/discharge/")
    patient.refresh_from_db()
    assert patient.status == PatientStatus.DISCHARGED
    statuses = set(Appointment.objects.filter(patient=patient).values_list("status", flat=True))
    assert statuses == {AppointmentStatus.BOOKED}


def test_the_api_discharge_cancels_future_appointments_when_asked(client_as, patient, future):
    response = client_as("therapist").post(
        f"/api/v1/patients/{patient.pk}/discharge/",
        {"cancel_future_appointments": True},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "discharged"
    assert not Appointment.objects.filter(patient=patient, status=AppointmentStatus.BOOKED)


def test_a_bad_discharge_option_is_refused_and_nothing_changes(client_as, patient, future):
    response = client_as("therapist").post(
        f"/api/v1/patients/{patient.pk}/discharge/",
        {"cancel_future_appointments": "perhaps"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["cancel_future_appointments"]
    patient.refresh_from_db()
    assert patient.status == PatientStatus.ACTIVE


def test_a_failed_cancellation_rolls_the_discharge_back(patient, future, therapist, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("the database went away mid-step")

    monkeypatch.setattr(scheduling_services, "appointment_cancel", fail)
    with pytest.raises(RuntimeError):
        services.patient_discharge(patient=patient, by=therapist, cancel_future_appointments=True)
    patient.refresh_from_db()
    assert patient.status == PatientStatus.ACTIVE
    assert not patient.access_links.filter(revoked_at__isnull=False).exists()


def test_an_anonymised_patient_holds_no_slot(patient, future, therapist, clinic_admin, types):
    booked = Appointment.objects.filter(pk__in=[a.pk for a in future])
    services.patient_discharge(patient=patient, by=therapist)
    data_rights.patient_anonymise(patient=patient, by=clinic_admin)
    assert set(booked.values_list("status", flat=True)) == {AppointmentStatus.CANCELLED}
    assert not Appointment.objects.filter(patient=patient, status=AppointmentStatus.BOOKED)


def test_the_drill_down_runs_the_same_queries_whatever_the_history(
    client_as, patient, therapist, types, exercise_library
):
    """Links, reminders, prescriptions and appointments accumulate; the page's cost does not."""
    from exercises import services as exercise_services
    from tests.factories import record_knee_to_wall

    all_day_hours(therapist)
    services.patient_update(
        patient=patient, reminder_consent=True, reminder_channel=ReminderChannel.EMAIL
    )
    patient.refresh_from_db()
    clients = {role: client_as(role) for role in ("therapist", "front_desk")}

    def queries() -> dict[str, int]:
        counts = {}
        for role, client in clients.items():
            with CaptureQueriesContext(connection) as context:
                assert client.get(f"/patients/{patient.pk}/").status_code == 200
            counts[role] = len(context)
        return counts

    routines = iter([3, 2, 1])

    def prescribe() -> None:
        # Each with other exercises: the same routine twice is refused (exercises.services).
        exercise_services.routine_assign(
            patient=patient,
            prescribed_by=therapist,
            items=exercise_services.template_items(exercise_library)[: next(routines)],
            title="Calf routine",
        )

    # One of each first, so that every prefetch has rows to fetch in both measurements.
    services.patient_link_issue(patient=patient, issued_by=therapist)
    book(patient, therapist, types, days=2)
    prescribe()
    record_knee_to_wall(patient, therapist, days_ago=3)
    before = queries()
    link = services.patient_link_issue(patient=patient, issued_by=therapist)
    services.patient_link_revoke(link=link, revoked_by=therapist)
    for _ in range(3):
        services.patient_link_issue(patient=patient, issued_by=therapist)
    for days in (3, 5, 12):
        book(patient, therapist, types, days=days)
    prescribe()
    prescribe()
    record_knee_to_wall(patient, therapist, days_ago=1)
    assert patient.reminders.count() > 3
    assert queries() == before


def test_a_discharge_refreshes_the_dashboard_once_whatever_it_cancels(patient, future, therapist):
    """Everything below runs in the test's one transaction: the bookings and the discharge
    with its two cancellations queue a single refresh of the patient's row."""
    from django.db import connection

    from clinic.changes import _AfterCommit as _SummaryRefresh

    services.patient_discharge(patient=patient, by=therapist, cancel_future_appointments=True)
    refreshes = [
        callback
        for _savepoints, callback, _robust in connection.run_on_commit
        if isinstance(callback, _SummaryRefresh)
    ]
    assert len(refreshes) == 1
    assert refreshes[0].patient_ids == {patient.pk}
