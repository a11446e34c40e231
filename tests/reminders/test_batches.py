"""The sweep in batches: one claim per batch that two sweeps never share, outcomes recorded one
UPDATE per kind of outcome, and a fixed number of queries per batch whatever its size."""

import threading
from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reminders.channels.ledger import Ledger
from reminders.locks import sending_lock_release_many
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.sending import reminders_claim, reminders_sweep
from tests.factories import PatientFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ledger(settings, tmp_path) -> Ledger:
    settings.EMAIL_BACKEND = "reminders.channels.email.LedgerEmailBackend"
    settings.DELIVERY_LEDGER_DIR = str(tmp_path / "ledger")
    return Ledger(tmp_path / "ledger")


@pytest.fixture
def patients(clinic, therapist):
    clinic.quiet_hours_start = clinic.quiet_hours_end = time(0)
    clinic.save()
    return PatientFactory.create_batch(
        4,
        clinic=clinic,
        reminder_consent=True,
        reminder_consent_at=timezone.now(),
        reminder_channel="email",
    )


def due(patients, count: int, *, prefix: str = "batch") -> list[str]:
    now = timezone.now()
    rows = [
        Reminder(
            clinic=patients[n % len(patients)].clinic,
            kind=ReminderKind.RETEST,
            channel="email",
            patient=patients[n % len(patients)],
            key=f"retest:{patients[n % len(patients)].pk}:{prefix}-{n}:email",
            due_at=now,
            next_attempt_at=now,
        )
        for n in range(count)
    ]
    Reminder.objects.bulk_create(rows)
    return [row.key for row in rows]


def in_parallel(work, times: int) -> list:
    """Run `work` in `times` threads at once (each its own database connection)."""
    start, results = threading.Barrier(times), [None] * times

    def run(n: int) -> None:
        try:
            start.wait()
            results[n] = work()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_claims_at_once_never_take_the_same_row(patients):
    due(patients, 60)

    def claim_twice() -> list[int]:
        first = reminders_claim(now=timezone.now(), batch=20)
        second = reminders_claim(now=timezone.now(), batch=20)
        sending_lock_release_many(first + second)
        return first + second

    a, b = in_parallel(claim_twice, 2)
    assert set(a).isdisjoint(b)
    assert len(a) + len(b) == 60  # skipped, not waited for: every row claimed by one of them
    assert Reminder.objects.filter(status=ReminderStatus.SENDING, attempts=1).count() == 60


def test_two_sweeps_at_once_send_every_reminder_once(patients, ledger, settings):
    settings.REMINDER_SEND_THREADS = 4
    keys = due(patients, 120)
    counts = in_parallel(lambda: reminders_sweep(batch=10), 2)
    assert sum(c.get("sent", 0) for c in counts) == 120
    assert all(c.get("sent", 0) > 0 for c in counts), counts  # both sweeps took a share
    deliveries = ledger.deliveries()
    assert {key.replace(":", "_") for key in keys} == set(deliveries)
    assert {key: n for key, n in deliveries.items() if n > 1} == {}


class RefusingBackend:
    """Refuses messages to one address, delivers the rest to the ledger."""

    def __init__(self, *args, **kwargs):
        from reminders.channels.email import LedgerEmailBackend

        self.ledger = LedgerEmailBackend()

    def send_messages(self, messages):
        if any("refused" in message.to[0] for message in messages):
            raise OSError("mailbox refused")
        return self.ledger.send_messages(messages)


def test_a_batch_records_each_outcome_with_one_update(patients, ledger, settings):
    settings.EMAIL_BACKEND = "tests.reminders.test_batches.RefusingBackend"
    settings.REMINDER_MAX_ATTEMPTS = 2
    discharged, refused, *_ = patients
    discharged.status, discharged.discharged_at = "discharged", timezone.now()
    discharged.save()
    refused.email = "refused@example.org"
    refused.save()
    due(patients, 12)
    # The refused patient's third row has used its last attempt.
    last = Reminder.objects.filter(patient=refused).order_by("id").last()
    Reminder.objects.filter(pk=last.pk).update(attempts=1)

    with CaptureQueriesContext(connection) as queries:
        counts = reminders_sweep(batch=12, heartbeat=False)
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE clinic_reminder AS r")]
    # sent, cancelled, retried and failed: one UPDATE each (the claim is its own statement)
    assert len(updates) == 4, updates
    assert counts == {"reconciled": 0, "sent": 6, "cancelled": 3, "pending": 2, "failed": 1}
    rows = Reminder.objects.all()
    assert {r.last_error for r in rows if r.status == ReminderStatus.CANCELLED} == {
        "The patient was discharged."
    }
    retried = [r for r in rows if r.status == ReminderStatus.PENDING]
    assert all(r.next_attempt_at > timezone.now() and r.attempts == 1 for r in retried)
    assert all("mailbox refused" in r.last_error for r in retried)
    assert Reminder.objects.get(pk=last.pk).status == ReminderStatus.FAILED
    sent = [r for r in rows if r.status == ReminderStatus.SENT]
    assert all(r.sent_at and r.provider_id == f"{r.key.replace(':', '_')}.1" for r in sent)


@pytest.mark.parametrize("kind", [ReminderKind.RETEST, ReminderKind.EXERCISE])
def test_a_batch_takes_the_same_queries_whatever_its_size(patients, ledger, kind):
    def sweep_queries(count: int, prefix: str) -> int:
        due(patients, count, prefix=prefix)
        today = patients[0].clinic.local_now().date().isoformat()
        for row in Reminder.objects.filter(status=ReminderStatus.PENDING):
            # An exercise reminder's key names its day.
            row.kind, row.key = kind, f"{kind}:{row.patient_id}:{today}:{row.pk}:email"
            row.save()
        with CaptureQueriesContext(connection) as queries:
            counts = reminders_sweep(batch=count, heartbeat=False)
        assert counts.get("sent") == count
        return len(queries)

    assert sweep_queries(4, "small") == sweep_queries(40, "large")
