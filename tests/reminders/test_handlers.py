"""The outbox knows no kind of reminder: each is a handler its own app registers."""

import pytest
from django.utils import timezone

from reminders.handlers import reminder_handler_for, reminder_handlers
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.sending import reminder_send

pytestmark = pytest.mark.django_db


def test_every_kind_of_reminder_has_one_handler_from_the_app_that_owns_it():
    owners = {kind: type(reminder_handler_for(kind)).__module__ for kind in ReminderKind.values}
    assert owners == {
        "appointment": "scheduling.reminders",
        "booking": "scheduling.reminders",
        "retest": "scheduling.reminders",
        "exercise": "exercises.reminders",
        "digest": "dashboard.reminders",
        "questionnaire": "questionnaires.reminders",
    }
    assert len(reminder_handlers()) == 5  # each registered once, however often imported


def test_a_row_of_a_kind_no_app_handles_is_cancelled_with_the_reason(patient):
    patient.reminder_consent, patient.reminder_consent_at = True, timezone.now()
    patient.save()
    now = timezone.now()
    row = Reminder.objects.create(
        clinic=patient.clinic,
        kind="unknown",
        channel="email",
        patient=patient,
        key=f"unknown:{patient.pk}",
        due_at=now,
        next_attempt_at=now,
    )
    assert reminder_send(reminder_id=row.pk) == ReminderStatus.CANCELLED
    row.refresh_from_db()
    assert row.last_error == "No app handles reminders of kind 'unknown'."
