"""Reminders: planned as outbox rows, sent once by the sweep.

Planning writes rows whose `key` (kind, target, channel, due slot) is unique, so planning twice
changes nothing. Booking, moving and cancelling an appointment plan, re-time or cancel its rows
in the same transaction as the change, so a booking and its reminders commit or fail together.
The periodic planner works through the patients in chunks, each committed with its cursor, so
a run cut short by a time limit keeps its work and the next run resumes.

The sweep, a beat task every minute, takes due rows one at a time: it locks the row for this
worker (see "Sending locks"), marks it sending, sends, and marks it sent. A row left "sending"
is reconciled with the provider only once its lock is free, that is once the worker that took
it is gone, never blindly sent again. No Celery ETA is used: the database holds the schedule.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from datetime import date, datetime, time, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from clinic.delivery import DeliveryUnknown, channel_for
from clinic.models import (
    Clinic,
    Heartbeat,
    Patient,
    PatientStatus,
    Reminder,
    ReminderChannel,
    ReminderKind,
    ReminderStatus,
    Role,
    TaskProgress,
    User,
)
from dashboard.summaries import digest_lines, patient_summaries_refresh
from scheduling.models import Appointment, AppointmentStatus
from scheduling.times import UTC, at_local

logger = logging.getLogger(__name__)

OPT_OUT_SALT = "dorsi.reminders.opt-out"
RESPONSE_SALT = "dorsi.appointment.response"


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


def _upsert(*, key: str, due_at: datetime, **fields) -> Reminder:
    """Create the row, or re-time it while it is still pending."""
    reminder, created = Reminder.objects.get_or_create(
        key=key, defaults={"due_at": due_at, "next_attempt_at": due_at, **fields}
    )
    if not created and reminder.status == ReminderStatus.PENDING and reminder.due_at != due_at:
        Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.PENDING).update(
            due_at=due_at, next_attempt_at=due_at
        )
    return reminder


# --- Planning ---------------------------------------------------------------------------------


def appointment_reminder_hours(clinic: Clinic) -> list[int]:
    hours = []
    for part in clinic.appointment_reminder_hours.split(","):
        part = part.strip()
        if part.isdigit() and 0 < int(part) <= 24 * 14:
            hours.append(int(part))
    return sorted(set(hours), reverse=True)


def reminders_for_appointment(appointment: Appointment, *, change: str) -> None:
    """Plan, re-time or cancel an appointment's reminders; `change` is booked, moved or
    cancelled. Called by the booking services inside their transaction."""
    channel = patient_channel(appointment.patient)
    now = timezone.now()
    pending = Reminder.objects.filter(
        appointment=appointment, kind=ReminderKind.APPOINTMENT, status=ReminderStatus.PENDING
    )
    if change == "cancelled":
        pending.update(status=ReminderStatus.CANCELLED, last_error="The appointment was cancelled.")
    if channel is None:
        return
    common = {
        "clinic_id": appointment.clinic_id,
        "channel": channel,
        "patient": appointment.patient,
        "appointment": appointment,
    }
    # The confirmation or the change: one message per version of the booking.
    version = "cancelled" if change == "cancelled" else appointment.starts_at.astimezone(UTC)
    version_text = version if isinstance(version, str) else f"{version:%Y%m%dT%H%MZ}"
    _upsert(
        key=f"booking:{appointment.pk}:{version_text}:{channel}",
        due_at=now,
        kind=ReminderKind.BOOKING,
        **common,
    )
    if change == "cancelled":
        return
    for hours in appointment_reminder_hours(appointment.clinic):
        due_at = appointment.starts_at - timedelta(hours=hours)
        key = f"appointment:{appointment.pk}:{hours}h:{channel}"
        if due_at <= now:
            # Too late for this one; a pending one from the old time must not go out.
            pending.filter(key=key).update(
                status=ReminderStatus.CANCELLED, last_error="Booked too late for this reminder."
            )
            continue
        _upsert(key=key, due_at=due_at, kind=ReminderKind.APPOINTMENT, **common)


def exercise_reminder_days(*, patient: Patient, first: date, days: int) -> list[datetime]:
    """When the patient's home-exercise reminders fall: their local reminder time on each
    prescribed day (wall-clock time, so the same hour across DST changes)."""
    # Imported here: a back-arrow (clinic -> exercises) that leaves with the reminders and
    # scheduling apps of issue 13; listed in the import-linter contract until then.
    from exercises.adherence import schedules_from_versions
    from exercises.models import PrescriptionVersion

    rows = PrescriptionVersion.objects.filter(prescription__patient=patient).values_list(
        "prescription_id",
        "effective_from",
        "times_per_day",
        "days_of_week",
        "prescription__ended_on",
    )
    ended = {row[0]: row[4] for row in rows}
    schedules = schedules_from_versions([row[:4] for row in rows], ended)
    moments = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        if any(schedule.sessions_on(day) for schedule in schedules):
            moments.append(at_local(day, patient.exercise_reminder_time, patient.clinic.zone))
    return moments


PLAN_TASK = "clinic.tasks.reminders_plan"


def _plan_patients(patients: list[Patient], *, now: datetime, days_ahead: int) -> int:
    """Home-exercise and re-test reminders of these patients."""
    # Imported here: a back-arrow (clinic -> exercises) that leaves with the reminders and
    # scheduling apps of issue 13; listed in the import-linter contract until then.
    from exercises.retest import retest_due_dates

    planned = 0
    due_dates = retest_due_dates(patients)
    for patient in patients:
        channel = patient_channel(patient)
        if channel is None:
            continue
        today = patient.clinic.local_today(now)
        common = {"clinic_id": patient.clinic_id, "channel": channel, "patient": patient}
        for moment in exercise_reminder_days(patient=patient, first=today, days=days_ahead):
            if moment <= now:
                continue
            due_at = after_quiet_hours(moment, patient.clinic)
            local_day = patient.clinic.local_date(moment)
            _upsert(
                key=f"exercise:{patient.pk}:{local_day.isoformat()}:{channel}",
                due_at=due_at,
                kind=ReminderKind.EXERCISE,
                **common,
            )
            planned += 1
        due_on = due_dates.get(patient.pk)
        if due_on is not None and due_on <= today + timedelta(days=days_ahead):
            # One reminder per due date (the key), at 10:00 on the day; a patient already
            # overdue when planned (no re-test date on their routine, an old last test) is
            # reminded at the next hour the clinic sends messages, once.
            moment = max(at_local(max(due_on, today), time(10), patient.clinic.zone), now)
            _upsert(
                key=f"retest:{patient.pk}:{due_on.isoformat()}:{channel}",
                due_at=after_quiet_hours(moment, patient.clinic),
                kind=ReminderKind.RETEST,
                **common,
            )
            planned += 1
    return planned


def _plan_digests(clinicians: list[User], *, now: datetime) -> int:
    for person in clinicians:
        today = person.clinic.local_today(now)
        due_at = at_local(today, person.clinic.digest_time, person.clinic.zone)
        if due_at <= now:
            due_at = at_local(
                today + timedelta(days=1), person.clinic.digest_time, person.clinic.zone
            )
        local_day = person.clinic.local_date(due_at)
        _upsert(
            key=f"digest:{person.pk}:{local_day.isoformat()}:email",
            due_at=due_at,
            kind=ReminderKind.DIGEST,
            clinic_id=person.clinic_id,
            channel=ReminderChannel.EMAIL,
            staff=person,
        )
    return len(clinicians)


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
            progress.cursor = {"phase": "digests", "after": 0}
            return 0
        progress.cursor = {"phase": "patients", "after": patients[-1].pk}
        return _plan_patients(patients, now=now, days_ahead=days_ahead)
    clinicians = list(
        User.objects.filter(
            pk__gt=after, is_active=True, role__in=[Role.THERAPIST, Role.CLINIC_ADMIN]
        )
        .exclude(email="")
        .select_related("clinic")
        .order_by("pk")[:size]
    )
    if not clinicians:
        progress.cursor = {}
        progress.completed_at = timezone.now()
        return 0
    progress.cursor = {"phase": "digests", "after": clinicians[-1].pk}
    return _plan_digests(clinicians, now=now)


def reminders_plan(
    *, now: datetime | None = None, days_ahead: int = 2, chunk: int | None = None
) -> int:
    """Plan the reminders that are not tied to a booking: home exercise, re-test, digest.

    One transaction per chunk of patients (then of clinicians), committed with the cursor: a
    run stopped by its time limit loses at most the chunk in hand, and the next run resumes
    after the last committed one instead of starting over (which, with enough patients, would
    never get past the first ones). Re-planning a chunk is harmless: the keys are unique.
    Runs that overlap take turns chunk by chunk on the progress row's lock. Returns how many
    reminders this run planned.
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


