"""The questionnaire reminder, through the real planner and sweep: one per open request, by the
patient's channel, a neutral text with the link to /me/ (nothing clinical: an email or a text
can be read by others); never for an answered or cancelled request."""

import uuid
from datetime import time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.access import Actor
from clinic.times import at_local
from questionnaires import services
from questionnaires.models import ClinicInstrumentSetting, QuestionnaireRequest
from questionnaires.reminders import QuestionnaireReminders, reminder_key
from reminders.channels.sms import sms_segments
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.planning import patient_channel, reminders_plan
from reminders.sending import reminders_sweep
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def consenting(patient):
    patient.reminder_consent, patient.reminder_consent_at = True, timezone.now()
    patient.reminder_channel = "email"
    patient.save()
    return patient


@pytest.fixture
def no_quiet_hours(clinic):
    clinic.quiet_hours_start = clinic.quiet_hours_end = time(0)
    clinic.save()
    return clinic


@pytest.fixture
def asked(consenting, therapist, instruments, no_quiet_hours) -> QuestionnaireRequest:
    # Due within the week, so reminded as soon as it is asked whatever the hour: one due in
    # exactly 7 days (the default) is reminded at 10:00 local that day, still ahead in the
    # clinic's early hours (the suite failed between midnight and 10:00 in Chicago).
    return services.request_create(
        patient=consenting,
        instrument=instruments["nprs-back"],
        requested_by=therapist,
        due_on=consenting.clinic.local_today() + timedelta(days=3),
        message="Before Tuesday, please.",
    )


def questionnaire_reminders():
    return Reminder.objects.filter(kind=ReminderKind.QUESTIONNAIRE)


# Words that would tell whoever reads the patient's mail or phone about their health.
CLINICAL = ("Numeric Pain Rating", "Pain", "pain", "back", "leg", "Lower Extremity", "Before Tue")


def test_an_open_request_is_reminded_once_by_email_with_the_link_and_nothing_clinical(
    asked, consenting, settings
):
    reminders_plan()
    reminders_sweep()
    reminders_plan()
    reminders_sweep()

    assert len(mail.outbox) == 1
    (message,) = mail.outbox
    assert message.to == [consenting.email]
    assert message.subject == "A short questionnaire for you"
    assert "Your clinic has a short questionnaire for you on your page" in message.body
    assert f"{settings.SITE_URL}/me/" in message.body
    assert "To stop these reminders:" in message.body
    # The instrument's name and instructions and the therapist's word are on /me/ only.
    for word in CLINICAL:
        assert word not in message.subject
        assert word not in message.body
    (row,) = questionnaire_reminders()
    assert (row.status, row.key) == (
        ReminderStatus.SENT,
        reminder_key(consenting.pk, asked.pk, "email"),
    )


def test_a_text_message_is_short_and_goes_to_the_phone(
    consenting, therapist, instruments, no_quiet_hours, settings, tmp_path, client
):
    settings.VAR_DIR = tmp_path
    consenting.reminder_channel, consenting.phone = "sms", "+15551234567"
    consenting.save()
    asked = services.request_create(
        patient=consenting,
        instrument=instruments["lefs"],
        requested_by=therapist,
        due_on=consenting.clinic.local_today() + timedelta(days=3),  # reminded at once (above)
    )
    reminders_plan()
    reminders_sweep()

    assert mail.outbox == []
    (delivered,) = (tmp_path / "sms").iterdir()
    text = delivered.read_text()
    assert text.startswith("To: +15551234567")
    body = text.split("\n\n", 1)[1].strip()
    assert body.startswith("Lakeside: a short questionnaire for you, by ")
    assert body.endswith("Reply STOP to opt out")
    assert sms_segments(body) == 1
    # Its short link opens the questionnaire's page.
    short = next(word for word in body.split() if "/s/" in word)
    assert (
        client.get(short.removeprefix(settings.SITE_URL)).url == f"/me/questionnaires/{asked.pk}/"
    )
    for word in CLINICAL:
        assert word not in text
    assert delivered.name.startswith(f"questionnaire_{consenting.pk}_{asked.pk}_sms")


def test_no_consent_no_reminder(patient, therapist, instruments, no_quiet_hours):
    services.request_create(patient=patient, instrument=instruments["psfs"], requested_by=therapist)
    reminders_plan()
    assert not questionnaire_reminders().exists()


