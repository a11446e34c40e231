"""Sending reminders: the sweep sends what is due, each once, a batch at a time.

A sweep claims a batch of due rows in one statement: each row locked for this worker
(reminders/locks.py) and marked sending together. It loads the batch with what its messages
need in one query, asks each kind's handler which rows are still wanted (reminders/handlers.py;
the recipient, quiet hours and the opt-out are the outbox's), sends the rest from a small pool
of threads, each over one connection to the provider, and records the outcomes with one
UPDATE per outcome. A row left "sending" (its worker died mid-batch) is reconciled with the
provider only once its lock is free, never blindly sent again.

Several worker processes sweep at once without overlap: a row another sweep has claimed is
skipped (SKIP LOCKED), and a sweep that finds a full batch asks for one more sweep, so every
free worker process joins in while rows are due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Case, F, Value, When
from django.utils import timezone

from clinic.changes import patient_data_changed
from clinic.models import Heartbeat
from reminders.channels import DeliveryUnknown, channel_for
from reminders.composing import reminder_message
from reminders.handlers import reminder_handler_for
from reminders.locks import (
    sending_lock_release,
    sending_lock_release_many,
    sending_lock_take,
    sending_locks_namespace,
)
from reminders.models import Reminder, ReminderStatus
from reminders.planning import (
    after_quiet_hours,
    in_quiet_hours,
    patient_channel,
    patient_not_reachable,
)

logger = logging.getLogger(__name__)

# Everything a message and its checks read, in the batch's one query.
BATCH_RELATIONS = ("clinic", "patient", "staff", "appointment__therapist")


def reminders_due(*, now: datetime, batch: int) -> list[int]:
    """Up to `batch` rows due now, oldest first; reading them takes nothing."""
    return list(
        Reminder.objects.filter(status=ReminderStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:batch]
    )


_CLAIM_SQL = """
    WITH picked AS MATERIALIZED (
        SELECT id FROM clinic_reminder
        WHERE status = %(pending)s AND next_attempt_at <= %(now)s
        ORDER BY next_attempt_at, id
        LIMIT %(batch)s
        FOR UPDATE SKIP LOCKED
    ), locked AS MATERIALIZED (
        SELECT id FROM picked WHERE pg_try_advisory_lock(%(namespace)s, (id %% 2147483648)::int)
    )
    UPDATE clinic_reminder AS r
    SET status = %(sending)s, claimed_at = %(now)s, attempts = r.attempts + 1
    FROM locked WHERE r.id = locked.id
    RETURNING r.id
