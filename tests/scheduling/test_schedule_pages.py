from datetime import time, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from icalendar import Calendar

from clinic.times import at_local
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentKind, AppointmentStatus, WaitlistEntry
from tests.factories import record_knee_to_wall
from tests.scheduling.test_scheduling import all_day_hours

pytestmark = pytest.mark.django_db


def status_of(response) -> int | str:
    if response.status_code == 302 and response.url.startswith("/accounts/login/"):
        return "login"
    return response.status_code


PAGES = {
    # role: (schedule, week, due-list, waitlist, book, appointment)
    "anonymous": ("login",) * 6,
    "patient": (403,) * 6,
    "other_patient": (403,) * 6,
    "therapist": (200,) * 6,
    "front_desk": (200,) * 6,
    "clinic_admin": (200,) * 6,
    "other_clinic_therapist": (200, 200, 200, 200, 200, 404),
}


@pytest.mark.parametrize(("role", "expected"), PAGES.items())
def test_schedule_pages_answer_each_role(client_as, booked, role, expected):
    client = client_as(role)
    urls = [
        "/schedule/",
        "/schedule/?view=week",
        "/schedule/due/",
        "/schedule/waitlist/",
        "/schedule/book/",
        f"/appointments/{booked.pk}/",
    ]
    assert tuple(status_of(client.get(url)) for url in urls) == expected


def test_another_clinics_schedule_shows_none_of_ours(client_as, booked):
    html = (
        client_as("other_clinic_therapist")
        .get(f"/schedule/?date={timezone.localtime(booked.starts_at).date().isoformat()}&view=week")
        .content.decode()
    )
    assert booked.patient.last_name not in html


def test_the_calendar_shows_the_booking_in_the_clinic_zone(client_as, booked, clinic):
    day = booked.starts_at.astimezone(clinic.zone).date().isoformat()
    html = client_as("front_desk").get(f"/schedule/?date={day}").content.decode()
    assert "10:00–10:30" in html
    assert "Alex Anders" in html


def test_the_due_list_books_a_retest_in_two_clicks(client_as, patient, therapist, clinic, types):
    all_day_hours(therapist, starts=time(8), ends=time(17))
    tested = record_knee_to_wall(patient, therapist, days_ago=25)  # re-test due 4 days ago
    client = client_as("front_desk")
    page = client.get("/schedule/due/")
    (row,) = page.context["rows"]
    assert (row["item"].patient, row["item"].reason, row["kind"]) == (patient, "retest", "retest")
    due_on = tested.measured_at.astimezone(clinic.zone).date() + timedelta(days=21)
    assert row["item"].due_on == due_on
    assert row["item"].days_overdue == (clinic.local_now().date() - due_on).days
    slot = row["slot"]
    response = client.post(  # the "Book" button of that row: the second click
        "/schedule/book/",
        {
            "patient": patient.pk,
            "therapist": slot.therapist.pk,
            "kind": "retest",
            "starts_at": slot.starts_at.isoformat(),
            "next": "/schedule/due/",
        },
    )
    assert response.url == "/schedule/due/"
    appointment = Appointment.objects.get()
    assert appointment.appointment_type == types[AppointmentKind.RETEST]
    assert client.get("/schedule/due/").context["rows"] == []


def test_no_shows_are_listed_to_rebook(client_as, patient, therapist, front_desk, types, clinic):
    starts = timezone.now() - timedelta(days=2)
    Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        status=AppointmentStatus.NO_SHOW,
        booked_by=front_desk,
    )
    rows = client_as("front_desk").get("/schedule/due/").context["rows"]
    assert [(r["item"].patient, r["item"].reason) for r in rows] == [(patient, "no_show")]


