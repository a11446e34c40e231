"""Sending reminders: the sweep, a beat task every minute, sends what is due, each once.

It takes due rows one at a time: it locks the row for this worker (reminders/locks.py), marks
it sending, sends, and marks it sent. A row left "sending" is reconciled with the provider
only once its lock is free, that is once the worker that took it is gone, never blindly sent
again. Whether a row is still wanted, and what it says, is its kind's handler's to tell
(reminders/handlers.py); the recipient, quiet hours and the opt-out are the outbox's.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from clinic.changes import patient_data_changed
from clinic.models import Heartbeat
from reminders.channels import DeliveryUnknown, channel_for
from reminders.composing import reminder_message
from reminders.handlers import reminder_handler_for
from reminders.locks import sending_lock_release, sending_lock_take
from reminders.models import Reminder, ReminderStatus
from reminders.planning import (
    after_quiet_hours,
    in_quiet_hours,
    patient_channel,
    patient_not_reachable,
)

logger = logging.getLogger(__name__)


def reminders_due(*, now: datetime, batch: int) -> list[int]:
    """Up to `batch` rows due now, oldest first; reading them takes nothing."""
    return list(
        Reminder.objects.filter(status=ReminderStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:batch]
    )


def reminder_claim(*, reminder_id: int, now: datetime) -> bool:
    """Take one due row for this worker: lock it, then mark it sending. False when another
    worker has it or it is no longer due. The caller releases the lock once it has recorded
    the outcome. Taken one at a time, just before sending, so a row waits as "pending" (free
    for any worker) rather than "sending" behind a slow batch."""
    if not sending_lock_take(reminder_id):
        return False
    taken = Reminder.objects.filter(
        pk=reminder_id, status=ReminderStatus.PENDING, next_attempt_at__lte=now
    ).update(status=ReminderStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not taken:
        sending_lock_release(reminder_id)
    return bool(taken)


def reminder_why_not(reminder: Reminder, now: datetime) -> str | None:
    """A reason not to send this reminder any more, or None to send it: first what holds for
    every patient message (reachable, by the channel they agreed to), then its kind's rule."""
    patient = reminder.patient
    if patient is not None and (reason := patient_not_reachable(patient)):
        return reason
    if patient is not None and patient_channel(patient) != reminder.channel:
        return "The patient no longer agrees to reminders by this channel."
    handler = reminder_handler_for(reminder.kind)
    if handler is None:
        return f"No app handles reminders of kind {reminder.kind!r}."
    return handler.why_not(reminder, now)


def reminder_send(*, reminder_id: int, now: datetime | None = None) -> str | None:
    """Claim one due reminder, send it and record the outcome. Returns the final status, or
    None when another worker has it or it is no longer due."""
    now = now or timezone.now()
    if not reminder_claim(reminder_id=reminder_id, now=now):
        return None
    try:
        return _send_claimed(reminder_id, now)
    finally:
        sending_lock_release(reminder_id)


def _send_claimed(reminder_id: int, now: datetime) -> str:
    reminder = (
        Reminder.objects.select_related("clinic", "patient__clinic", "staff", "appointment")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None:
        return "gone"  # deleted with its patient or appointment since it was claimed
    claimed = Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.SENDING)
    reason = reminder_why_not(reminder, now)
    if reason:
        claimed.update(status=ReminderStatus.CANCELLED, last_error=reason)
        return ReminderStatus.CANCELLED
    if reminder.patient_id and in_quiet_hours(now, reminder.clinic):
        claimed.update(
            status=ReminderStatus.PENDING,
            next_attempt_at=after_quiet_hours(now, reminder.clinic),
            attempts=F("attempts") - 1,
        )
        return ReminderStatus.PENDING
    try:
        provider_id = channel_for(reminder.channel).send(
            key=reminder.key, message=reminder_message(reminder)
        )
    except SoftTimeLimitExceeded:
        # Stopped mid-send: whether it went out is unknown, so the row stays "sending" and is
        # reconciled with the provider once this worker lets go of it.
        raise
    except Exception as exc:  # any provider failure: retry with backoff, then fail visibly
        logger.warning("reminder %s failed: %s", reminder.key, exc)
        if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
            claimed.update(status=ReminderStatus.FAILED, last_error=str(exc)[:500])
            if reminder.patient_id:
                # The dashboard flags a patient whose reminders fail.
                patient_data_changed(reminder.patient_id)
            return ReminderStatus.FAILED
        backoff = timedelta(minutes=min(2 ** (reminder.attempts - 1), 60))
        claimed.update(
            status=ReminderStatus.PENDING,
            next_attempt_at=now + backoff,
            last_error=str(exc)[:500],
        )
        return ReminderStatus.PENDING
    claimed.update(
        status=ReminderStatus.SENT, sent_at=timezone.now(), provider_id=str(provider_id)[:200]
    )
    return ReminderStatus.SENT


def reminders_reconcile(*, now: datetime) -> int:
    """Settle rows left "sending" by a worker that is gone (their lock is free): ask the
    provider what happened. Rows a live worker is still sending are skipped, however long ago
    it took them."""
    settled = 0
    stuck = Reminder.objects.filter(status=ReminderStatus.SENDING).order_by("id")
    for reminder in stuck:
        if not sending_lock_take(reminder.pk):
            continue  # its worker is alive and sending it
        try:
            settled += _reconcile_one(reminder, now)
        finally:
            sending_lock_release(reminder.pk)
    return settled


def _reconcile_one(reminder: Reminder, now: datetime) -> int:
    # The row may have been finished between the query and the lock: every update is
    # conditional on it still being "sending".
    row = Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.SENDING)
    if not row.exists():
        return 0
    try:
        provider_id = channel_for(reminder.channel).lookup(reminder.key)
    except DeliveryUnknown as exc:
        return row.update(
            status=ReminderStatus.FAILED,
            last_error=f"Interrupted while sending; not resent in case it arrived ({exc})",
        )
    if provider_id:
        return row.update(status=ReminderStatus.SENT, sent_at=now, provider_id=provider_id[:200])
    return row.update(status=ReminderStatus.PENDING, next_attempt_at=now)


def reminders_sweep(*, max_seconds: float = 50, batch: int | None = None) -> dict[str, int]:
    """One sweep: reconcile, then send due rows one by one until none are left or the time
    is up (checked per message, so a slow provider cannot stretch a sweep by a batch)."""
    started = timezone.now()
    counts = {"reconciled": reminders_reconcile(now=started)}
    batch = batch or settings.REMINDER_BATCH

    def time_left() -> bool:
        return (timezone.now() - started).total_seconds() < max_seconds

    while time_left():
        sent_any = False
        for reminder_id in reminders_due(now=timezone.now(), batch=batch):
            if not time_left():
                break
            status = reminder_send(reminder_id=reminder_id)
            if status is None:
                continue  # another worker has it
            sent_any = True
            counts[str(status)] = counts.get(str(status), 0) + 1  # plain names in the logs
        if not sent_any:
            break  # nothing due, or other workers hold all of it
    Heartbeat.objects.update_or_create(name="reminder-sweep", defaults={"seen_at": timezone.now()})
    return counts