"""


def reminders_claim(*, now: datetime, batch: int) -> list[int]:
    """Take up to `batch` due rows for this worker, and return their ids: each locked for it
    and marked sending. Rows another sweep holds are skipped, not waited for. The caller
    releases the locks once it has recorded the outcomes.

    On PostgreSQL one statement: the rows are picked under row locks (SKIP LOCKED), so no
    other sweep can pick them meanwhile, and each one's sending lock is taken before it
    is marked sending, so the reconciler never sees it "sending" with its lock free. The
    advisory locks are taken on the picked rows only (the CTEs are materialised, so the LIMIT
    applies first)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _CLAIM_SQL,
                {
                    "pending": ReminderStatus.PENDING,
                    "sending": ReminderStatus.SENDING,
                    "now": now,
                    "batch": batch,
                    "namespace": sending_locks_namespace(),
                },
            )
            return sorted(row[0] for row in cursor.fetchall())
    # SQLite (the demo): one writer at a time, so row by row is enough.
    claimed = []
    for reminder_id in reminders_due(now=now, batch=batch):
        if not sending_lock_take(reminder_id):
            continue
        taken = Reminder.objects.filter(
            pk=reminder_id, status=ReminderStatus.PENDING, next_attempt_at__lte=now
        ).update(status=ReminderStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        if taken:
            claimed.append(reminder_id)
        else:
            sending_lock_release(reminder_id)
    return claimed


def reminder_why_not(reminder: Reminder, now: datetime) -> str | None:
    """A reason not to send this reminder any more, or None to send it: first what holds for
    every patient message (reachable, by the channel they agreed to), then its kind's rule."""
    return _outbox_why_not(reminder) or _kind_why_not([reminder], now).get(reminder.pk)


def _outbox_why_not(reminder: Reminder) -> str | None:
    patient = reminder.patient
    if patient is not None and (reason := patient_not_reachable(patient)):
        return reason
    if patient is not None and patient_channel(patient) != reminder.channel:
        return "The patient no longer agrees to reminders by this channel."
    if reminder_handler_for(reminder.kind) is None:
        return f"No app handles reminders of kind {reminder.kind!r}."
    return None


def _kind_why_not(reminders: list[Reminder], now: datetime) -> dict[int, str]:
    """Each kind's handler asked once about its rows of the batch."""
    by_kind: dict[str, list[Reminder]] = {}
    for reminder in reminders:
        by_kind.setdefault(reminder.kind, []).append(reminder)
    reasons: dict[int, str] = {}
    for kind, rows in by_kind.items():
        reasons.update(reminder_handler_for(kind).why_not_many(rows, now))
    return reasons


def reminder_send(*, reminder_id: int, now: datetime | None = None) -> str | None:
    """Claim one due reminder, send it and record the outcome. Returns the final status, or
    None when another worker has it or it is no longer due."""
    now = now or timezone.now()
    if not sending_lock_take(reminder_id):
        return None
    taken = 0
    try:
        taken = Reminder.objects.filter(
            pk=reminder_id, status=ReminderStatus.PENDING, next_attempt_at__lte=now
        ).update(status=ReminderStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    finally:
        if not taken:
            sending_lock_release(reminder_id)
    if not taken:
        return None
    batch = _Batch([reminder_id], now)
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            batch.start(pool)
        finally:
            statuses = batch.finish()
    return statuses.get(reminder_id, "gone")


@dataclass
class _Outcomes:
    """What became of each row of a batch, recorded with one UPDATE per kind of outcome."""

    sent: dict[int, str]  # id: provider id
    cancelled: dict[int, str]  # id: reason
    later: dict[int, datetime]  # quiet hours: id: when
    retry: dict[int, tuple[datetime, str]]  # id: (next attempt, error)
    failed: dict[int, str]  # id: error
    handed: set[int] = field(default_factory=set)  # given to the provider
    unsent: list[int] = field(default_factory=list)  # claimed, never handed to the provider

    def statuses(self) -> dict[int, str]:
        statuses = dict.fromkeys(self.sent, ReminderStatus.SENT)
        statuses |= dict.fromkeys(self.cancelled, ReminderStatus.CANCELLED)
        statuses |= dict.fromkeys([*self.later, *self.retry, *self.unsent], ReminderStatus.PENDING)
        statuses |= dict.fromkeys(self.failed, ReminderStatus.FAILED)
        return statuses


class _Batch:
    """A claimed batch (its rows' locks held) on its way: `start` loads it, decides, composes
    and hands the messages to the pool; `finish` waits for the answers, records every row's
    outcome and releases the locks. A sweep starts the next batch before it finishes this one,
    so the database and the composing overlap the provider's answers."""

    def __init__(self, ids: list[int], now: datetime) -> None:
        self.ids, self.now = ids, now
        self.outcomes = _Outcomes({}, {}, {}, {}, {})
        self.to_send: list[Reminder] = []
        self.futures: list[tuple[Any, list]] = []

    def start(self, pool: ThreadPoolExecutor) -> None:
        now, outcomes = self.now, self.outcomes
        reminders = Reminder.objects.select_related(*BATCH_RELATIONS).filter(pk__in=self.ids)
        to_send = []
        for reminder in reminders:  # a row deleted since it was claimed is simply not here
            if reason := _outbox_why_not(reminder):
                outcomes.cancelled[reminder.pk] = reason
            elif reminder.patient_id and in_quiet_hours(now, reminder.clinic):
                outcomes.later[reminder.pk] = after_quiet_hours(now, reminder.clinic)
            else:
                to_send.append(reminder)
        outcomes.cancelled |= _kind_why_not(to_send, now)
        self.to_send = [reminder for reminder in to_send if reminder.pk not in outcomes.cancelled]
        by_channel: dict[str, list[tuple[Reminder, Any]]] = {}
        for reminder in self.to_send:
            try:
                message = reminder_message(reminder)
            except Exception as exc:  # as a provider's refusal: retried, then failed visibly
                _note(reminder, None, exc, outcomes, now)
                continue
            by_channel.setdefault(reminder.channel, []).append((reminder, message))
        # Each share goes over one connection, one message after another; the shares side by
        # side, up to the pool's width.
        for channel, rows in by_channel.items():
            size = -(-len(rows) // settings.REMINDER_SEND_THREADS)
            for n in range(0, len(rows), size):
                share = rows[n : n + size]
                self.futures.append((pool.submit(_send_share, channel, share), share))
                outcomes.handed.update(reminder.pk for reminder, _ in share)

    def finish(self) -> dict[int, str]:
        """Every row's status. Waits for every send handed out, even when stopped, so that no
        message is still on its way once the locks are released."""
        outcomes = self.outcomes
        try:
            for future, share in self.futures:
                if future.cancel():  # the sweep was stopped before this share began
                    outcomes.handed.difference_update(reminder.pk for reminder, _ in share)
                    continue
                try:
                    answers = future.result()
                except BaseException as exc:
                    logger.warning("a share of a batch stopped without its answers: %r", exc)
                    continue  # its rows stay "sending" and are reconciled
                for reminder, provider_id, error in answers:
                    _note(reminder, provider_id, error, outcomes, self.now)
        finally:
            # Rows never handed to the provider wait as pending again. A row handed over
            # without an answer stays "sending" and is reconciled once its lock is free, as
            # after a crash.
            noted = outcomes.handed | outcomes.retry.keys() | outcomes.failed.keys()
            outcomes.unsent = [r.pk for r in self.to_send if r.pk not in noted]
            try:
                _record(outcomes, self.now)
            finally:
                sending_lock_release_many(self.ids)
        return outcomes.statuses()


def _send_share(channel_name: str, rows: list[tuple[Reminder, Any]]) -> list[tuple]:
    """One connection, its messages one after another; each answer on its own, so one
    refused message does not fail the others."""
    answers = []
    try:
        channel = channel_for(channel_name)
        channel.open()
    except Exception as exc:  # the provider unreachable: every message of the share failed
        return [(reminder, None, exc) for reminder, _ in rows]
    try:
        for reminder, message in rows:
            try:
                answers.append((reminder, channel.send(key=reminder.key, message=message), None))
            except Exception as exc:  # any provider failure: retried with backoff
                answers.append((reminder, None, exc))
    finally:
        channel.close()
    return answers


def _note(reminder: Reminder, provider_id, error, outcomes: _Outcomes, now: datetime) -> None:
    if error is None:
        outcomes.sent[reminder.pk] = str(provider_id)[:200]
        return
    logger.warning("reminder %s failed: %s", reminder.key, error)
    if reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        outcomes.failed[reminder.pk] = str(error)[:500]
        if reminder.patient_id:
            # The dashboard flags a patient whose reminders fail.
            patient_data_changed(reminder.patient_id)
        return
    backoff = timedelta(minutes=min(2 ** (reminder.attempts - 1), 60))
    outcomes.retry[reminder.pk] = (now + backoff, str(error)[:500])


# Per-row values of an outcome, and their types in PostgreSQL's arrays.
_COLUMN_TYPES = {"provider_id": "text", "last_error": "text", "next_attempt_at": "timestamptz"}


def _update_each(
    status: str, rows: dict[int, dict[str, Any]], *, attempts_back: bool = False, **common: Any
) -> None:
    """One UPDATE for an outcome: `status` and `common` for every row, and each row's own
    values from `rows` ({id: {column: value}}), on rows still "sending" only. On PostgreSQL
    the values travel as arrays (unnest); elsewhere as a CASE per column."""
    if not rows:
        return
    columns = sorted(next(iter(rows.values())))
    if connection.vendor == "postgresql":
        ids = list(rows)
        arrays = [ids, *([rows[pk][column] for pk in ids] for column in columns)]
        types = ["bigint[]", *(f"{_COLUMN_TYPES[column]}[]" for column in columns)]
        sets = [
            "status = %s",
            *(f"{name} = %s" for name in common),
            *(f"{column} = v.{column}" for column in columns),
            *(["attempts = r.attempts - 1"] if attempts_back else []),
        ]
        unnest = ", ".join(f"%s::{kind}" for kind in types)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE clinic_reminder AS r SET {', '.join(sets)} "  # noqa: S608 - names are ours
                f"FROM unnest({unnest}) AS v(id, {', '.join(columns)}) "
                "WHERE r.id = v.id AND r.status = %s",
                [status, *common.values(), *arrays, ReminderStatus.SENDING],
            )
        return
    each = {
        column: Case(
            *(When(pk=pk, then=Value(values[column])) for pk, values in rows.items()),
            output_field=Reminder._meta.get_field(column),
        )
        for column in columns
    }
    Reminder.objects.filter(pk__in=list(rows), status=ReminderStatus.SENDING).update(
        status=status,
        **common,
        **each,
        **({"attempts": F("attempts") - 1} if attempts_back else {}),
    )


def _record(outcomes: _Outcomes, now: datetime) -> None:
    """At most one UPDATE per kind of outcome, each only on rows still "sending"."""
    _update_each(
        ReminderStatus.SENT,
        {pk: {"provider_id": provider_id} for pk, provider_id in outcomes.sent.items()},
        sent_at=timezone.now(),
    )
    _update_each(
        ReminderStatus.CANCELLED,
        {pk: {"last_error": reason} for pk, reason in outcomes.cancelled.items()},
    )
    # Not attempted: quiet hours, or a sweep stopped before it got to them.
    later = outcomes.later | dict.fromkeys(outcomes.unsent, now)
    _update_each(
        ReminderStatus.PENDING,
        {pk: {"next_attempt_at": at} for pk, at in later.items()},
        attempts_back=True,
    )
    _update_each(
        ReminderStatus.PENDING,
        {
            pk: {"next_attempt_at": at, "last_error": error}
            for pk, (at, error) in outcomes.retry.items()
        },
    )
    _update_each(
        ReminderStatus.FAILED, {pk: {"last_error": error} for pk, error in outcomes.failed.items()}
    )


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


def reminders_sweep(
    *,
    max_seconds: float = 50,
    batch: int | None = None,
    more: Callable[[], None] | None = None,
    heartbeat: bool = True,
) -> dict[str, int]:
    """One sweep: reconcile, then claim, send and record batches until none is due or the
    time is up (checked per batch). `more` asks for another sweep: called once when the first
    batch is full (so another worker process joins in), and again if time ran out with rows
    still due (so the work goes on without waiting for beat)."""
    started = timezone.now()
    counts = {"reconciled": reminders_reconcile(now=started)}
    batch = batch or settings.REMINDER_BATCH
    asked_for_help = False
    in_flight: list[_Batch] = []

    def finish(batches: list[_Batch]) -> None:
        # Each one finished (its locks released) even if the one before it fails.
        if batches:
            try:
                for status in batches.pop(0).finish().values():
                    counts[str(status)] = counts.get(str(status), 0) + 1  # plain names in logs
            finally:
                finish(batches)

    with ThreadPoolExecutor(
        max_workers=settings.REMINDER_SEND_THREADS, thread_name_prefix="reminder-send"
    ) as pool:
        try:
            while True:
                if (timezone.now() - started).total_seconds() >= max_seconds:
                    if more and reminders_due(now=timezone.now(), batch=1):
                        more()
                    break
                now = timezone.now()
                ids = reminders_claim(now=now, batch=batch)
                if not ids:
                    break  # nothing due, or other sweeps hold all of it
                if more and not asked_for_help and len(ids) == batch:
                    asked_for_help = True
                    more()
                in_flight.append(_Batch(ids, now))
                in_flight[-1].start(pool)
                if len(in_flight) > 1:  # this batch is on its way: settle the one before
                    finish([in_flight.pop(0)])
        finally:
            finish(in_flight)
    if heartbeat:
        Heartbeat.objects.update_or_create(
            name="reminder-sweep", defaults={"seen_at": timezone.now()}
        )
    return counts
