"""The due-list reads what each patient's row keeps of their appointments (`booked_until`,
`completed_visits`): the state stays right under every write, an upgrade carries it over from
the appointments a clinic has, and the page costs the same queries for 3 due patients or 30."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic import services as clinic_services
from clinic.models import Patient, Role
from clinic.times import at_local
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentKind, AppointmentStatus
from scheduling.views import DUE_ROWS_PER_PAGE
from tests.factories import PatientFactory, StaffFactory, record_knee_to_wall
from tests.scheduling.test_scheduling import all_day_hours

pytestmark = pytest.mark.django_db


def kept(patient: Patient) -> tuple:
    patient.refresh_from_db()
    return patient.booked_until, patient.completed_visits


def truth(patient: Patient) -> tuple:
    """The same two facts read from the appointments themselves."""
    mine = Appointment.objects.filter(patient=patient)
    return (
        mine.filter(status=AppointmentStatus.BOOKED).aggregate(latest=Max("starts_at"))["latest"],
        mine.filter(status=AppointmentStatus.COMPLETED).count(),
    )


def past_booking(patient, therapist, types, *, days_ago: int) -> Appointment:
    """A booked appointment that has started (bookings in the past are refused, so it is
    written directly, then refreshed as an import would)."""
    starts = timezone.now() - timedelta(days=days_ago)
    appointment = Appointment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        booked_by=therapist,
    )
    scheduling_services.patient_appointments_refresh(patient_ids=[patient.pk])
    return appointment


def test_every_appointment_write_keeps_the_patients_row_right(
    patient, therapist, front_desk, types, clinic
):
    all_day_hours(therapist)
    day = clinic.local_today() + timedelta(days=3)

    def book(hour: int, days: int = 0) -> Appointment:
        return scheduling_services.appointment_book(
            patient=patient,
            therapist=therapist,
            appointment_type=types[AppointmentKind.FOLLOW_UP],
            starts_at=at_local(day + timedelta(days=days), time(hour), clinic.zone),
            booked_by=front_desk,
        )

    assert kept(patient) == (None, 0) == truth(patient)
    first = book(9)
    assert kept(patient) == (first.starts_at, 0) == truth(patient)
    later = book(9, days=7)
    assert kept(patient) == (later.starts_at, 0) == truth(patient)
    # Moved earlier than the first: the latest booking is the first one again.
    moved = scheduling_services.appointment_reschedule(
        appointment=later, starts_at=at_local(day, time(11), clinic.zone), by=front_desk
    )
    assert kept(patient) == (moved.starts_at, 0) == truth(patient)
    scheduling_services.appointment_cancel(appointment=moved, by=front_desk)
    assert kept(patient) == (first.starts_at, 0) == truth(patient)
    scheduling_services.appointment_series_book(
        patient=patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        first_starts_at=at_local(day, time(15), clinic.zone),
        count=3,
        every_days=7,
        booked_by=front_desk,
    )
    assert kept(patient) == truth(patient)
    assert kept(patient)[0] == at_local(day + timedelta(days=14), time(15), clinic.zone)
    attended = past_booking(patient, therapist, types, days_ago=2)
    missed = past_booking(patient, therapist, types, days_ago=1)
    scheduling_services.appointment_mark(appointment=attended, status=AppointmentStatus.COMPLETED)
    scheduling_services.appointment_mark(appointment=missed, status=AppointmentStatus.NO_SHOW)
    assert kept(patient)[1] == 1
    assert kept(patient) == truth(patient)
    clinic_services.patient_discharge(
        patient=patient, by=front_desk, cancel_future_appointments=True
    )
    assert kept(patient) == (None, 1) == truth(patient)


def test_a_booking_from_the_waitlist_keeps_it_too(patient, therapist, front_desk, types, clinic):
    all_day_hours(therapist)
    entry = scheduling_services.waitlist_add(
        patient=patient, appointment_type=types[AppointmentKind.FOLLOW_UP], added_by=front_desk
    )
    appointment = scheduling_services.waitlist_book(
        entry=entry,
        therapist=therapist,
        starts_at=at_local(clinic.local_today() + timedelta(days=2), time(10), clinic.zone),
        booked_by=front_desk,
    )
    assert kept(patient) == (appointment.starts_at, 0) == truth(patient)


def test_the_refresh_leaves_the_audit_trail_and_the_change_time_alone(patient, therapist, types):
    from audit.models import AuditEvent

    before = (AuditEvent.objects.filter(object_type="patient").count(), patient.updated_at)
    past_booking(patient, therapist, types, days_ago=1)
    patient.refresh_from_db()
    assert (AuditEvent.objects.filter(object_type="patient").count(), patient.updated_at) == before


def test_a_patient_booked_ahead_is_not_due_and_is_once_the_booking_is_cancelled(
    client_as, patient, therapist, front_desk, types, clinic
):
    all_day_hours(therapist)
    record_knee_to_wall(patient, therapist, days_ago=25)  # re-test due 4 days ago
    booked = scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.RETEST],
        starts_at=at_local(clinic.local_today() + timedelta(days=2), time(10), clinic.zone),
        booked_by=front_desk,
    )
    client = client_as("front_desk")
    assert client.get("/schedule/due/").context["rows"] == []
    scheduling_services.appointment_cancel(appointment=booked, by=front_desk)
    (row,) = client.get("/schedule/due/").context["rows"]
    assert (row["item"].patient, row["item"].reason) == (patient, "retest")


def due_patients(clinic, front_desk, types, count: int, therapists: int) -> list[Patient]:
    """`count` patients due a re-test, spread over `therapists` new therapists (each with
    a few bookings of other patients, which must not cost a query each); as many again booked
    ahead, who are not due."""
    people = [StaffFactory(clinic=clinic, role=Role.THERAPIST) for _ in range(therapists)]
    tomorrow = clinic.local_today() + timedelta(days=1)
    due = []
    for index in range(count):
        person = people[index % therapists]
        if not person.working_hours.exists():
            all_day_hours(person, starts=time(8), ends=time(18))
        waiting = PatientFactory(clinic=clinic, primary_therapist=person)
        record_knee_to_wall(waiting, person, days_ago=25)
        due.append(waiting)
        scheduling_services.appointment_book(
            patient=PatientFactory(clinic=clinic, primary_therapist=person),
            therapist=person,
            appointment_type=types[AppointmentKind.FOLLOW_UP],
            starts_at=at_local(tomorrow, time(8), clinic.zone)
            + timedelta(minutes=30 * (index // therapists)),
            booked_by=front_desk,
        )
    return due


def test_the_due_list_costs_the_same_queries_for_3_due_patients_or_30(
    client_as, clinic, front_desk, types, django_assert_max_num_queries
):
    client = client_as("front_desk")
    due_patients(clinic, front_desk, types, 3, therapists=3)
    client.get("/schedule/due/")  # session, appointment types: whatever a first request warms up
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/schedule/due/").context["rows"]) == 3
    due_patients(clinic, front_desk, types, 27, therapists=9)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = client.get("/schedule/due/").context["rows"]
    assert len(rows) == 30
    assert all(row["slot"].therapist == row["item"].patient.primary_therapist for row in rows)


def test_the_due_list_comes_in_pages(client_as, clinic, front_desk, types):
    due_patients(clinic, front_desk, types, DUE_ROWS_PER_PAGE + 2, therapists=4)
    client = client_as("front_desk")
    first = client.get("/schedule/due/")
    assert len(first.context["rows"]) == DUE_ROWS_PER_PAGE
    assert "Page 1 of 2" in first.content.decode()
    second = client.get("/schedule/due/?page=2")
    assert len(second.context["rows"]) == 2
    shown = {row["item"].patient.pk for row in first.context["rows"] + second.context["rows"]}
    assert len(shown) == DUE_ROWS_PER_PAGE + 2


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_carries_each_patients_appointments_over(
    patient, other_patient, therapist, front_desk, types, clinic
):
    from django.db.migrations.executor import MigrationExecutor

    all_day_hours(therapist)
    ahead = scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        starts_at=at_local(clinic.local_today() + timedelta(days=2), time(10), clinic.zone),
        booked_by=front_desk,
    )
    for days_ago in (3, 2):
        visit = past_booking(patient, therapist, types, days_ago=days_ago)
        scheduling_services.appointment_mark(appointment=visit, status=AppointmentStatus.COMPLETED)
    cancelled = past_booking(other_patient, therapist, types, days_ago=1)
    scheduling_services.appointment_cancel(appointment=cancelled, by=front_desk)

    before = [("clinic", "0019_drop_duplicate_indexes")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)  # the columns go, with what they held
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert kept(patient) == (ahead.starts_at, 2)
    assert kept(other_patient) == (None, 0)
