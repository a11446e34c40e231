from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from clinic.models import Role
from clinic.times import at_local
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentKind, AppointmentStatus, TimeOff
from tests.conftest import api_token_for
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/appointments/"
SLOTS = "/api/v1/free-slots/"
TYPES = "/api/v1/appointment-types/"


def always_working(therapist) -> None:
    for weekday in range(7):
        therapist.working_hours.create(weekday=weekday, starts=time(0, 0), ends=time(23, 59))


def local_day(clinic, days_ahead: int) -> date:
    return clinic.local_now().date() + timedelta(days=days_ahead)


def future(clinic, *, days: int = 2, hour: int = 10, minute: int = 0) -> datetime:
    """A wall-clock time in the clinic days from now: away from midnight, on the slot grid."""
    return at_local(local_day(clinic, days), time(hour, minute), clinic.zone)


def follow_up(clinic):
    (kind,) = [
        t
        for t in scheduling_services.appointment_types_ensure(clinic=clinic)
        if t.kind == "follow_up"
    ]
    return kind


def book(patient, therapist, starts_at, **extra) -> Appointment:
    return scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up(patient.clinic),
        starts_at=starts_at,
        booked_by=therapist,
        **extra,
    )


@pytest.fixture
def scheduling(clinic, therapist):
    """The therapist works around the clock every day; the clinic has its appointment types."""
    always_working(therapist)
    scheduling_services.appointment_types_ensure(clinic=clinic)
    return therapist


@pytest.fixture
def second_therapist(clinic, scheduling):
    person = StaffFactory(clinic=clinic, role=Role.THERAPIST, first_name="Noor", last_name="Haddad")
    always_working(person)
    return person


@pytest.fixture
def booked(scheduling, patient, other_patient, foreign_patient, therapist, other_clinic_therapist):
    """Alex and Bianca booked with Maya, Farid with Otto at the other clinic, and one of Alex's
    appointments cancelled."""
    clinic = patient.clinic
    alex = book(patient, therapist, future(clinic), note="Bring running shoes")
    bianca = book(other_patient, therapist, future(clinic, hour=11))
    cancelled = book(patient, therapist, future(clinic, days=3))
    scheduling_services.appointment_cancel(appointment=cancelled, by=therapist)
    always_working(other_clinic_therapist)
    farid = book(foreign_patient, other_clinic_therapist, future(foreign_patient.clinic))
    return {"alex": alex, "bianca": bianca, "cancelled": cancelled, "farid": farid}


def booking(patient, therapist, starts_at, **changes) -> dict:
    return {
        "patient": patient.pk,
        "therapist": therapist.pk,
        "kind": "follow_up",
        "starts_at": starts_at.isoformat(),
        "note": "First visit after the holidays",
        **changes,
    }


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


# --- Reading ----------------------------------------------------------------------------------

LIST_EXPECTATIONS = {
    "anonymous": (401, None),
    "patient": (200, ["Alex Anders"]),
    "other_patient": (200, ["Bianca Baker"]),
    "therapist": (200, ["Alex Anders", "Bianca Baker", "Alex Anders"]),
    "front_desk": (200, ["Alex Anders", "Bianca Baker", "Alex Anders"]),
    "clinic_admin": (200, ["Alex Anders", "Bianca Baker", "Alex Anders"]),
    "other_clinic_therapist": (200, ["Farid Fremd"]),
}


@pytest.mark.parametrize(("role", "expected"), LIST_EXPECTATIONS.items())
def test_each_role_lists_only_the_appointments_it_may_see(client_as, booked, role, expected):
    status, names = expected
    response = client_as(role).get(LIST)
    assert response.status_code == status
    if names is not None:
        assert [row["patient"]["name"] for row in response.json()["results"]] == names


DETAIL_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 200,
    "other_patient": 404,
    "therapist": 200,
    "front_desk": 200,
    "clinic_admin": 200,
    "other_clinic_therapist": 404,
}