# --- Messages ---------------------------------------------------------------------------------


def opt_out_url(patient: Patient) -> str:
    token = signing.dumps(patient.pk, salt=OPT_OUT_SALT)
    return settings.SITE_URL + reverse("reminders-opt-out", args=[token])


def response_url(appointment: Appointment, answer: str) -> str:
    token = signing.dumps([appointment.pk, answer], salt=RESPONSE_SALT)
    return settings.SITE_URL + reverse("appointment-respond", args=[token])


def _why_not(reminder: Reminder, now: datetime) -> str | None:
    """A reason not to send this reminder any more, or None to send it."""
    # Imported here: a back-arrow (clinic -> exercises) that leaves with the reminders and
    # scheduling apps of issue 13; listed in the import-linter contract until then.
    from exercises.models import SessionLog

    patient = reminder.patient
    if patient is not None and (reason := patient_not_reachable(patient)):
        return reason
    if patient is not None and patient_channel(patient) != reminder.channel:
        return "The patient no longer agrees to reminders by this channel."
    if reminder.kind == ReminderKind.APPOINTMENT:
        appointment = reminder.appointment
        if appointment is None or appointment.status != AppointmentStatus.BOOKED:
            return "The appointment is no longer booked."
        if appointment.starts_at <= now:
            return "The appointment has already started."
    if reminder.kind == ReminderKind.EXERCISE:
        day = reminder.key.split(":")[2]
        if SessionLog.objects.filter(patient=patient, session_date=day).exists():
            return "Today's session is already logged."
    if (
        reminder.kind == ReminderKind.RETEST
        and Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.BOOKED, starts_at__gte=now
        ).exists()
    ):
        return "A follow-up is already booked."
    return None


