"""Times people read (issue 17, item 1): every page and message that shows an appointment shows
it on the clinic's wall clock, in the one format of clinic.times.local_datetime_text, and never
the stored UTC time. The clinic is in America/Chicago (UTC-6 in December): the appointment at
08:35 local is 14:35 UTC, and every time on these pages lies between 08:15 and 09:45 local, so
any 14:xx or 15:xx a person could read is a UTC time that slipped through."""

import re
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError, VariableDoesNotExist

from clinic.times import at_local, local_date_text, local_datetime_text, local_time_text
from reminders.models import Reminder, ReminderKind
from reminders.sending import reminder_message
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentKind, WorkingHours
from scheduling.reminders import response_url
from tests.conftest import sign_in_patient
from tests.factories import record_knee_to_wall

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
UTC_HOURS = re.compile(r"\b(?:14|15):\d\d\b")  # 08:15-09:45 in Chicago, read in UTC


class _ReadableText(HTMLParser):
    """What a person reads or hears: the text, and the attributes a screen reader says or a
    visible input shows (not hidden inputs, which carry machine values)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        values = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        for name in ("aria-label", "title", "alt", "placeholder"):
            if values.get(name):
                self.parts.append(values[name])
        if tag == "input" and values.get("type") not in ("hidden", "datetime-local", "time"):
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data) -> None:
        if not self._skip:
            self.parts.append(data)


def readable(html: str) -> str:
    parser = _ReadableText()
    parser.feed(html)
    # An element boundary inside "08:35–09:05" (the range kept on one line) is no space.
    return " ".join(" ".join(parser.parts).split()).replace(" –", "–")


def assert_no_utc_time(text: str, where: str) -> None:
    found = UTC_HOURS.findall(text)
    assert not found, f"{where} shows the UTC time {found}: {text[:2000]}"


@pytest.fixture
def day(clinic) -> date:
    # Two days ahead, in December: Chicago is UTC-6, whatever today is.
    today = clinic.local_today()
    return max(today + timedelta(days=2), date(today.year, 12, 3))


@pytest.fixture
def short_hours(therapist):
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=weekday, starts=time(8, 15), ends=time(9, 45))
        for weekday in range(7)
    )


@pytest.fixture
def appointment(patient, therapist, front_desk, clinic, day, short_hours) -> Appointment:
    types = {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}
    return scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
        starts_at=at_local(day, time(8, 35), clinic.zone),
        booked_by=front_desk,
        note="Bring the brace",
    )


def test_the_one_format_is_the_clinics_wall_clock():
    moment = datetime(2026, 11, 30, 14, 0, tzinfo=ZoneInfo("UTC"))
    assert local_datetime_text(moment, CHICAGO) == "Mon 30 Nov 2026, 08:00"
    assert local_time_text(moment, CHICAGO) == "08:00"
    assert local_datetime_text(moment, ZoneInfo("Europe/Berlin")) == "Mon 30 Nov 2026, 15:00"


def test_the_format_follows_daylight_saving_time():
    # 9:00 in Chicago is 15:00 UTC in winter and 14:00 UTC in summer.
    assert local_time_text(datetime(2026, 3, 6, 15, tzinfo=ZoneInfo("UTC")), CHICAGO) == "09:00"
    assert local_time_text(datetime(2026, 3, 9, 14, tzinfo=ZoneInfo("UTC")), CHICAGO) == "09:00"


@pytest.mark.parametrize(
    ("utc", "region", "short", "expected"),
    [
        ((2026, 12, 1, 20, 30), "US", False, "Tuesday, December 1 at 2:30 PM"),
        ((2026, 12, 1, 20, 30), "US", True, "Tue Dec 1, 2:30 PM"),
        ((2026, 12, 1, 20, 30), "GB", False, "Tuesday 1 December at 14:30"),
        ((2026, 12, 1, 20, 30), "de", True, "Tue 1 Dec, 14:30"),
        ((2026, 12, 2, 6, 0), "US", False, "Wednesday, December 2 at 12:00 AM"),  # midnight
        ((2026, 12, 2, 18, 0), "US", True, "Wed Dec 2, 12:00 PM"),  # noon
        ((2026, 3, 9, 14, 0), "US", True, "Mon Mar 9, 9:00 AM"),  # after the DST change
    ],
)
def test_a_message_says_the_time_as_the_clinics_country_writes_it(utc, region, short, expected):
    moment = datetime(*utc, tzinfo=ZoneInfo("UTC"))
    assert local_datetime_text(moment, CHICAGO, region=region, short=short) == expected


def test_a_message_says_a_day_as_the_clinics_country_writes_it():
    assert local_date_text(date(2026, 12, 7), region="US") == "Monday, December 7"
    assert local_date_text(date(2026, 12, 7), region="AU", short=True) == "Mon 7 Dec"


def test_a_naive_time_is_refused_rather_than_guessed():
    with pytest.raises(ValueError, match="aware"):
        local_datetime_text(datetime(2026, 11, 30, 14, 0), CHICAGO)  # noqa: DTZ001


def test_the_filters_need_the_clinic_and_never_fall_back_to_utc(clinic):
    moment = datetime(2026, 11, 30, 14, 0, tzinfo=ZoneInfo("UTC"))
    template = Template("{% load clinic_times %}{{ moment|local_datetime:where }}")
    for where in (clinic, clinic.zone, clinic.time_zone):
        assert template.render(Context({"moment": moment, "where": where})) == (
            "Mon 30 Nov 2026, 08:00"
        )
    with pytest.raises(VariableDoesNotExist):
        template.render(Context({"moment": moment}))
    with pytest.raises(TemplateSyntaxError):
        template.render(Context({"moment": moment, "where": ""}))


def test_the_appointment_reads_in_the_clinics_zone(appointment, clinic):
    when = local_datetime_text(appointment.starts_at, clinic.zone)
    assert when.endswith(", 08:35")
    assert str(appointment) == f"Alex Anders with Maya Okafor on {when}"


def test_every_staff_page_that_shows_the_appointment_shows_the_clinics_time(
    appointment, client_as, clinic, day, patient, other_patient, therapist
):
    when = local_datetime_text(appointment.starts_at, clinic.zone)
    front_desk = client_as("front_desk")
    # Bianca's re-test is overdue: the due-list shows her next free slot.
    record_knee_to_wall(other_patient, therapist, days_ago=40)
    pages = {
        "schedule, day": f"/schedule/?date={day:%Y-%m-%d}",
        # Everyone's week counts appointments per day; a therapist's week shows each one.
        "schedule, week": f"/schedule/?date={day:%Y-%m-%d}&view=week&therapist={therapist.pk}",
        "appointment": f"/appointments/{appointment.pk}/",
        "due-list": "/schedule/due/",
        "booking page": f"/schedule/book/?patient={other_patient.pk}&date={day:%Y-%m-%d}",
        "working hours": f"/schedule/hours/?therapist={therapist.pk}",
    }
    texts = {}
    for name, path in pages.items():
        response = front_desk.get(path)
        assert response.status_code == 200, name
        texts[name] = readable(response.content.decode())
        assert_no_utc_time(texts[name], name)
    assert "08:35–09:05" in texts["schedule, day"]
    assert "08:35–09:05" in texts["schedule, week"]
    assert f"{when}–09:05" in texts["appointment"]
    assert "Bianca" in texts["due-list"]
    assert re.search(r", 0[89]:\d\d", texts["due-list"])
    assert re.search(r", 0[89]:\d\d", texts["booking page"])  # the free slots


def test_a_refused_move_shows_the_clinics_time(appointment, client_as, clinic, day, other_patient):
    front_desk = client_as("front_desk")
    other = scheduling_services.appointment_book(
        patient=other_patient,
        therapist=appointment.therapist,
        appointment_type=appointment.appointment_type,
        starts_at=at_local(day, time(9, 5), clinic.zone),
        booked_by=appointment.booked_by,
    )
    response = front_desk.post(
        f"/appointments/{other.pk}/",
        {"action": "reschedule", "starts_at": f"{day:%Y-%m-%d}T08:45"},
    )
    assert response.status_code == 409
    text = readable(response.content.decode())
    assert_no_utc_time(text, "the refused move")
    assert f"({local_datetime_text(appointment.starts_at, clinic.zone)}, appointment" in text


def test_the_double_booking_error_shows_the_clinics_time(
    appointment, client_as, clinic, day, other_patient
):
    response = client_as("front_desk").post(
        "/schedule/book/",
        {
            "patient": other_patient.pk,
            "therapist": appointment.therapist.pk,
            "kind": "follow_up",
            "starts_at": f"{day:%Y-%m-%d}T08:45",
            "note": "Wheelchair access",
        },
    )
    assert response.status_code == 409
    text = readable(response.content.decode())
    assert_no_utc_time(text, "the double-booking error")
    when = local_datetime_text(appointment.starts_at, clinic.zone)
    assert f"That time is taken: Alex Anders with Maya Okafor on {when}" in text


def test_the_patients_page_shows_the_clinics_time(appointment, client, clinic, patient):
    sign_in_patient(client, patient)
    text = readable(client.get("/me/").content.decode())
    assert_no_utc_time(text, "/me/")
    assert local_datetime_text(appointment.starts_at, clinic.zone) in text


@pytest.mark.parametrize("answer", ["confirmed", "reschedule"])
def test_the_answer_pages_show_the_clinics_time_without_a_session(
    appointment, client, clinic, answer
):
    path = response_url(appointment, answer).removeprefix(settings.SITE_URL)
    when = local_datetime_text(appointment.starts_at, clinic.zone)
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 200
        text = readable(response.content.decode())
        assert_no_utc_time(text, f"the {answer} page")
        assert f"{when}–09:05" in text


def test_reminder_texts_show_the_clinics_time(appointment, clinic, patient):
    """In words, as the clinic's country writes them (a US clinic: month first, 12-hour)."""
    region = clinic.phone_region
    when = local_datetime_text(appointment.starts_at, clinic.zone, region=region)
    short = local_datetime_text(appointment.starts_at, clinic.zone, region=region, short=True)
    assert when.endswith(" at 8:35 AM")
    for channel, address in (("email", "alex@example.org"), ("sms", "+13125550100")):
        patient.email, patient.phone, patient.reminder_channel = address, address, channel
        patient.save()
        for kind in (ReminderKind.APPOINTMENT, ReminderKind.BOOKING):
            reminder = Reminder(
                clinic=clinic, patient=patient, appointment=appointment, kind=kind, channel=channel
            )
            message = reminder_message(reminder)
            assert_no_utc_time(f"{message.subject}\n{message.text}", f"the {kind} {channel}")
            assert when in message.subject
            assert (short if channel == "sms" else when) in message.text
    scheduling_services.appointment_cancel(appointment=appointment, by=None)
    appointment.refresh_from_db()
    cancelled = Reminder(
        clinic=clinic,
        patient=patient,
        appointment=appointment,
        kind=ReminderKind.BOOKING,
        channel="sms",
    )
    message = reminder_message(cancelled)
    assert_no_utc_time(f"{message.subject}\n{message.text}", "the cancellation")
    assert f"appointment {short} is cancelled" in message.text


def test_calendar_feed_summaries_carry_no_utc_time(appointment, front_desk, client):
    feed = scheduling_services.calendar_feed_issue(
        created_by=front_desk, therapist=appointment.therapist
    )
    body = client.get(
        scheduling_services.calendar_feed_url(feed).removeprefix(settings.SITE_URL)
    ).content.decode()
    # DTSTART is UTC for calendar apps to convert; the words a person reads are not.
    words = [
        line for line in body.splitlines() if line.startswith(("SUMMARY", "DESCRIPTION", "X-WR"))
    ]
    assert words
    assert_no_utc_time("\n".join(words), "the calendar feed")