@pytest.mark.parametrize(("role", "status"), DETAIL_EXPECTATIONS.items())
def test_an_appointment_is_read_by_its_clinics_staff_and_its_patient(
    client_as, booked, role, status
):
    response = client_as(role).get(f"{LIST}{booked['alex'].pk}/")
    assert response.status_code == status


def test_staff_see_the_whole_appointment(client_as, booked, patient, therapist):
    body = client_as("front_desk").get(f"{LIST}{booked['alex'].pk}/").json()
    assert body["patient"] == {"id": patient.pk, "name": "Alex Anders"}
    assert body["therapist"] == {"id": therapist.pk, "name": "Maya Okafor"}
    assert body["appointment_type"]["kind"] == "follow_up"
    assert body["appointment_type"]["name"] == "Follow-up"
    assert datetime.fromisoformat(body["starts_at"]) == booked["alex"].starts_at
    assert datetime.fromisoformat(body["ends_at"]) - datetime.fromisoformat(
        body["starts_at"]
    ) == timedelta(minutes=30)
    assert datetime.fromisoformat(body["starts_at"]).tzinfo is not None
    assert body["status"] == "booked"
    assert body["note"] == "Bring running shoes"
    assert body["booked_by"] == therapist.pk
    assert body["series"] is None
    assert "symptomatic_side" not in body["patient"]


def test_an_instant_comes_back_in_utc_with_a_z_whoever_asks_and_however(
    client_as, booked, therapist
):
    # The clinic's zone (America/Chicago) is for pages; a session once shifted the API's
    # answers to it, while a token answered in UTC.
    url = f"{LIST}{booked['alex'].pk}/"
    token = {"Authorization": f"Token {api_token_for(therapist)}"}
    expected = booked["alex"].starts_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    by_token = Client().get(url, headers=token).json()
    assert by_token["starts_at"] == expected
    for role in ("therapist", "front_desk", "patient"):
        assert client_as(role).get(url).json()["starts_at"] == expected, role
    assert client_as("therapist").get(url).json() == by_token


def test_a_patient_sees_their_appointment_without_the_note_or_the_booker(client_as, booked):
    body = client_as("patient").get(f"{LIST}{booked['alex'].pk}/").json()
    assert body["patient"]["name"] == "Alex Anders"
    assert "note" not in body
    assert "booked_by" not in body
    (row,) = client_as("patient").get(LIST).json()["results"]
    assert "note" not in row
    assert "booked_by" not in row


def test_a_patient_never_reads_another_patients_or_a_cancelled_appointment(client_as, booked):
    client = client_as("patient")
    assert client.get(f"{LIST}{booked['bianca'].pk}/").status_code == 404
    assert client.get(f"{LIST}{booked['cancelled'].pk}/").status_code == 404
    assert client.get(f"{LIST}{booked['farid'].pk}/").status_code == 404
    assert client.get(LIST, {"patient": booked["bianca"].patient_id}).json()["count"] == 0


def test_a_patient_does_not_see_their_past_appointments(client_as, booked, patient, therapist):
    now = timezone.now()
    Appointment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up(patient.clinic),
        starts_at=now - timedelta(days=1),
        ends_at=now - timedelta(days=1) + timedelta(minutes=30),
        booked_by=therapist,
    )
    rows = client_as("patient").get(LIST).json()["results"]
    assert [row["id"] for row in rows] == [booked["alex"].pk]


def test_staff_filter_the_list(client_as, booked, patient, other_patient, therapist, clinic):
    client = client_as("therapist")

    def ids(**params):
        return [row["id"] for row in client.get(LIST, params).json()["results"]]

    assert ids(patient=other_patient.pk) == [booked["bianca"].pk]
    assert ids(status="cancelled") == [booked["cancelled"].pk]
    assert ids(therapist=therapist.pk) == [
        booked["alex"].pk,
        booked["bianca"].pk,
        booked["cancelled"].pk,
    ]
    day_after = future(clinic, days=3, hour=0)
    assert ids(starts_after=day_after.isoformat()) == [booked["cancelled"].pk]
    assert ids(starts_before=future(clinic, hour=11).isoformat()) == [booked["alex"].pk]
    bad = client.get(LIST, {"starts_after": "next week"})
    assert bad.status_code == 400
    assert "starts_after" in bad.json()


