"""rows_update: each row to its own values in one statement, only where it still matches."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.bulk_update import rows_update
from dashboard.models import PatientSummary
from reminders.models import Reminder, ReminderKind, ReminderStatus

pytestmark = pytest.mark.django_db


def reminder(patient, n, **fields):
    now = timezone.now()
    return Reminder.objects.create(
        clinic=patient.clinic,
        kind=ReminderKind.EXERCISE,
        channel="email",
        key=f"exercise:{patient.pk}:{n}:email",
        patient=patient,
        due_at=now,
        next_attempt_at=now,
        **fields,
    )


def test_each_row_gets_its_own_values_and_a_row_that_changed_meanwhile_is_left(patient):
    now = timezone.now()
    pending = [reminder(patient, n) for n in range(3)]
    sent = reminder(patient, 9, status=ReminderStatus.SENT, sent_at=now)
    moves = {row.pk: (now + timedelta(hours=row.pk),) * 2 for row in [*pending, sent]}
    with CaptureQueriesContext(connection) as queries:
        updated = rows_update(
            Reminder,
            ["due_at", "next_attempt_at"],
            moves,
            only_if={"status": ReminderStatus.PENDING},
        )
    assert len(queries) == 1
    assert updated == 3
    for row in pending:
        row.refresh_from_db()
        assert row.due_at == row.next_attempt_at == now + timedelta(hours=row.pk)
    assert Reminder.objects.get(pk=sent.pk).due_at == sent.due_at  # sent: history, not moved


def test_nulls_and_small_integers_are_written_as_such(patient):
    now = timezone.now()
    PatientSummary.objects.create(
        patient=patient,
        clinic=patient.clinic,
        adherence_percent=40,
        next_appointment_at=now,
        flags=32,
        urgency=10,
        refreshed_at=now,
    )
    rows_update(
        PatientSummary,
        ["adherence_percent", "next_appointment_at", "flags", "urgency", "refreshed_at"],
        {patient.pk: (None, None, 0, 0, now + timedelta(hours=1))},
    )
    row = PatientSummary.objects.get(pk=patient.pk)
    assert (row.adherence_percent, row.next_appointment_at, row.flags, row.urgency) == (
        None,
        None,
        0,
        0,
    )
    assert row.refreshed_at == now + timedelta(hours=1)
    assert rows_update(PatientSummary, ["flags"], {}) == 0