def test_an_answered_request_cancels_its_pending_reminder_and_nothing_is_sent(
    consenting, therapist, instruments, no_quiet_hours
):
    # Due in 8 days: reminded a week before, tomorrow at 10:00; planned now, pending.
    request = services.request_create(
        patient=consenting,
        instrument=instruments["nprs-leg"],
        requested_by=therapist,
        due_on=consenting.clinic.local_today() + timedelta(days=8),
    )
    reminders_plan()
    (row,) = questionnaire_reminders()
    assert row.status == ReminderStatus.PENDING
    assert row.due_at == at_local(
        request.due_on - timedelta(days=7), time(10), consenting.clinic.zone
    )

    services.response_submit(
        actor=Actor(patient=consenting),
        request=request,
        answers={"worst-24h": 4},
        submission_key=uuid.uuid4(),
    )
    reminders_plan()
    row.refresh_from_db()
    assert (row.status, row.last_error) == (
        ReminderStatus.CANCELLED,
        "The questionnaire was answered or cancelled.",
    )
    reminders_sweep()
    assert mail.outbox == []


def test_a_request_cancelled_after_planning_is_cancelled_by_the_sweep_with_the_reason(
    asked, therapist
):
    reminders_plan()
    services.request_cancel(request=asked, cancelled_by=therapist)
    reminders_sweep()  # no re-plan in between: the handler's rule catches it when it falls due
    (row,) = questionnaire_reminders()
    assert (row.status, row.last_error) == (
        ReminderStatus.CANCELLED,
        "The questionnaire was cancelled.",
    )
    assert mail.outbox == []


def test_a_questionnaire_the_clinic_turned_off_is_not_reminded(asked, clinic, instruments):
    reminders_plan()
    ClinicInstrumentSetting.objects.create(
        clinic=clinic, instrument=instruments["nprs-back"], enabled=False
    )
    reminders_sweep()
    (row,) = questionnaire_reminders()
    assert row.last_error == "The clinic turned this questionnaire off."
    assert mail.outbox == []


def test_a_request_due_far_ahead_is_reminded_a_week_before_it_is_due(
    consenting, therapist, instruments, no_quiet_hours
):
    clinic = consenting.clinic
    request = services.request_create(
        patient=consenting,
        instrument=instruments["psfs"],
        requested_by=therapist,
        due_on=clinic.local_today() + timedelta(days=20),
    )
    reminders_plan()
    assert not questionnaire_reminders().exists()

    remind_at = at_local(request.due_on - timedelta(days=7), time(10), clinic.zone)
    reminders_plan(now=remind_at - timedelta(days=1))
    (row,) = questionnaire_reminders()
    assert row.due_at == remind_at


def test_a_request_made_in_the_quiet_hours_is_reminded_in_the_morning(
    consenting, therapist, instruments, clinic
):
    request = services.request_create(
        patient=consenting, instrument=instruments["psfs"], requested_by=therapist
    )
    evening = at_local(clinic.local_today(), time(22, 30), clinic.zone)
    QuestionnaireRequest.objects.filter(pk=request.pk).update(requested_at=evening)
    reminders_plan(now=evening + timedelta(minutes=10))
    (row,) = questionnaire_reminders()
    assert row.due_at == at_local(
        clinic.local_today() + timedelta(days=1), clinic.quiet_hours_end, clinic.zone
    )


def test_changing_channel_after_the_reminder_went_out_does_not_remind_again(asked, consenting):
    reminders_plan()
    reminders_sweep()
    consenting.reminder_channel, consenting.phone = "sms", "+15551234567"
    consenting.save()
    reminders_plan()
    assert questionnaire_reminders().count() == 1
    assert len(mail.outbox) == 1


def test_the_planner_reads_a_chunks_requests_in_one_query(clinic, therapist, instruments):
    """No query per patient: the chunk's open requests and reminders are read once each."""

    def plan_for(count: int) -> int:
        patients = []
        for _ in range(count):
            patient = PatientFactory(
                clinic=clinic,
                reminder_consent=True,
                reminder_consent_at=timezone.now(),
                email="someone@example.org",
            )
            services.request_create(
                patient=patient,
                instrument=instruments["psfs"],
                requested_by=therapist,
                due_on=clinic.local_today() + timedelta(days=30),  # nothing to plan yet
            )
            patients.append((patient, patient_channel(patient)))
        with CaptureQueriesContext(connection) as queries:
            QuestionnaireReminders().plan_for_patients(patients, now=timezone.now(), days_ahead=2)
        return len(queries)

    assert plan_for(3) == plan_for(12) == 2