# --- Booking ----------------------------------------------------------------------------------

CREATE_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 403,
    "other_patient": 403,
    "therapist": 201,
    "front_desk": 201,
    "clinic_admin": 201,
    "other_clinic_therapist": 400,  # no such patient in their clinic
}


@pytest.mark.parametrize(("role", "status"), CREATE_EXPECTATIONS.items())
def test_only_the_clinics_staff_book(
    client_as, scheduling, patient, therapist, clinic, role, status
):
    response = post(client_as(role), LIST, booking(patient, therapist, future(clinic)))
    assert response.status_code == status, response.content
    assert Appointment.objects.exists() is (status == 201)
    if status == 400:
        assert "patient" in response.json()


def test_booking_answers_the_appointment(client_as, scheduling, patient, therapist, clinic):
    starts_at = future(clinic)
    (retest,) = [
        t for t in scheduling_services.appointment_types_ensure(clinic=clinic) if t.kind == "retest"
    ]
    data = booking(patient, therapist, starts_at)
    del data["kind"]
    data["appointment_type"] = retest.pk
    data["ends_at"] = (starts_at + timedelta(minutes=45)).isoformat()
    response = post(client_as("front_desk"), LIST, data)
    assert response.status_code == 201, response.content
    body = response.json()
    appointment = Appointment.objects.get()
    assert body["id"] == appointment.pk
    assert appointment.booked_by.role == Role.FRONT_DESK
    assert appointment.starts_at == starts_at
    assert appointment.ends_at == starts_at + timedelta(minutes=45)
    assert appointment.note == "First visit after the holidays"
    assert body["appointment_type"]["id"] == data["appointment_type"]


def test_a_booking_by_kind_takes_the_types_length(
    client_as, scheduling, patient, therapist, clinic
):
    data = booking(patient, therapist, future(clinic), kind=AppointmentKind.INITIAL)
    body = post(client_as("therapist"), LIST, data).json()
    assert body["appointment_type"]["kind"] == "initial"
    starts_at, ends_at = (datetime.fromisoformat(body[key]) for key in ("starts_at", "ends_at"))
    assert ends_at - starts_at == timedelta(minutes=60)


def test_the_same_therapist_slot_is_a_conflict(
    client_as, scheduling, patient, other_patient, therapist, clinic
):
    taken = book(patient, therapist, future(clinic))
    data = booking(other_patient, therapist, future(clinic, minute=15))
    response = post(client_as("front_desk"), LIST, data)
    assert response.status_code == 409, response.content
    body = response.json()
    assert "already has an appointment" in body["detail"]
    assert body["conflict"]["field"] == "therapist"
    assert body["conflict"]["appointment"]["id"] == taken.pk
    assert body["conflict"]["appointment"]["therapist"]["id"] == therapist.pk
    assert body["conflict"]["appointment"]["patient"]["id"] == patient.pk
    assert datetime.fromisoformat(body["conflict"]["appointment"]["starts_at"]) == taken.starts_at
    assert Appointment.objects.count() == 1


def test_the_same_patient_with_another_therapist_is_a_conflict(
    client_as, scheduling, second_therapist, patient, therapist, clinic
):
    taken = book(patient, therapist, future(clinic))
    response = post(
        client_as("therapist"), LIST, booking(patient, second_therapist, future(clinic))
    )
    assert response.status_code == 409, response.content
    conflict = response.json()["conflict"]
    assert conflict["field"] == "patient"
    assert conflict["appointment"]["id"] == taken.pk
    assert Appointment.objects.count() == 1


