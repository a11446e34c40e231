"""The booking page's form (scheduling/forms.py), through the page: each refusal names the field
and the reason, and saves nothing; the picker preselects without reporting."""

from datetime import time, timedelta

import pytest

from clinic.times import at_local
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentKind, WaitlistEntry
from tests.scheduling.test_scheduling import all_day_hours

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(clinic):
    return clinic.local_now().date() + timedelta(days=2)


@pytest.fixture
def booking(patient, therapist, day):
    """A booking the page accepts; each test spoils one value of it."""
    all_day_hours(therapist)
    return {
        "patient": patient.pk,
        "therapist": therapist.pk,
        "kind": AppointmentKind.FOLLOW_UP,
        "starts_at": f"{day.isoformat()}T10:00",
    }


def refusal(client, data) -> list[str]:
    response = client.post("/schedule/book/", data)
    assert response.status_code == 200
    assert Appointment.objects.count() == 0
    html = response.content.decode()
    assert all(error in html for error in response.context["errors"])
    return response.context["errors"]


def test_the_booking_as_given_is_saved(client_as, booking, patient, therapist, clinic, day):
    response = client_as("front_desk").post("/schedule/book/", {**booking, "note": "Knee brace"})
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.patient, appointment.therapist) == (patient, therapist)
    assert appointment.appointment_type.kind == AppointmentKind.FOLLOW_UP
    assert appointment.note == "Knee brace"


def test_a_time_without_an_offset_is_read_in_the_clinics_zone(client_as, booking, clinic, day):
    client_as("front_desk").post("/schedule/book/", booking)
    assert Appointment.objects.get().starts_at == at_local(day, time(10), clinic.zone)


def test_a_time_with_an_offset_keeps_it(client_as, booking, day):
    client_as("front_desk").post(
        "/schedule/book/", {**booking, "starts_at": f"{day.isoformat()}T16:00:00+00:00"}
    )
    assert Appointment.objects.get().starts_at.isoformat() == f"{day.isoformat()}T16:00:00+00:00"


def test_no_patient_is_refused(client_as, booking):
    del booking["patient"]
    assert refusal(client_as("front_desk"), booking) == [
        "Patient: Choose a patient of this clinic."
    ]


@pytest.mark.parametrize("role", ["front_desk", "therapist", "clinic_admin"])
def test_a_patient_of_another_clinic_is_refused_as_if_unknown(
    client_as, booking, foreign_patient, role
):
    client = client_as(role)
    foreign = refusal(client, {**booking, "patient": foreign_patient.pk})
    unknown = refusal(client, {**booking, "patient": foreign_patient.pk + 1000})
    assert foreign == unknown == ["Patient: Choose a patient of this clinic."]


def test_no_time_is_refused(client_as, booking):
    assert refusal(client_as("front_desk"), {**booking, "starts_at": ""}) == [
        "Starts: Choose a time."
    ]


@pytest.mark.parametrize("starts_at", ["tomorrow at ten", "2030-02-30T10:00", "10:00"])
def test_a_time_that_is_not_a_date_and_time_is_refused(client_as, booking, starts_at):
    assert refusal(client_as("front_desk"), {**booking, "starts_at": starts_at}) == [
        "Starts: Enter a date and a time: 2025-03-14T09:30."
    ]


def test_a_therapist_of_another_clinic_is_refused(client_as, booking, other_clinic_therapist):
    assert refusal(
        client_as("front_desk"), {**booking, "therapist": other_clinic_therapist.pk}
    ) == ["Therapist: Choose a therapist of this clinic."]


def test_no_therapist_is_refused(client_as, booking):
    del booking["therapist"]
    assert refusal(client_as("front_desk"), booking) == ["Therapist: Choose a therapist."]


def test_an_unknown_type_is_refused(client_as, booking):
    assert refusal(client_as("front_desk"), {**booking, "kind": "massage"}) == [
        "Type: Choose an appointment type of this clinic."
    ]


def test_an_unknown_waitlist_entry_is_refused(client_as, booking):
    assert refusal(client_as("front_desk"), {**booking, "waitlist": 999999}) == [
        "Waitlist entry: No such waitlist entry in this clinic."
    ]


def test_every_error_is_listed_at_once(client_as, booking):
    errors = refusal(
        client_as("front_desk"), {"therapist": "x", "kind": booking["kind"], "starts_at": "soon"}
    )
    assert errors == [
        "Patient: Choose a patient of this clinic.",
        "Therapist: Choose a therapist of this clinic.",
        "Starts: Enter a date and a time: 2025-03-14T09:30.",
    ]


def test_a_service_refusal_names_its_field(client_as, booking, clinic):
    yesterday = clinic.local_now().date() - timedelta(days=1)
    errors = refusal(client_as("front_desk"), {**booking, "starts_at": f"{yesterday}T10:00"})
    assert errors == ["Starts: This time is in the past."]


def test_a_waiting_patient_no_longer_waiting_is_refused(
    client_as, booking, other_patient, therapist, front_desk, clinic
):
    types = {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}
    entry = scheduling_services.waitlist_add(
        patient=other_patient,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        added_by=front_desk,
    )
    scheduling_services.waitlist_remove(entry=entry)
    errors = refusal(
        client_as("front_desk"), {**booking, "patient": other_patient.pk, "waitlist": entry.pk}
    )
    assert errors == ["Waitlist entry: This patient is no longer waiting."]
    assert WaitlistEntry.objects.get().booked is None


def test_the_picker_preselects_the_patients_own_therapist(client_as, patient, therapist):
    page = client_as("front_desk").get("/schedule/book/", {"patient": patient.pk})
    assert page.context["therapist"] == therapist
    assert page.context["errors"] == []


def test_the_picker_keeps_anyone_when_asked_for(client_as, patient):
    page = client_as("front_desk").get("/schedule/book/", {"patient": patient.pk, "therapist": ""})
    assert page.context["therapist"] is None


def test_the_picker_leaves_out_what_does_not_fit_without_reporting_it(
    client_as, foreign_patient, other_clinic_therapist, clinic
):
    page = client_as("front_desk").get(
        "/schedule/book/",
        {
            "patient": foreign_patient.pk,
            "therapist": other_clinic_therapist.pk,
            "kind": "massage",
            "date": "someday",
        },
    )
    assert page.status_code == 200
    assert page.context["errors"] == []
    assert (page.context["patient"], page.context["therapist"]) == (None, None)
    assert page.context["appointment_type"].kind == AppointmentKind.FOLLOW_UP
    assert page.context["day"] == clinic.local_today()
    assert "Fremd" not in page.content.decode()


def test_the_picker_shows_slots_of_the_type_from_the_day(client_as, patient, therapist, day):
    all_day_hours(therapist)
    page = client_as("front_desk").get(
        "/schedule/book/",
        {"patient": patient.pk, "kind": AppointmentKind.RETEST, "date": day.isoformat()},
    )
    assert page.context["appointment_type"].kind == AppointmentKind.RETEST
    assert page.context["day"] == day
    assert page.context["slots"]
    assert all(slot.therapist == therapist for slot in page.context["slots"])
