"""What a patient's messages carry, read back as a mail server receives them.

Each kind of reminder goes through the real sweep and Django's SMTP backend to a real SMTP
server (aiosmtpd on 127.0.0.1), and the test parses the bytes it received: the sender is the
clinic, the Message-ID is the site's, both parts are there with labelled links, and the
one-click unsubscribe in the headers works from a plain HTTP client without cookies. Text
messages start with the clinic's name, end with "Reply STOP to opt out", and fit one segment
where the words allow.
"""

from __future__ import annotations

import email
import re
import socket
import urllib.parse
import urllib.request
from datetime import UTC, time, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core import signing
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import Patient
from clinic.times import at_local
from questionnaires import services as questionnaire_services
from questionnaires.models import Instrument
from reminders.channels.sms import sms_segments
from reminders.composing import reminder_message
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.sending import reminder_send
from reminders.services import opt_out_url
from scheduling import services as scheduling_services
from scheduling.models import AppointmentKind, WorkingHours
from tests.factories import PatientFactory, shipped_instruments_seed

pytestmark = pytest.mark.django_db

SITE = "https://dorsi.example"


class Inbox:
    """An aiosmtpd handler that keeps what it is sent, as bytes."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=default_policy) for *_, raw in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.SITE_URL, settings.MAIL_DOMAIN = SITE, "dorsi.example"
    settings.DEFAULT_FROM_EMAIL = "Dorsi <reminders@dorsi.example>"
    yield inbox
    controller.stop()


@pytest.fixture
def lakeside(clinic):
    clinic.name, clinic.email, clinic.phone_region = (
        "Lakeside Physio",
        "desk@lakeside.example",
        "US",
    )
    clinic.quiet_hours_start = clinic.quiet_hours_end = time(0)
    clinic.save()
    return clinic


def consent(patient: Patient, channel: str = "email") -> Patient:
    patient.reminder_consent, patient.reminder_consent_at = True, timezone.now()
    patient.reminder_channel, patient.phone = channel, "+13125550100"
    patient.save()
    return patient


def book(patient, therapist, front_desk, clinic):
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, weekday=day, starts=time(0), ends=time(23, 59))
        for day in range(7)
    )
    types = {t.kind: t for t in scheduling_services.appointment_types_ensure(clinic=clinic)}
    starts = at_local(clinic.local_today() + timedelta(days=3), time(14, 30), clinic.zone)
    return scheduling_services.appointment_book(
        patient=patient,
        therapist=therapist,
        booked_by=front_desk,
        starts_at=starts,
        appointment_type=types[AppointmentKind.FOLLOW_UP],
    )


def row(clinic, kind: str, *, patient=None, staff=None, channel: str = "email") -> Reminder:
    now = timezone.now()
    target = patient.pk if patient else staff.pk
    return Reminder.objects.create(
        clinic=clinic,
        patient=patient,
        staff=staff,
        kind=kind,
        channel=channel,
        key=f"{kind}:{target}:{clinic.local_today().isoformat()}:{channel}",
        due_at=now,
        next_attempt_at=now,
    )


def send_all() -> None:
    for reminder_id in Reminder.objects.filter(status=ReminderStatus.PENDING).values_list(
        "id", flat=True
    ):
        assert reminder_send(reminder_id=reminder_id) == ReminderStatus.SENT


def plan_every_kind(clinic, patient, other_patient, therapist, front_desk, channel="email"):
    """One due reminder of each kind a patient gets, by `channel`, and the therapist's digest;
    returns the appointment."""
    consent(patient, channel)
    consent(other_patient, channel)
    appointment = book(patient, therapist, front_desk, clinic)
    Reminder.objects.filter(appointment=appointment).update(next_attempt_at=timezone.now())
    row(clinic, ReminderKind.EXERCISE, patient=patient, channel=channel)
    row(clinic, ReminderKind.RETEST, patient=other_patient, channel=channel)  # none booked
    shipped_instruments_seed()
    request = questionnaire_services.request_create(
        patient=patient,
        instrument=Instrument.objects.get(clinic=None, slug="lefs"),
        requested_by=therapist,
    )
    Reminder.objects.create(
        clinic=clinic,
        patient=patient,
        kind=ReminderKind.QUESTIONNAIRE,
        channel=channel,
        key=f"questionnaire:{patient.pk}:{request.pk}:{channel}",
        due_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    row(clinic, ReminderKind.DIGEST, staff=therapist)
    return appointment


@pytest.fixture
def every_kind(lakeside, patient, other_patient, therapist, front_desk):
    return plan_every_kind(lakeside, patient, other_patient, therapist, front_desk)


def parts(message: EmailMessage) -> tuple[str, str]:
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def test_every_email_is_from_the_clinic_with_the_sites_message_id(smtp, every_kind, patient):
    send_all()
    messages = smtp.messages()
    assert len(messages) == 7  # booking, 24 h, 2 h, exercise, re-test, questionnaire, digest
    for message in messages:
        assert message["From"].addresses[0].display_name == "Lakeside Physio"
        assert message["From"].addresses[0].addr_spec == "reminders@dorsi.example"
        assert str(message["Reply-To"]) == "desk@lakeside.example"
        assert re.fullmatch(r"<[A-Za-z0-9._-]+@dorsi\.example>", message["Message-ID"])
        # Django writes the Date in UTC as "-0000", which reads back naive.
        sent_at = parsedate_to_datetime(message["Date"]).replace(tzinfo=UTC)
        assert abs(sent_at - timezone.now()) < timedelta(minutes=5)
    envelope_senders = {mail_from for mail_from, _to, _raw in smtp.received}
    assert envelope_senders == {"reminders@dorsi.example"}


def test_every_patient_email_has_one_click_unsubscribe_and_both_parts(smtp, every_kind):
    send_all()
    to_patients = [m for m in smtp.messages() if not m["Subject"].startswith("Dorsi: your")]
    assert len(to_patients) == 6
    for message in to_patients:
        # Folded onto its own line when long: the leading space is the fold's.
        assert re.fullmatch(rf"<{SITE}/r/stop/[^>\s]+/>", message["List-Unsubscribe"].strip())
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text, html = parts(message)
        assert '<html lang="en">' in html
        assert "Stop these reminders</a>" in html
        assert f"To stop these reminders: {SITE}/r/stop/" in text
        # Link text is words, never a bare URL; the plain text keeps the URLs.
        assert not re.search(r"<a [^>]*>\s*https?:", html)
        for href in re.findall(r'<a href="([^"]+)"', html):
            assert href.startswith(f"{SITE}/")
            assert href in text
    digest = next(m for m in smtp.messages() if m["Subject"].startswith("Dorsi: your"))
    assert digest["List-Unsubscribe"] is None  # staff have no opt-out link


def test_the_appointment_reminder_reads_in_the_clinics_convention(smtp, every_kind):
    send_all()
    reminder = next(m for m in smtp.messages() if m["Subject"].startswith("Reminder:"))
    day = every_kind.starts_at.astimezone(every_kind.clinic.zone)
    when = f"{day:%A}, {day:%B} {day.day} at 2:30 PM"
    assert reminder["Subject"] == f"Reminder: your appointment on {when}"
    text, html = parts(reminder)
    assert f"is on {when}." in text
    assert re.search(rf"Confirm the appointment: {SITE}/r/answer/\S+/", text)
    assert re.search(rf"Ask for another time: {SITE}/r/answer/\S+/", text)
    assert ">Confirm the appointment</a>" in html
    assert ">Ask for another time</a>" in html


def test_a_clinic_outside_the_us_reads_day_month_and_24_hours(smtp, every_kind, lakeside):
    lakeside.phone_region = "GB"
    lakeside.save()
    send_all()
    reminder = next(m for m in smtp.messages() if m["Subject"].startswith("Reminder:"))
    day = every_kind.starts_at.astimezone(every_kind.clinic.zone)
    assert reminder["Subject"].endswith(f"{day:%A} {day.day} {day:%B} at 14:30")


def test_a_clinic_name_with_accents_and_a_comma_is_encoded_in_from(smtp, lakeside, patient):
    lakeside.name = 'Physio Müller, "Am See"'
    lakeside.save()
    consent(patient)
    row(lakeside, ReminderKind.EXERCISE, patient=patient)
    send_all()
    (_from, _to, raw) = smtp.received[0]
    header = next(line for line in raw.split(b"\r\n") if line.startswith(b"From:"))
    assert header.isascii()  # RFC 2047 encoded, not raw UTF-8
    (message,) = smtp.messages()
    assert message["From"].addresses[0].display_name == 'Physio Müller, "Am See"'
    assert message["From"].addresses[0].addr_spec == "reminders@dorsi.example"


def test_without_a_clinic_address_there_is_no_reply_to(smtp, lakeside, patient):
    lakeside.email = ""
    lakeside.save()
    consent(patient)
    row(lakeside, ReminderKind.EXERCISE, patient=patient)
    send_all()
    (message,) = smtp.messages()
    assert message["Reply-To"] is None


def unsubscribe_target(message: EmailMessage) -> str:
    return message["List-Unsubscribe"].strip().strip("<>")


def test_the_one_click_post_opts_out_without_cookies_or_csrf(smtp, every_kind, patient):
    send_all()
    message = next(m for m in smtp.messages() if m["Subject"].startswith("Reminder:"))
    path = urllib.parse.urlsplit(unsubscribe_target(message)).path
    Reminder.objects.filter(patient=patient).update(status=ReminderStatus.PENDING)
    browser = Client(enforce_csrf_checks=True)  # as strict as a real browser, and no cookie

    answer = browser.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert answer.status_code == 200
    patient.refresh_from_db()
    assert patient.reminder_consent is False
    assert not Reminder.objects.filter(patient=patient, status=ReminderStatus.PENDING).exists()
    assert AuditEvent.objects.filter(
        patient=patient, fields__contains=["reminder_consent"]
    ).exists()
    audited = AuditEvent.objects.count()
    # A mail app may send it twice: the second changes and audits nothing.
    again = browser.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert again.status_code == 200
    assert AuditEvent.objects.count() == audited


def test_a_get_never_opts_out(smtp, every_kind, patient, client):
    """Mail scanners open every link in a message before the patient does."""
    send_all()
    message = next(m for m in smtp.messages() if m["Subject"].startswith("Reminder:"))
    page = client.get(urllib.parse.urlsplit(unsubscribe_target(message)).path)
    assert page.status_code == 200
    assert "Stop my reminders</button>" in page.content.decode()
    patient.refresh_from_db()
    assert patient.reminder_consent is True


def test_a_forged_or_expired_link_is_refused_and_changes_nothing(smtp, every_kind, patient):
    send_all()
    message = next(m for m in smtp.messages() if m["Subject"].startswith("Reminder:"))
    path = urllib.parse.urlsplit(unsubscribe_target(message)).path
    token = path.split("/r/stop/")[1].rstrip("/")
    forged = f"/r/stop/{token[:-3]}abc/"
    browser = Client(enforce_csrf_checks=True)
    for target in (forged, "/r/stop/forged/"):
        for answer in (
            browser.get(target),
            browser.post(target, {"List-Unsubscribe": "One-Click"}),
        ):
            assert answer.status_code == 404
            assert "This link no longer works" in answer.content.decode()
    with pytest.MonkeyPatch.context() as patch:
        long_ago = int((timezone.now() - timedelta(days=91)).timestamp())
        patch.setattr(
            signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(long_ago)
        )
        expired = urllib.parse.urlsplit(opt_out_url(patient)).path
    answer = browser.post(expired, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 404
    assert "This link no longer works" in answer.content.decode()
    patient.refresh_from_db()
    assert patient.reminder_consent is True


@pytest.mark.django_db(transaction=True)
def test_the_one_click_url_works_from_a_plain_http_client(smtp, live_server, settings, lakeside):
    """As a mail provider does it: a POST from outside any browser, no cookie, no token."""
    settings.SITE_URL = live_server.url
    patient = consent(PatientFactory(clinic=lakeside, first_name="Alex", last_name="Anders"))
    row(lakeside, ReminderKind.EXERCISE, patient=patient)
    send_all()
    (message,) = smtp.messages()
    url = unsubscribe_target(message)
    assert url.startswith(live_server.url)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    request = urllib.request.Request(  # noqa: S310 - the live test server
        url,
        data=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        assert answer.status == 200
        assert "Reminders stopped" in answer.read().decode()
    patient.refresh_from_db()
    assert patient.reminder_consent is False


# --- Text messages ----------------------------------------------------------------------------

LONG_THERAPIST = ("Maximiliane", "Oyelaran-Whitford")
LONG_PATIENT = ("Bartholomew-Alexander", "Featherstonehaugh-Villanueva")


@pytest.fixture
def texting(lakeside, patient, other_patient, therapist, front_desk, settings, tmp_path):
    """Every kind by text message, to patients and from a therapist with long names."""
    settings.VAR_DIR, settings.SITE_URL = tmp_path, SITE
    therapist.first_name, therapist.last_name = LONG_THERAPIST
    therapist.save()
    for person in (patient, other_patient):
        person.first_name, person.last_name = LONG_PATIENT
        person.save()
    plan_every_kind(lakeside, patient, other_patient, therapist, front_desk, channel="sms")
    return tmp_path / "sms"


def texts(directory: Path) -> dict[str, str]:
    return {
        path.name.split("_")[0]: path.read_text().split("\n\n", 1)[1].strip()
        for path in directory.iterdir()
    }


def test_every_text_names_the_clinic_says_stop_and_fits_one_segment(smtp, texting):
    send_all()
    sent = texts(texting)
    assert set(sent) == {"booking", "appointment", "exercise", "retest", "questionnaire"}
    for kind, text in sent.items():
        assert text.startswith("Lakeside Physio: "), kind
        assert text.endswith(" Reply STOP to opt out"), kind
        assert sms_segments(text) == 1, f"{kind} ({len(text)}): {text}"
    assert "with Maximiliane Oyelaran-Whitford" in sent["booking"]
    assert sent["appointment"].count(f"{SITE}/s/") == 2  # confirm, change


def test_a_texts_short_links_open_the_pages_they_stand_for(smtp, texting, client):
    send_all()
    appointment = texts(texting)["appointment"]
    confirm, change = re.findall(rf"{SITE}(/s/\S+)", appointment)
    assert client.get(confirm).url.startswith("/r/answer/")
    assert client.get(change).url.startswith("/r/answer/")
    assert client.get(confirm).url != client.get(change).url
    assert client.get("/s/nosuchcode").status_code == 404


def test_a_longer_clinic_name_fits_with_the_shorter_stop_wording(smtp, texting, lakeside):
    lakeside.name = "Lakeside Physical Therapy"
    lakeside.save()
    send_all()
    sent = texts(texting)
    assert sent["appointment"].endswith(" STOP to end")
    assert sms_segments(sent["appointment"]) == 1
    assert sent["retest"].endswith(" Reply STOP to opt out")  # it fits, so the clearer words


def test_a_text_that_cannot_fit_stays_whole(smtp, texting, lakeside):
    lakeside.name = "Lakeside Physiotherapy, Sports Medicine and Rehabilitation Centre"
    lakeside.save()
    Reminder.objects.update(status=ReminderStatus.PENDING)
    send_all()
    appointment = texts(texting)["appointment"]
    assert appointment.startswith(f"{lakeside.name}: appointment ")
    assert appointment.endswith(" Reply STOP to opt out")
    assert appointment.count("/s/") == 2
    assert sms_segments(appointment) == 2


def test_the_outbox_writes_the_same_text_the_provider_gets(smtp, texting):
    reminder = Reminder.objects.get(kind=ReminderKind.EXERCISE)
    assert reminder_message(reminder).text.startswith("Lakeside Physio: time for your calf")


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # an extension character counts twice
        ("[" * 81, 2),
        ("é" * 160, 1),  # in the GSM alphabet
        ("ó" * 70, 1),  # not in it: UCS-2
        ("ó" * 71, 2),
        ("ó" * 134, 2),
        ("ó" * 135, 3),
        ("Lakeside: see you at 2:30 PM 😀", 1),
        ("😀" * 36, 2),  # two UTF-16 units each
        ("“curly quotes” " * 5, 2),
    ],
)
def test_segments_are_counted_as_carriers_bill_them(text, segments):
    assert sms_segments(text) == segments
