"""Booking rules, double-booking under concurrency, free slots and DST."""

import itertools
import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from clinic.times import at_local
from scheduling import selectors as scheduling_selectors
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentKind, AppointmentStatus, TimeOff, WorkingHours
from scheduling.times import series_starts, slot_starts, subtract
from tests.factories import PatientFactory, StaffFactory

CHICAGO = ZoneInfo("America/Chicago")
SPRING_FORWARD = date(2027, 3, 14)  # 2:00 → 3:00 in America/Chicago
FALL_BACK = date(2027, 11, 7)  # 2:00 → 1:00


def all_day_hours(therapist, starts=time(0), ends=time(23, 59)):
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=day, starts=starts, ends=ends) for day in range(7)
    )


@pytest.fixture
def follow_up(clinic):
    types = {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}
    return types[AppointmentKind.FOLLOW_UP]


@pytest.fixture
def soon(clinic):
    """10:00 in the clinic, two days from now."""
    return at_local(clinic.local_now().date() + timedelta(days=2), time(10), clinic.zone)


def book(patient, therapist, appointment_type, starts_at, by, **extra):
    return scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=appointment_type,
        starts_at=starts_at,
        booked_by=by,
        **extra,
    )


# --- Pure time arithmetic ---------------------------------------------------------------------


def test_intervals_are_half_open_and_subtraction_leaves_the_gaps():
    day = datetime(2027, 1, 4, tzinfo=CHICAGO)
    nine, ten, eleven, noon = (day.replace(hour=h) for h in (9, 10, 11, 12))
    assert subtract([(nine, noon)], [(ten, eleven)]) == [(nine, ten), (eleven, noon)]
    assert subtract([(nine, ten)], [(ten, eleven)]) == [(nine, ten)]  # touching is free


def test_wall_times_on_dst_days():
    # 2:30 does not exist on the spring-forward day: the clock shows 3:30 after the jump.
    assert at_local(SPRING_FORWARD, time(2, 30), CHICAGO).strftime("%H:%M %Z") == "03:30 CDT"
    # 1:30 happens twice on the fall-back day: the first one is meant.
    assert at_local(FALL_BACK, time(1, 30), CHICAGO).strftime("%H:%M %Z") == "01:30 CDT"


def test_a_weekly_series_keeps_its_wall_time_across_both_dst_changes():
    for first_day in (SPRING_FORWARD - timedelta(days=7), FALL_BACK - timedelta(days=7)):
        first = at_local(first_day, time(9), CHICAGO)
        starts = series_starts(first, count=3, every_days=7, zone=CHICAGO)
        assert [s.astimezone(CHICAGO).strftime("%a %H:%M") for s in starts] == ["Sun 09:00"] * 3
        utc_hours = {s.astimezone(ZoneInfo("UTC")).hour for s in starts}
        assert len(utc_hours) == 2  # the UTC time moves by an hour, the wall time does not


@pytest.mark.parametrize(
    ("day", "starts", "ends", "expected"),
    [
        # 1:00-4:00 on the spring-forward day is two real hours: 1:00 and 3:00.
        (SPRING_FORWARD, time(1), time(4), ["01:00 CST", "03:00 CDT"]),
        # 0:00-3:00 on the fall-back day is four real hours: 1:00 comes twice.
        (FALL_BACK, time(0), time(3), ["00:00 CDT", "01:00 CDT", "01:00 CST", "02:00 CST"]),
    ],
)
def test_free_hours_on_dst_days_follow_real_time(day, starts, ends, expected):
    window = (at_local(day, starts, CHICAGO), at_local(day, ends, CHICAGO))
    slots = slot_starts([window], minutes=60, step_minutes=60, not_before=window[0], zone=CHICAGO)
    assert [s.astimezone(CHICAGO).strftime("%H:%M %Z") for s in slots] == expected