def _message(reminder: Reminder) -> tuple[str, str, str]:
    """Recipient address, subject and text."""
    clinic = reminder.clinic
    if reminder.kind == ReminderKind.DIGEST:
        lines = digest_lines(therapist=reminder.staff)
        text = "\n".join(lines) if lines else "No patient needs your attention today."
        return reminder.staff.email, f"Dorsi: your patients today ({len(lines)} flagged)", text
    patient = reminder.patient
    to = patient.email if reminder.channel == ReminderChannel.EMAIL else patient.phone
    footer = f"\n\nTo stop these reminders: {opt_out_url(patient)}"
    appointment = reminder.appointment
    if reminder.kind in (ReminderKind.APPOINTMENT, ReminderKind.BOOKING) and appointment:
        local = appointment.starts_at.astimezone(clinic.zone)
        when = f"{local:%A %-d %B at %H:%M}"
        if (
            reminder.kind == ReminderKind.BOOKING
            and appointment.status == AppointmentStatus.CANCELLED
        ):
            subject = f"Cancelled: your appointment on {when}"
            text = f"Your appointment at {clinic.name} on {when} is cancelled."
        elif reminder.kind == ReminderKind.BOOKING:
            subject = f"Booked: {when} at {clinic.name}"
            text = f"Your appointment with {appointment.therapist} is on {when}."
        else:
            subject = f"Reminder: {when} at {clinic.name}"
            text = (
                f"Your appointment with {appointment.therapist} is on {when}.\n"
                f"Confirm: {response_url(appointment, 'confirmed')}\n"
                f"Ask to reschedule: {response_url(appointment, 'reschedule')}"
            )
        return to, subject, text + footer
    if reminder.kind == ReminderKind.EXERCISE:
        link = settings.SITE_URL + reverse("patient-home")
        return (
            to,
            "Time for your calf routine",
            (
                f"About ten minutes: your routine is on your page ({link}; open it with your "
                f"personal link)." + footer
            ),
        )
    return (
        to,
        f"Time for your knee-to-wall re-test at {clinic.name}",
        (f"Your re-test is due. Call {clinic.name} to book it." + footer),
    )


# --- Sending locks ----------------------------------------------------------------------------
#
# A row is "sending" from the moment a worker takes it until that worker records the outcome.
# Only when that worker is gone may another settle the row (ask the provider, resend or fail
# it). A timeout cannot tell: a batch of twenty messages at ten seconds each outlives any
# sensible one while its worker is alive and well, and then two workers send the same rows.
# So the worker holds a lock on the row for exactly that span, one the system frees when the
# worker dies and never while it lives, however slow the provider:
# - PostgreSQL: a session-level advisory lock, freed when the worker's database connection
#   ends (the process killed, crashed, or its host gone once TCP keepalive notices). It holds
#   no transaction open while the provider answers.
# - SQLite (the demo): processes sharing the file are on one host, so a byte-range lock on a
#   file beside the database, which the kernel frees when the process exits.
# The reconciler settles only rows whose lock it can take itself.


