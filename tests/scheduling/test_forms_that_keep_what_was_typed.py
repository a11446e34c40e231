"""Forms that keep what was typed (issue 17, items 1 and 10): a refused booking, a refused move
and refused working hours or time off show the form again as it was sent; shorter working hours
are saved and list the bookings they leave outside them; the page a reminder's link opens says
which appointment and which answer before anything is sent."""

from datetime import time, timedelta

import pytest
from django.conf import settings

from clinic.times import at_local, local_datetime_text
from scheduling import selectors as scheduling_selectors
from scheduling import services as scheduling_services
from scheduling.models import Appointment, WorkingHours
from scheduling.reminders import appointment_response_read, response_url
from scheduling.times import within_weekly_hours
from tests.scheduling.test_scheduling import all_day_hours

pytestmark = pytest.mark.django_db


def _week(starts: str, ends: str) -> dict[str, str]:
    data = {"action": "hours"}
    for day in range(7):
        data[f"starts_{day}"], data[f"ends_{day}"] = starts, ends
    return data


# --- The pure rule ----------------------------------------------------------------------------


def test_within_weekly_hours_is_judged_on_the_local_day(clinic):
    zone = clinic.zone
    monday = at_local(clinic.local_today() + timedelta(days=7), time(0), zone).date()
    monday -= timedelta(days=monday.weekday())
    hours = [(0, time(9), time(12))]
    inside = at_local(monday, time(9), zone)
    assert within_weekly_hours(inside, inside + timedelta(hours=3), hours=hours, zone=zone)
    assert not within_weekly_hours(
        inside, inside + timedelta(hours=3, minutes=1), hours=hours, zone=zone
    )
    tuesday = inside + timedelta(days=1)
    assert not within_weekly_hours(tuesday, tuesday + timedelta(hours=1), hours=hours, zone=zone)


# --- Booking ----------------------------------------------------------------------------------