def test_a_conflict_on_the_booking_page_offers_the_next_free_slots(
    client_as, booked, other_patient, therapist
):
    response = client_as("front_desk").post(
        "/schedule/book/",
        {
            "patient": other_patient.pk,
            "therapist": therapist.pk,
            "kind": "follow_up",
            "starts_at": booked.starts_at.isoformat(),
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert f"appointment {booked.pk}" in html
    assert response.context["slots"]
    assert booked.starts_at not in [slot.starts_at for slot in response.context["slots"]]
    assert Appointment.objects.count() == 1


def test_a_cancellation_offers_the_waiting_patients_first(
    client_as, booked, other_patient, therapist, types, front_desk
):
    scheduling_services.waitlist_add(
        patient=other_patient,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        added_by=front_desk,
        therapist=therapist,
    )
    client = client_as("front_desk")
    client.post(f"/appointments/{booked.pk}/", {"action": "cancel"})
    page = client.get(f"/appointments/{booked.pk}/")
    (entry,) = page.context["matches"]
    assert entry.patient == other_patient
    client.post(  # "Book Bianca here": the second click
        "/schedule/book/",
        {
            "patient": other_patient.pk,
            "therapist": therapist.pk,
            "kind": "follow_up",
            "starts_at": booked.starts_at.isoformat(),
            "waitlist": entry.pk,
        },
    )
    rebooked = Appointment.objects.get(patient=other_patient)
    assert rebooked.starts_at == booked.starts_at
    entry = WaitlistEntry.objects.get()
    assert entry.booked == rebooked


def test_ics_feeds_hold_the_booked_appointments_and_the_cancelled_one_as_cancelled(
    client, booked, patient, other_patient, therapist, front_desk, types, soon
):
    scheduling_services.appointment_book(
        patient=other_patient,
        therapist=therapist,
        appointment_type=types["retest"],
        starts_at=soon + timedelta(hours=2),
        booked_by=front_desk,
    )
    cancelled = scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=types["retest"],
        starts_at=soon + timedelta(hours=4),
        booked_by=front_desk,
    )
    scheduling_services.appointment_cancel(appointment=cancelled, by=front_desk)

    def events(feed):
        path = scheduling_services.calendar_feed_url(feed).removeprefix(settings.SITE_URL)
        response = client.get(path)
        assert response["Content-Type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.content)
        return {
            (event.decoded("dtstart"), event.decoded("dtend"), str(event["status"]))
            for event in calendar.walk("VEVENT")
        }

    therapist_feed = scheduling_services.calendar_feed_issue(
        created_by=front_desk, therapist=therapist
    )
    patient_feed = scheduling_services.calendar_feed_issue(created_by=front_desk, patient=patient)
    booked_for_therapist = {
        (a.starts_at, a.ends_at, "CONFIRMED")
        for a in Appointment.objects.filter(therapist=therapist, status="booked")
    }
    assert len(booked_for_therapist) == 2
    cancelled_event = (cancelled.starts_at, cancelled.ends_at, "CANCELLED")
    assert events(therapist_feed) == booked_for_therapist | {cancelled_event}
    assert events(patient_feed) == {
        (booked.starts_at, booked.ends_at, "CONFIRMED"),
        cancelled_event,
    }


def test_a_revoked_or_forged_feed_is_gone(client, booked, therapist, front_desk):
    feed = scheduling_services.calendar_feed_issue(created_by=front_desk, therapist=therapist)
    path = scheduling_services.calendar_feed_url(feed).removeprefix(settings.SITE_URL)
    assert client.get(path).status_code == 200
    assert client.get(path.replace(".ics", "x.ics")).status_code == 404
    replacement = scheduling_services.calendar_feed_issue(
        created_by=front_desk, therapist=therapist
    )
    assert client.get(path).status_code == 404  # replaced: the old address stops working
    scheduling_services.calendar_feed_revoke(feed=replacement)
    replacement_path = scheduling_services.calendar_feed_url(replacement).removeprefix(
        settings.SITE_URL
    )
    assert client.get(replacement_path).status_code == 404


def test_a_patient_feed_shows_no_other_patient(
    client, booked, other_patient, therapist, front_desk, types, soon
):
    scheduling_services.appointment_book(
        patient=other_patient,
        therapist=therapist,
        appointment_type=types["retest"],
        starts_at=soon + timedelta(hours=2),
        booked_by=front_desk,
    )
    feed = scheduling_services.calendar_feed_issue(created_by=front_desk, patient=booked.patient)
    body = client.get(
        scheduling_services.calendar_feed_url(feed).removeprefix(settings.SITE_URL)
    ).content
    assert b"Bianca" not in body
    assert body.count(b"BEGIN:VEVENT") == 1


def test_a_therapist_sets_their_hours_and_time_off(client_as, therapist, clinic):
    client = client_as("therapist")
    data = {"action": "hours", "therapist": therapist.pk}
    for day in range(5):
        data[f"starts_{day}"], data[f"ends_{day}"] = "08:00", "16:30"
    client.post("/schedule/hours/", data)
    rows = list(therapist.working_hours.order_by("weekday"))
    assert [(r.weekday, r.starts, r.ends) for r in rows] == [
        (day, time(8), time(16, 30)) for day in range(5)
    ]
    client.post(
        "/schedule/hours/",
        {
            "action": "time_off",
            "therapist": therapist.pk,
            "starts_at": "2027-01-04T08:00",
            "ends_at": "2027-01-08T17:00",
            "reason": "Course",
        },
    )
    off = therapist.time_off.get()
    assert off.starts_at == at_local(
        off.starts_at.astimezone(clinic.zone).date(), time(8), clinic.zone
    )


def test_bad_hours_are_refused_and_nothing_changes(client_as, therapist):
    all_day_hours(therapist)
    client_as("therapist").post(
        "/schedule/hours/",
        {"action": "hours", "therapist": therapist.pk, "starts_0": "17:00", "ends_0": "09:00"},
    )
    assert therapist.working_hours.count() == 7


def test_only_the_therapist_or_an_admin_changes_hours(client_as, therapist, front_desk):
    data = {"action": "hours", "therapist": therapist.pk, "starts_0": "08:00", "ends_0": "12:00"}
    assert client_as("front_desk").post("/schedule/hours/", data).status_code == 403
    assert client_as("clinic_admin").post("/schedule/hours/", data).status_code == 302
    assert therapist.working_hours.count() == 1


def test_staff_create_a_patients_calendar_address_from_the_patient_page(client_as, patient):
    client = client_as("front_desk")
    client.post("/calendar-feeds/", {"patient": patient.pk, "next": f"/patients/{patient.pk}/"})
    html = client.get(f"/patients/{patient.pk}/").content.decode()
    assert "/calendar/" in html
    assert ".ics" in html
    assert (
        client_as("other_clinic_therapist")
        .post("/calendar-feeds/", {"patient": patient.pk})
        .status_code
        == 404
    )
