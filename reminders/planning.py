"""Planning reminders: outbox rows written ahead of time, each once.

A row's `key` (kind, target, channel, due slot) is unique, so planning twice changes nothing.
Kinds tied to an event (a booking) are planned by the owning app's services in the same
transaction as the event. The periodic planner works through the patients, then the staff, in
chunks, each committed with its cursor, and asks every registered handler to plan its kinds
for the chunk: a run cut short by a time limit keeps its work and the next run resumes.

No Celery ETA is used: the database holds the schedule, and the sweep (reminders/sending.py)
sends what is due.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from clinic.bulk_update import rows_update
from clinic.models import Clinic, Patient, PatientStatus, ReminderChannel, Role, TaskProgress, User
from clinic.times import UTC, at_local
from reminders.handlers import reminder_handlers
from reminders.models import Reminder, ReminderStatus

PLAN_TASK = "reminders.tasks.reminders_plan"


# --- Who gets what ----------------------------------------------------------------------------


def patient_not_reachable(patient: Patient) -> str | None:
    """Why no reminder may go to this patient whatever they agreed to, or None."""
    if patient.anonymised_at is not None:
        return "The patient was anonymised."
    if patient.status != PatientStatus.ACTIVE:
        return "The patient was discharged."
    return None


def patient_channel(patient: Patient) -> str | None:
    """The channel a patient agreed to, if it can reach them."""
    if not patient.reminder_consent or patient_not_reachable(patient):
        return None
    if patient.reminder_channel == ReminderChannel.EMAIL and patient.email:
        return ReminderChannel.EMAIL
    if patient.reminder_channel == ReminderChannel.SMS and patient.phone:
        return ReminderChannel.SMS
    return None


# --- Quiet hours ------------------------------------------------------------------------------


def in_quiet_hours(moment: datetime, clinic: Clinic) -> bool:
    local = moment.astimezone(clinic.zone).time()
    start, end = clinic.quiet_hours_start, clinic.quiet_hours_end
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def after_quiet_hours(moment: datetime, clinic: Clinic) -> datetime:
    """The moment itself, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(moment, clinic):
        return moment
    local = moment.astimezone(clinic.zone)
    day = local.date()
    if (
        local.time() >= clinic.quiet_hours_start
        and clinic.quiet_hours_start > clinic.quiet_hours_end
    ):
        day += timedelta(days=1)
    return at_local(day, clinic.quiet_hours_end, clinic.zone).astimezone(UTC)


# --- Rows -------------------------------------------------------------------------------------

# Rows written per statement: a chunk of the planner is a few hundred patients, each a few rows.
WRITE_BATCH = 1000


@dataclass(frozen=True)
class PlannedReminder:
    """A reminder to plan, before it is a row: what `reminders_upsert` writes."""

    key: str
    due_at: datetime
    kind: str
    clinic_id: int
    channel: str
    patient_id: int | None = None
    staff_id: int | None = None
    appointment_id: int | None = None


def reminders_upsert(rows: Iterable[PlannedReminder]) -> int:
    """Create the rows not there yet, and re-time those still pending whose moment moved;
    a row already sending, sent, failed or cancelled is left as it is. Three statements per
    WRITE_BATCH rows whatever their number (a read of the pending ones, an update of the few
    that moved, an insert that skips the keys already there), so planning a chunk costs the
    same for ten patients or a thousand. Returns how many rows it was given."""
    rows = list({row.key: row for row in rows}.values())  # one row per key, the last wins
    for start in range(0, len(rows), WRITE_BATCH):
        batch = rows[start : start + WRITE_BATCH]
        by_key = {row.key: row for row in batch}
        moved = {
            pk: by_key[key].due_at
            for pk, key, due_at in Reminder.objects.filter(
                key__in=by_key, status=ReminderStatus.PENDING
            ).values_list("pk", "key", "due_at")
            if due_at != by_key[key].due_at
        }
        if moved:
            _retime(moved)
        # ON CONFLICT DO NOTHING on the unique key: a row there already (or being inserted by
        # a transaction not yet committed, which this waits for) is never written twice.
        Reminder.objects.bulk_create(
            [
                Reminder(
                    key=row.key,
                    due_at=row.due_at,
                    next_attempt_at=row.due_at,
                    kind=row.kind,
                    clinic_id=row.clinic_id,
                    channel=row.channel,
                    patient_id=row.patient_id,
                    staff_id=row.staff_id,
                    appointment_id=row.appointment_id,
                )
                for row in batch
            ],
            ignore_conflicts=True,
        )
    return len(rows)