class _AdvisoryLocks:
    # The first key names Dorsi's reminders, so no other use of advisory locks collides; ids
    # beyond 2**31 share a second key with a smaller id, which can only delay a row, never
    # let two workers have one.
    NAMESPACE = 0x446F7273

    def take(self, reminder_id: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", [self.NAMESPACE, reminder_id % 2**31]
            )
            return bool(cursor.fetchone()[0])

    def release(self, reminder_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, %s)", [self.NAMESPACE, reminder_id % 2**31]
            )


class _FileLocks:
    """Byte N of one file is reminder N (POSIX record locks belong to the process)."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path  # None: beside the database file
        self._file = None
        self._pid = None

    def _fd(self) -> int:
        if self._pid != os.getpid():  # a forked worker process takes locks of its own
            path = self.path or f"{connection.settings_dict['NAME']}.sending-locks"
            self._file = open(path, "a+b")  # noqa: SIM115 - open for the life of the process
            self._pid = os.getpid()
        return self._file.fileno()

    def take(self, reminder_id: int) -> bool:
        try:
            fcntl.lockf(self._fd(), fcntl.LOCK_EX | fcntl.LOCK_NB, 1, reminder_id)
        except OSError:
            return False
        return True

    def release(self, reminder_id: int) -> None:
        fcntl.lockf(self._fd(), fcntl.LOCK_UN, 1, reminder_id)


_LOCKS = {"postgresql": _AdvisoryLocks(), "sqlite": _FileLocks()}


def _locks():
    return _LOCKS[connection.vendor]


def _release(reminder_id: int) -> None:
    # A connection that is gone has taken its locks with it.
    with contextlib.suppress(DatabaseError):
        _locks().release(reminder_id)


# --- Sending ----------------------------------------------------------------------------------


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
    if not _locks().take(reminder_id):
        return False
    taken = Reminder.objects.filter(
        pk=reminder_id, status=ReminderStatus.PENDING, next_attempt_at__lte=now
    ).update(status=ReminderStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not taken:
        _release(reminder_id)
    return bool(taken)


def reminder_send(*, reminder_id: int, now: datetime | None = None) -> str | None:
    """Claim one due reminder, send it and record the outcome. Returns the final status, or
    None when another worker has it or it is no longer due."""
    now = now or timezone.now()
    if not reminder_claim(reminder_id=reminder_id, now=now):
        return None
    try:
        return _send_claimed(reminder_id, now)
    finally:
        _release(reminder_id)


def _send_claimed(reminder_id: int, now: datetime) -> str:
    reminder = (
        Reminder.objects.select_related("clinic", "patient__clinic", "staff", "appointment")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None:
        return "gone"  # deleted with its patient or appointment since it was claimed
    claimed = Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.SENDING)
    reason = _why_not(reminder, now)
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
        to, subject, text = _message(reminder)
        provider_id = channel_for(reminder.channel).send(
            key=reminder.key, to=to, subject=subject, text=text
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
                patient_summaries_refresh(patient_ids=[reminder.patient_id])
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
        if not _locks().take(reminder.pk):
            continue  # its worker is alive and sending it
        try:
            settled += _reconcile_one(reminder, now)
        finally:
            _release(reminder.pk)
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
            counts[status] = counts.get(status, 0) + 1
        if not sent_any:
            break  # nothing due, or other workers hold all of it
    Heartbeat.objects.update_or_create(name="reminder-sweep", defaults={"seen_at": timezone.now()})
    return counts


# --- Patients' answers ------------------------------------------------------------------------


@transaction.atomic
def reminders_opt_out(*, token: str) -> Patient | None:
    try:
        patient_id = signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature:
        return None
    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is None:
        return None
    Patient.objects.filter(pk=patient.pk).update(reminder_consent=False, reminder_consent_at=None)
    Reminder.objects.filter(patient=patient, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, last_error="The patient opted out."
    )
    return patient


@transaction.atomic
def appointment_respond(*, token: str) -> Appointment | None:
    try:
        appointment_id, answer = signing.loads(
            token, salt=RESPONSE_SALT, max_age=timedelta(days=30)
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    appointment = Appointment.objects.filter(
        pk=appointment_id, status=AppointmentStatus.BOOKED
    ).first()
    if appointment is None or answer not in ("confirmed", "reschedule"):
        return None
    Appointment.objects.filter(pk=appointment.pk).update(
        patient_response=answer, responded_at=timezone.now()
    )
    appointment.refresh_from_db()
    return appointment