def test_back_to_back_bookings_do_not_conflict(
    client_as, scheduling, patient, other_patient, therapist, clinic
):
    book(patient, therapist, future(clinic))
    data = booking(other_patient, therapist, future(clinic, minute=30))
    assert post(client_as("therapist"), LIST, data).status_code == 201


@pytest.fixture
def nine_to_ten(clinic):
    person = StaffFactory(clinic=clinic, role=Role.THERAPIST)
    for weekday in range(7):
        person.working_hours.create(weekday=weekday, starts=time(9), ends=time(10))
    return person


BAD_BOOKINGS = {
    "end before start": (
        lambda c: {"ends_at": (future(c) - timedelta(minutes=30)).isoformat()},
        "ends_at",
    ),
    "in the past": (
        lambda c: {"starts_at": (timezone.now() - timedelta(days=1)).replace(microsecond=0)},
        "starts_at",
    ),
    "without a time zone": (
        lambda c: {"starts_at": future(c).replace(tzinfo=None).isoformat()},
        "starts_at",
    ),
    "not a time": (lambda c: {"starts_at": "tomorrow at ten"}, "starts_at"),
    "neither type nor kind": (lambda c: {"kind": None}, "appointment_type"),
    "an unknown kind": (lambda c: {"kind": "massage"}, "kind"),
    "an unknown type": (lambda c: {"kind": None, "appointment_type": 999_999}, "appointment_type"),
    "a type and a kind": (lambda c: {"appointment_type": 1}, "appointment_type"),
    "no patient": (lambda c: {"patient": None}, "patient"),
    "an unknown therapist": (lambda c: {"therapist": 999_999}, "therapist"),
}


@pytest.mark.parametrize(("make", "field"), BAD_BOOKINGS.values(), ids=BAD_BOOKINGS.keys())
def test_a_bad_booking_names_the_field_and_saves_nothing(
    client_as, scheduling, patient, therapist, clinic, make, field
):
    data = booking(patient, therapist, future(clinic))
    data.update(make(clinic))
    data = {key: value for key, value in data.items() if value is not None}
    if isinstance(data["starts_at"], datetime):
        data["starts_at"] = data["starts_at"].isoformat()
    response = post(client_as("front_desk"), LIST, data)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Appointment.objects.count() == 0


def test_a_booking_outside_working_hours_is_refused(client_as, scheduling, nine_to_ten, patient):
    clinic = patient.clinic
    response = post(
        client_as("therapist"), LIST, booking(patient, nine_to_ten, future(clinic, hour=11))
    )
    assert response.status_code == 400
    assert "working hours" in response.json()["starts_at"][0]
    assert Appointment.objects.count() == 0
    inside = booking(patient, nine_to_ten, future(clinic, hour=9))
    assert post(client_as("therapist"), LIST, inside).status_code == 201


def test_a_booking_during_time_off_is_refused(client_as, scheduling, patient, therapist, clinic):
    TimeOff.objects.create(
        therapist=therapist,
        starts_at=future(clinic, hour=8),
        ends_at=future(clinic, hour=17),
        reason="Conference",
    )
    response = post(client_as("therapist"), LIST, booking(patient, therapist, future(clinic)))
    assert response.status_code == 400
    assert "Conference" in response.json()["starts_at"][0]
    assert Appointment.objects.count() == 0


def test_a_patient_of_another_clinic_cannot_be_booked(
    client_as, scheduling, foreign_patient, therapist, clinic
):
    response = post(
        client_as("therapist"), LIST, booking(foreign_patient, therapist, future(clinic))
    )
    assert response.status_code == 400
    assert "patient" in response.json()
    assert Appointment.objects.count() == 0