def test_a_refused_booking_keeps_the_time_and_the_note(booked, client_as, other_patient, clinic):
    typed = booked.starts_at.astimezone(clinic.zone).strftime("%Y-%m-%dT%H:%M")
    response = client_as("front_desk").post(
        "/schedule/book/",
        {
            "patient": other_patient.pk,
            "therapist": booked.therapist.pk,
            "kind": "follow_up",
            "starts_at": typed,
            "note": "Needs the ground-floor room",
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'value="Needs the ground-floor room"' in html
    assert f'name="starts_at" value="{typed}"' in html
    assert Appointment.objects.filter(patient=other_patient).count() == 0


def test_a_slot_refused_keeps_its_time_as_the_input_shows_it(
    booked, client_as, other_patient, clinic
):
    # A slot button sends the UTC ISO time; the input shows it on the clinic's wall clock.
    response = client_as("front_desk").post(
        "/schedule/book/",
        {
            "patient": other_patient.pk,
            "therapist": booked.therapist.pk,
            "starts_at": booked.starts_at.isoformat(),
        },
    )
    assert response.status_code == 409
    local = booked.starts_at.astimezone(clinic.zone).strftime("%Y-%m-%dT%H:%M")
    assert f'name="starts_at" value="{local}"' in response.content.decode()


def test_a_booking_with_no_such_time_keeps_the_text_and_names_the_field(
    client_as, patient, therapist
):
    all_day_hours(therapist)
    response = client_as("front_desk").post(
        "/schedule/book/",
        {"patient": patient.pk, "therapist": therapist.pk, "starts_at": "2027-02-30T10:00"},
    )
    html = response.content.decode()
    assert "Starts: Enter a date and a time" in html
    assert 'value="2027-02-30T10:00"' in html


# --- Moving -----------------------------------------------------------------------------------


def test_a_refused_move_keeps_the_typed_time_and_says_why(booked, client_as, clinic):
    typed = (booked.starts_at - timedelta(days=30)).astimezone(clinic.zone)
    typed_text = typed.strftime("%Y-%m-%dT%H:%M")
    response = client_as("front_desk").post(
        f"/appointments/{booked.pk}/", {"action": "reschedule", "starts_at": typed_text}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Move to: This time is in the past." in html
    assert f'value="{typed_text}"' in html
    booked.refresh_from_db()
    assert booked.sequence == 0


def test_a_move_without_a_time_names_the_field(booked, client_as):
    response = client_as("front_desk").post(
        f"/appointments/{booked.pk}/", {"action": "reschedule", "starts_at": ""}
    )
    assert response.status_code == 400
    assert "Move to: Enter a date and a time" in response.content.decode()


def test_a_move_says_where_to(booked, client_as, clinic):
    later = booked.starts_at + timedelta(hours=2)
    response = client_as("front_desk").post(
        f"/appointments/{booked.pk}/",
        {"action": "reschedule", "starts_at": later.astimezone(clinic.zone).isoformat()},
        follow=True,
    )
    assert f"Moved to {local_datetime_text(later, clinic.zone)}." in response.content.decode()


# --- Working hours ----------------------------------------------------------------------------


def test_bad_hours_are_shown_again_as_typed_and_nothing_is_saved(client_as, therapist):
    all_day_hours(therapist)
    data = _week("08:00", "16:30")
    data.update({"therapist": therapist.pk, "starts_2": "17:00", "ends_2": "09:00"})
    response = client_as("therapist").post("/schedule/hours/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Wednesday: the end must come after the start." in html
    assert "Nothing was saved" in html
    assert 'id="starts_2" name="starts_2" value="17:00"' in html
    assert 'id="ends_0" name="ends_0" value="16:30"' in html
    assert therapist.working_hours.filter(starts=time(0)).count() == 7


def test_refused_time_off_is_shown_again_as_typed(client_as, therapist):
    response = client_as("therapist").post(
        "/schedule/hours/",
        {
            "action": "time_off",
            "therapist": therapist.pk,
            "starts_at": "2027-01-08T17:00",
            "ends_at": "2027-01-04T08:00",
            "reason": "Course in Denver",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Until: The end must come after the start." in html
    assert 'value="Course in Denver"' in html
    assert 'value="2027-01-08T17:00"' in html
    assert not therapist.time_off.exists()


def test_shorter_hours_are_saved_and_list_the_bookings_they_strand(
    booked, client_as, therapist, clinic
):
    # `booked` is at 10:00 in the clinic's zone; the new hours end at 9:30.
    response = client_as("therapist").post(
        "/schedule/hours/", {**_week("07:00", "09:30"), "therapist": therapist.pk}, follow=True
    )
    html = response.content.decode()
    assert "1 booked appointment now falls outside them" in html
    assert "Booked outside these hours" in html
    assert local_datetime_text(booked.starts_at, clinic.zone) in html
    assert f"/appointments/{booked.pk}/" in html
    assert therapist.working_hours.filter(ends=time(9, 30)).count() == 7
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_hours_that_cover_every_booking_save_without_a_warning(booked, client_as, therapist):
    response = client_as("therapist").post(
        "/schedule/hours/", {**_week("07:00", "18:00"), "therapist": therapist.pk}, follow=True
    )
    html = response.content.decode()
    assert "Working hours saved." in html
    assert "Booked outside these hours" not in html


def test_the_service_returns_the_stranded_bookings(booked, therapist, clinic):
    stranded = scheduling_services.working_hours_set(
        therapist=therapist, week={day: ("11:00", "17:00") for day in range(7)}
    )
    assert stranded == [booked]
    assert scheduling_selectors.appointments_outside_hours(therapist=therapist) == [booked]
    scheduling_services.appointment_cancel(appointment=booked, by=None)
    assert scheduling_selectors.appointments_outside_hours(therapist=therapist) == []


def test_a_day_off_strands_that_days_bookings(booked, therapist, clinic):
    weekday = booked.starts_at.astimezone(clinic.zone).weekday()
    WorkingHours.objects.filter(therapist=therapist, weekday=weekday).delete()
    assert scheduling_selectors.appointments_outside_hours(therapist=therapist) == [booked]


# --- The answer link --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "heading", "button"),
    [
        ("confirmed", "Confirm your appointment", "Confirm this appointment"),
        ("reschedule", "Ask for another time", "Ask to reschedule"),
    ],
)
def test_the_answer_page_says_which_appointment_and_which_answer_before_sending(
    booked, client, clinic, answer, heading, button
):
    path = response_url(booked, answer).removeprefix(settings.SITE_URL)
    html = client.get(path).content.decode()
    assert heading in html
    assert button in html
    assert local_datetime_text(booked.starts_at, clinic.zone) in html
    assert "Maya Okafor, Lakeside" in html
    booked.refresh_from_db()
    assert booked.patient_response == ""  # opening the link records nothing


def test_an_answer_link_that_no_longer_works_says_so_before_sending(booked, client):
    path = response_url(booked, "confirmed").removeprefix(settings.SITE_URL)
    scheduling_services.appointment_cancel(appointment=booked, by=None)
    response = client.get(path)
    assert response.status_code == 404
    assert "This link no longer works" in response.content.decode()
    assert client.get("/r/answer/not-a-token/").status_code == 404


def test_reading_a_token_checks_its_answer(booked):
    token = response_url(booked, "confirmed").split("/r/answer/")[1].rstrip("/")
    assert appointment_response_read(token) == (booked, "confirmed")
    assert appointment_response_read(token + "x") is None


def test_the_front_desk_lands_on_a_therapists_hours_not_a_clinic_admins(
    client_as, therapist, clinic_admin
):
    """A clinic admin who sorts first by name but does not treat is not the page's default."""
    clinic_admin.first_name, clinic_admin.last_name = "Aaron", "Aardvark"
    clinic_admin.save()
    page = client_as("front_desk").get("/schedule/hours/")
    assert page.status_code == 200
    assert page.context["therapist"] == therapist