# --- Booking ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_booking_takes_the_types_length_and_the_booker(
    patient, therapist, front_desk, follow_up, soon
):
    all_day_hours(therapist)
    appointment = book(patient, therapist, follow_up, soon, front_desk, note="Prefers mornings")
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=30)
    assert (appointment.booked_by, appointment.status) == (front_desk, AppointmentStatus.BOOKED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "field", "reason"),
    [
        ("end_before_start", "ends_at", "after the start"),
        ("past", "starts_at", "in the past"),
        ("outside_hours", "starts_at", "outside the therapist's working hours"),
        ("time_off", "starts_at", "off then"),
        ("foreign_patient", "patient", "of this clinic"),
        ("foreign_therapist", "therapist", "of this clinic"),
        ("naive", "starts_at", "time zone"),
    ],
)
def test_bad_bookings_name_the_field_and_save_nothing(
    request, patient, therapist, front_desk, follow_up, soon, case, field, reason
):
    all_day_hours(therapist, starts=time(8), ends=time(18))
    local_soon = at_local(soon.astimezone(CHICAGO).date(), time(10), CHICAGO)
    arguments = {"patient": patient, "therapist": therapist, "starts_at": local_soon}
    if case == "end_before_start":
        arguments["ends_at"] = local_soon - timedelta(minutes=5)
    elif case == "past":
        arguments["starts_at"] = timezone.now() - timedelta(days=1)
    elif case == "outside_hours":
        arguments["starts_at"] = at_local(local_soon.date(), time(19), CHICAGO)
    elif case == "time_off":
        TimeOff.objects.create(
            therapist=therapist,
            starts_at=local_soon - timedelta(hours=1),
            ends_at=local_soon + timedelta(hours=3),
            reason="conference",
        )
    elif case == "foreign_patient":
        arguments["patient"] = request.getfixturevalue("foreign_patient")
    elif case == "foreign_therapist":
        arguments["therapist"] = request.getfixturevalue("other_clinic_therapist")
    elif case == "naive":
        arguments["starts_at"] = local_soon.replace(tzinfo=None)
    with pytest.raises(ValidationError) as error:
        scheduling_services.appointment_book(
            appointment_type=follow_up, booked_by=front_desk, **arguments
        )
    assert reason in " ".join(error.value.message_dict[field])
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_a_taken_time_names_the_conflicting_appointment(
    patient, other_patient, therapist, front_desk, follow_up, soon, clinic
):
    all_day_hours(therapist)
    first = book(patient, therapist, follow_up, soon, front_desk)
    with pytest.raises(scheduling_services.AppointmentConflict) as error:
        book(other_patient, therapist, follow_up, soon + timedelta(minutes=15), front_desk)
    assert error.value.conflicting == first
    assert "therapist" in error.value.message_dict
    colleague = StaffFactory(clinic=clinic, role="therapist")
    all_day_hours(colleague)
    with pytest.raises(scheduling_services.AppointmentConflict) as error:
        book(patient, colleague, follow_up, soon, front_desk)
    assert "patient" in error.value.message_dict
    # Back to back is fine: intervals are half-open.
    book(other_patient, therapist, follow_up, soon + timedelta(minutes=30), front_desk)
    # A cancelled appointment frees its time.
    scheduling_services.appointment_cancel(appointment=first, by=front_desk)
    book(other_patient, colleague, follow_up, soon, front_desk)


@pytest.mark.django_db
def test_rescheduling_checks_the_new_time_and_ignores_itself(
    patient, other_patient, therapist, front_desk, follow_up, soon
):
    all_day_hours(therapist)
    moving = book(patient, therapist, follow_up, soon, front_desk)
    other = book(other_patient, therapist, follow_up, soon + timedelta(hours=1), front_desk)
    moved = scheduling_services.appointment_reschedule(
        appointment=moving, starts_at=soon + timedelta(minutes=15), by=front_desk
    )
    assert moved.ends_at - moved.starts_at == timedelta(minutes=30)
    with pytest.raises(scheduling_services.AppointmentConflict) as error:
        scheduling_services.appointment_reschedule(
            appointment=moving, starts_at=other.starts_at, by=front_desk
        )
    assert error.value.conflicting == other
    moving.refresh_from_db()
    assert moving.starts_at == soon + timedelta(minutes=15)


@pytest.mark.django_db
def test_free_slots_skip_bookings_time_off_and_the_past(
    patient, therapist, front_desk, follow_up, clinic
):
    tomorrow = clinic.local_now().date() + timedelta(days=1)
    WorkingHours.objects.create(
        therapist=therapist, weekday=tomorrow.weekday(), starts=time(9), ends=time(11)
    )
    book(patient, therapist, follow_up, at_local(tomorrow, time(9, 30), clinic.zone), front_desk)
    TimeOff.objects.create(
        therapist=therapist,
        starts_at=at_local(tomorrow, time(10, 30), clinic.zone),
        ends_at=at_local(tomorrow, time(12), clinic.zone),
    )
    slots = scheduling_selectors.free_slots(
        clinic=clinic, start_date=tomorrow, end_date=tomorrow, minutes=30, therapist=therapist
    )
    assert [s.starts_at.astimezone(clinic.zone).strftime("%H:%M") for s in slots] == [
        "09:00",
        "10:00",
    ]