def test_another_clinics_appointment_type_cannot_be_booked(
    client_as, scheduling, patient, therapist, clinic, other_clinic
):
    theirs = follow_up(other_clinic)
    data = booking(patient, therapist, future(clinic))
    del data["kind"]
    data["appointment_type"] = theirs.pk
    response = post(client_as("therapist"), LIST, data)
    assert response.status_code == 400
    assert "appointment_type" in response.json()
    assert Appointment.objects.count() == 0


def test_a_therapist_of_another_clinic_cannot_be_booked(
    client_as, scheduling, patient, other_clinic_therapist, clinic
):
    always_working(other_clinic_therapist)
    data = booking(patient, other_clinic_therapist, future(clinic))
    response = post(client_as("front_desk"), LIST, data)
    assert response.status_code == 400
    assert response.json()["therapist"] == ["Choose an active therapist of this clinic."]
    assert Appointment.objects.count() == 0


def test_the_front_desk_cannot_be_booked_as_the_therapist(
    client_as, scheduling, patient, front_desk, clinic
):
    always_working(front_desk)
    response = post(client_as("therapist"), LIST, booking(patient, front_desk, future(clinic)))
    assert response.status_code == 400
    assert "therapist" in response.json()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_appointments_are_not_edited_or_deleted_directly(client_as, booked, method):
    response = getattr(client_as("clinic_admin"), method)(
        f"{LIST}{booked['alex'].pk}/", {}, content_type="application/json"
    )
    assert response.status_code == 405
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 3


# --- Rescheduling, cancelling, marking --------------------------------------------------------

CHANGE_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 403,
    "other_patient": 403,
    "therapist": 200,
    "front_desk": 200,
    "clinic_admin": 200,
    "other_clinic_therapist": 404,
}


@pytest.mark.parametrize(("role", "status"), CHANGE_EXPECTATIONS.items())
def test_only_the_clinics_staff_cancel(client_as, booked, role, status):
    alex = booked["alex"]
    response = post(client_as(role), f"{LIST}{alex.pk}/cancel/")
    assert response.status_code == status, response.content
    alex.refresh_from_db()
    assert (alex.status == AppointmentStatus.CANCELLED) is (status == 200)
    if status == 200:
        assert response.json()["status"] == "cancelled"
        assert alex.cancelled_by is not None


def test_a_cancelled_appointment_cannot_be_cancelled_again(client_as, booked):
    response = post(client_as("therapist"), f"{LIST}{booked['cancelled'].pk}/cancel/")
    assert response.status_code == 400
    assert "status" in response.json()


@pytest.mark.parametrize(("role", "status"), CHANGE_EXPECTATIONS.items())
def test_only_the_clinics_staff_reschedule(client_as, booked, clinic, role, status):
    alex = booked["alex"]
    new_start = future(clinic, days=4, hour=14)
    response = post(
        client_as(role), f"{LIST}{alex.pk}/reschedule/", {"starts_at": new_start.isoformat()}
    )
    assert response.status_code == status, response.content
    alex.refresh_from_db()
    assert (alex.starts_at == new_start) is (status == 200)
    if status == 200:
        assert alex.ends_at - alex.starts_at == timedelta(minutes=30)  # the length is kept


def test_rescheduling_onto_a_taken_time_is_a_conflict(client_as, booked):
    alex, bianca = booked["alex"], booked["bianca"]
    response = post(
        client_as("front_desk"),
        f"{LIST}{alex.pk}/reschedule/",
        {"starts_at": bianca.starts_at.isoformat()},
    )
    assert response.status_code == 409, response.content
    assert response.json()["conflict"] == {
        "field": "therapist",
        "appointment": {
            "id": bianca.pk,
            "starts_at": response.json()["conflict"]["appointment"]["starts_at"],
            "ends_at": response.json()["conflict"]["appointment"]["ends_at"],
            "therapist": {"id": bianca.therapist_id, "name": "Maya Okafor"},
            "patient": {"id": bianca.patient_id, "name": "Bianca Baker"},
        },
    }
    before = alex.starts_at
    alex.refresh_from_db()
    assert alex.starts_at == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "starts_at"),
        ({"starts_at": "soon"}, "starts_at"),
        ({"starts_at": "2020-01-06T10:00:00+00:00"}, "starts_at"),
    ],
)
def test_a_bad_reschedule_names_the_field(client_as, booked, data, field):
    response = post(client_as("therapist"), f"{LIST}{booked['alex'].pk}/reschedule/", data)
    assert response.status_code == 400
    assert field in response.json()