def _retime(moved: dict[int, datetime]) -> None:
    """Move these pending rows to their new moments in one statement; a row a sweep claimed
    since it was read is left as it is."""
    rows_update(
        Reminder,
        ["due_at", "next_attempt_at"],
        {pk: (due_at, due_at) for pk, due_at in moved.items()},
        only_if={"status": ReminderStatus.PENDING},
    )


def reminder_upsert(*, key: str, due_at: datetime, **fields) -> None:
    """Create one row, or re-time it while it is still pending (an event's reminders)."""
    reminders_upsert([PlannedReminder(key=key, due_at=due_at, **fields)])


def patient_reminder(
    *, patient: Patient, channel: str, kind: str, slot: str, moment: datetime
) -> PlannedReminder:
    """One reminder of a kind to a patient for a slot (the day or due date it is for): the
    key names all three and the channel, and the moment moves out of quiet hours. Handlers
    collect a chunk's reminders and write them with `reminders_upsert`."""
    return PlannedReminder(
        key=f"{kind}:{patient.pk}:{slot}:{channel}",
        due_at=after_quiet_hours(moment, patient.clinic),
        kind=kind,
        clinic_id=patient.clinic_id,
        channel=channel,
        patient_id=patient.pk,
    )


# --- The periodic planner ---------------------------------------------------------------------


def _plan_chunk(progress: TaskProgress, *, now: datetime, days_ahead: int, size: int) -> int:
    """Plan the next chunk after the cursor and move the cursor past it."""
    phase = progress.cursor.get("phase", "patients")
    after = progress.cursor.get("after", 0)
    if phase == "patients":
        patients = list(
            Patient.objects.filter(
                pk__gt=after,
                status=PatientStatus.ACTIVE,
                anonymised_at__isnull=True,
                reminder_consent=True,
            )
            .select_related("clinic")
            .order_by("pk")[:size]
        )
        if not patients:
            progress.cursor = {"phase": "staff", "after": 0}
            return 0
        progress.cursor = {"phase": "patients", "after": patients[-1].pk}
        reachable = [
            (patient, channel) for patient in patients if (channel := patient_channel(patient))
        ]
        return sum(
            handler.plan_for_patients(reachable, now=now, days_ahead=days_ahead)
            for handler in reminder_handlers()
        )
    staff = list(
        User.objects.filter(
            pk__gt=after, is_active=True, role__in=[Role.THERAPIST, Role.CLINIC_ADMIN]
        )
        .exclude(email="")
        .select_related("clinic")
        .order_by("pk")[:size]
    )
    if not staff:
        progress.cursor = {}
        progress.completed_at = timezone.now()
        return 0
    progress.cursor = {"phase": "staff", "after": staff[-1].pk}
    return sum(handler.plan_for_staff(staff, now=now) for handler in reminder_handlers())


def reminders_plan(
    *, now: datetime | None = None, days_ahead: int = 2, chunk: int | None = None
) -> int:
    """Plan the reminders that are not tied to an event: every registered handler's kinds,
    for every patient who agreed to reminders, then for every clinician.

    One transaction per chunk of patients (then of staff), committed with the cursor: a run
    stopped by its time limit loses at most the chunk in hand, and the next run resumes after
    the last committed one instead of starting over (which, with enough patients, would never
    get past the first ones). Re-planning a chunk is harmless: the keys are unique. Runs that
    overlap take turns chunk by chunk on the progress row's lock. Returns how many reminders
    this run planned.
    """
    now = now or timezone.now()
    size = chunk or settings.REMINDER_PLAN_CHUNK
    planned = 0
    while True:
        with transaction.atomic():
            try:
                progress, _ = TaskProgress.objects.select_for_update().get_or_create(name=PLAN_TASK)
                planned += _plan_chunk(progress, now=now, days_ahead=days_ahead, size=size)
                progress.save(update_fields=["cursor", "completed_at"])
            except SoftTimeLimitExceeded:
                _cancel_statement()
                raise
        if not progress.cursor:
            return planned


def _cancel_statement() -> None:
    """Stop the statement the server is still running for this worker: a time limit stops
    the client only, and the server would hold the chunk's locks (the progress row among
    them) until the statement ended, however long it waits."""
    if connection.vendor == "postgresql" and connection.connection is not None:
        with contextlib.suppress(Exception):
            connection.connection.cancel_safe(timeout=5)