@pytest.mark.django_db
def test_a_series_across_the_dst_change_keeps_nine_oclock(
    patient, therapist, front_desk, follow_up, clinic, settings
):
    clinic.time_zone = "America/Chicago"
    clinic.save()
    all_day_hours(therapist)
    first = at_local(SPRING_FORWARD - timedelta(days=7), time(9), CHICAGO)
    series = scheduling_services.appointment_series_book(
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up,
        first_starts_at=first,
        count=3,
        every_days=7,
        booked_by=front_desk,
    )
    assert [a.starts_at.astimezone(CHICAGO).strftime("%m-%d %H:%M") for a in series] == [
        "03-07 09:00",
        "03-14 09:00",
        "03-21 09:00",
    ]
    assert len({a.series for a in series}) == 1
    fall = scheduling_services.appointment_series_book(
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up,
        first_starts_at=at_local(FALL_BACK - timedelta(days=7), time(9), CHICAGO),
        count=3,
        every_days=7,
        booked_by=front_desk,
    )
    assert {a.starts_at.astimezone(CHICAGO).strftime("%H:%M") for a in fall} == {"09:00"}


@pytest.mark.django_db
def test_a_series_is_booked_whole_or_not_at_all(
    patient, other_patient, therapist, front_desk, follow_up, soon
):
    all_day_hours(therapist)
    book(other_patient, therapist, follow_up, soon + timedelta(days=14), front_desk)
    with pytest.raises(scheduling_services.AppointmentConflict):
        scheduling_services.appointment_series_book(
            patient=patient,
            therapist=therapist,
            appointment_type=follow_up,
            first_starts_at=soon,
            count=4,
            every_days=7,
            booked_by=front_desk,
        )
    assert Appointment.objects.filter(patient=patient).count() == 0


# --- The database has the last word -----------------------------------------------------------


def race(attempts: int, book_one) -> list[str]:
    """`attempts` threads, each with its own database connection, book at the same moment."""
    outcomes: list[str] = []
    barrier = threading.Barrier(attempts)

    def attempt(index: int) -> None:
        try:
            barrier.wait()
            book_one(index)
            outcomes.append("booked")
        except scheduling_services.AppointmentConflict:
            outcomes.append("conflict")
        except Exception as exc:
            outcomes.append(f"error: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def assert_no_overlaps(field: str) -> None:
    rows = list(Appointment.objects.active().order_by(field, "starts_at"))
    for a, b in itertools.pairwise(rows):
        if getattr(a, f"{field}_id") == getattr(b, f"{field}_id"):
            assert a.ends_at <= b.starts_at, (a, b)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_bookings_of_one_therapist_slot_book_exactly_one(
    clinic, therapist, front_desk, follow_up, soon
):
    all_day_hours(therapist)
    patients = PatientFactory.create_batch(50, clinic=clinic)
    outcomes = race(50, lambda n: book(patients[n], therapist, follow_up, soon, front_desk))
    assert sorted(outcomes) == ["booked"] + ["conflict"] * 49
    assert Appointment.objects.count() == 1
    assert_no_overlaps("therapist")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_bookings_of_one_patient_with_two_therapists_book_exactly_one(
    clinic, patient, therapist, front_desk, follow_up, soon
):
    colleague = StaffFactory(clinic=clinic, role="therapist")
    all_day_hours(therapist)
    all_day_hours(colleague)
    therapists = [therapist, colleague]
    outcomes = race(
        50,
        lambda n: book(
            patient, therapists[n % 2], follow_up, soon + timedelta(minutes=n % 3), front_desk
        ),
    )
    assert sorted(outcomes) == ["booked"] + ["conflict"] * 49
    assert Appointment.objects.count() == 1
    assert_no_overlaps("patient")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_exclusion_constraint_refuses_an_overlap_the_service_never_saw(
    patient, other_patient, therapist, front_desk, follow_up, soon
):
    from django.db import IntegrityError, transaction

    all_day_hours(therapist)
    first = book(patient, therapist, follow_up, soon, front_desk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            clinic=first.clinic,
            patient=other_patient,
            therapist=therapist,
            appointment_type=follow_up,
            starts_at=soon + timedelta(minutes=10),
            ends_at=soon + timedelta(minutes=40),
            booked_by=front_desk,
        )