@pytest.fixture
def started(patient, therapist, scheduling):
    starts_at = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    return Appointment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up(patient.clinic),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        booked_by=therapist,
    )


@pytest.mark.parametrize(("role", "status"), CHANGE_EXPECTATIONS.items())
def test_only_the_clinics_staff_mark_an_appointment(client_as, started, role, status):
    response = post(client_as(role), f"{LIST}{started.pk}/mark/", {"status": "no_show"})
    assert response.status_code == status, response.content
    started.refresh_from_db()
    assert (started.status == AppointmentStatus.NO_SHOW) is (status == 200)


@pytest.mark.parametrize("outcome", ["cancelled", "booked", ""])
def test_marking_takes_only_an_outcome(client_as, started, outcome):
    response = post(client_as("therapist"), f"{LIST}{started.pk}/mark/", {"status": outcome})
    assert response.status_code == 400
    assert "status" in response.json()


def test_an_appointment_that_has_not_started_cannot_be_marked(client_as, booked):
    response = post(
        client_as("therapist"), f"{LIST}{booked['alex'].pk}/mark/", {"status": "completed"}
    )
    assert response.status_code == 400
    assert "status" in response.json()
    assert Appointment.objects.get(pk=booked["alex"].pk).status == AppointmentStatus.BOOKED


# --- Free slots and appointment types ---------------------------------------------------------


def slot_params(clinic, therapist=None, **extra) -> dict:
    day = local_day(clinic, 2).isoformat()
    params = {"start": day, "end": day, **extra}
    if therapist is not None:
        params["therapist"] = therapist.pk
    return params


SLOT_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 403,
    "other_patient": 403,
    "therapist": 200,
    "front_desk": 200,
    "clinic_admin": 200,
    "other_clinic_therapist": 200,  # their own clinic's slots
}


@pytest.mark.parametrize(("role", "status"), SLOT_EXPECTATIONS.items())
def test_free_slots_are_for_staff(client_as, scheduling, clinic, role, status):
    assert client_as(role).get(SLOTS, slot_params(clinic)).status_code == status


def test_free_slots_follow_working_hours_in_follow_up_lengths(
    client_as, scheduling, clinic, therapist
):
    slots = client_as("front_desk").get(SLOTS, slot_params(clinic, therapist)).json()
    assert len(slots) > 40
    first = slots[0]
    assert first["therapist"] == {"id": therapist.pk, "name": "Maya Okafor"}
    starts_at = datetime.fromisoformat(first["starts_at"])
    assert starts_at == future(clinic, hour=0)
    assert datetime.fromisoformat(first["ends_at"]) - starts_at == timedelta(minutes=30)


def test_free_slots_leave_out_booked_times(client_as, scheduling, clinic, therapist, patient):
    taken = book(patient, therapist, future(clinic))
    slots = client_as("front_desk").get(SLOTS, slot_params(clinic, therapist)).json()
    starts = [datetime.fromisoformat(slot["starts_at"]) for slot in slots]
    assert future(clinic, hour=9, minute=30) in starts
    assert future(clinic, hour=10, minute=30) in starts
    for slot in slots:
        slot_start = datetime.fromisoformat(slot["starts_at"])
        slot_end = datetime.fromisoformat(slot["ends_at"])
        assert not (slot_start < taken.ends_at and taken.starts_at < slot_end), slot


def test_free_slots_take_a_type_or_minutes(client_as, scheduling, clinic, therapist):
    client = client_as("therapist")
    initial = [
        t
        for t in scheduling_services.appointment_types_ensure(clinic=clinic)
        if t.kind == "initial"
    ]
    for params, length in (
        ({"appointment_type": initial[0].pk}, 60),
        ({"minutes": 45}, 45),
    ):
        (slot, *_) = client.get(SLOTS, slot_params(clinic, therapist, **params)).json()
        starts_at, ends_at = (datetime.fromisoformat(slot[key]) for key in ("starts_at", "ends_at"))
        assert ends_at - starts_at == timedelta(minutes=length)


def test_free_slots_cover_up_to_31_days(client_as, scheduling, clinic, therapist):
    start = local_day(clinic, 1)
    params = {"start": start.isoformat(), "end": (start + timedelta(days=31)).isoformat()}
    assert client_as("therapist").get(SLOTS, params).status_code == 200


def test_free_slots_without_a_therapist_cover_every_therapist(
    client_as, scheduling, second_therapist, clinic, therapist
):
    slots = client_as("therapist").get(SLOTS, slot_params(clinic)).json()
    assert {slot["therapist"]["id"] for slot in slots} == {therapist.pk, second_therapist.pk}


BAD_SLOT_QUERIES = {
    "no start": ({"start": None}, "start"),
    "no end": ({"end": None}, "end"),
    "not a date": ({"start": "tomorrow"}, "start"),
    "end before start": ({"end": "2020-01-01"}, "end"),
    "over 31 days": ({"end": "2099-12-31"}, "end"),
    "another clinic's therapist": ({"therapist": "other_clinic_therapist"}, "therapist"),
    "an unknown type": ({"appointment_type": 999_999}, "appointment_type"),
    "a type and minutes": ({"appointment_type": 1, "minutes": 30}, "minutes"),
    "too short": ({"minutes": 1}, "minutes"),
}


@pytest.mark.parametrize(
    ("changes", "param"), BAD_SLOT_QUERIES.values(), ids=BAD_SLOT_QUERIES.keys()
)
def test_a_bad_free_slot_query_names_the_parameter(
    client_as, scheduling, clinic, other_clinic_therapist, changes, param
):
    params = slot_params(clinic)
    for key, value in changes.items():
        if value == "other_clinic_therapist":
            value = other_clinic_therapist.pk
        if value is None:
            del params[key]
        else:
            params[key] = value
    response = client_as("front_desk").get(SLOTS, params)
    assert response.status_code == 400, response.content
    assert param in response.json()


@pytest.mark.parametrize(("role", "status"), SLOT_EXPECTATIONS.items())
def test_appointment_types_are_for_staff(client_as, clinic, role, status):
    response = client_as(role).get(TYPES)
    assert response.status_code == status
    if role in {"therapist", "front_desk", "clinic_admin"}:
        body = response.json()
        assert {row["kind"] for row in body} == {"initial", "follow_up", "retest"}
        assert {row["default_minutes"] for row in body} == {30, 60}


# --- Found by the API fuzzer (tests/test_api_fuzz.py) -----------------------------------------


def test_a_time_filter_with_an_offset_postgresql_refuses_is_compared_in_utc(client_as, booked):
    # "+20:07" is valid ISO 8601 but outside PostgreSQL's offsets: it was a 500.
    response = client_as("therapist").get(LIST, {"starts_before": "0160-10-01T21:57:17+20:07"})
    assert response.status_code == 200
    assert response.json()["count"] == 0
    later = client_as("therapist").get(LIST, {"starts_after": "2000-01-01T00:00:00+20:30"})
    assert later.json()["count"] == 3


def test_a_time_filter_that_leaves_the_calendar_in_utc_is_a_400(client_as):
    response = client_as("therapist").get(LIST, {"starts_after": "0001-01-01T00:00:00+20:00"})
    assert response.status_code == 400
    assert "starts_after" in response.json()
