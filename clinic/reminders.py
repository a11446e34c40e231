"""Reminders: planned as outbox rows, sent once by the sweep.

Planning writes rows whose `key` (kind, target, channel, due slot) is unique, so planning twice
changes nothing. Booking, moving and cancelling an appointment plan, re-time or cancel its rows
in the same transaction as the change, so a booking and its reminders commit or fail together.
The sweep, a beat task every minute, claims due rows in small batches with SELECT ... FOR UPDATE
SKIP LOCKED, marks them sending, sends, and marks them sent; a row left "sending" by a worker
that died is reconciled with the provider, never blindly sent again. No Celery ETA is used:
the database holds the schedule.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from clinic.dashboard import digest_lines, patient_summaries_refresh
from clinic.delivery import DeliveryUnknown, channel_for
from clinic.models import (
    Appointment,
    AppointmentStatus,
    Clinic,
    Heartbeat,
    Patient,
    PatientStatus,
    Reminder,
    ReminderChannel,
    ReminderKind,
    ReminderStatus,
    Role,
    User,
)
from clinic.scheduling import UTC, at_local

logger = logging.getLogger(__name__)

OPT_OUT_SALT = "dorsi.reminders.opt-out"
RESPONSE_SALT = "dorsi.appointment.response"


# --- Who gets what ----------------------------------------------------------------------------


def patient_channel(patient: Patient) -> str | None:
    """The channel a patient agreed to, if it can reach them."""
    if not patient.reminder_consent or patient.status != PatientStatus.ACTIVE:
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


@transaction.atomic
def reminders_plan(*, now: datetime | None = None, days_ahead: int = 2) -> int:
    """Plan the reminders that are not tied to a booking: home exercise, re-test, digest."""
    from exercises.models import PrescriptionVersion

    now = now or timezone.now()
    planned = 0
    patients = Patient.objects.filter(
        status=PatientStatus.ACTIVE, reminder_consent=True
    ).select_related("clinic")
    for patient in patients:
        channel = patient_channel(patient)
        if channel is None:
            continue
        today = now.astimezone(patient.clinic.zone).date()
        common = {"clinic_id": patient.clinic_id, "channel": channel, "patient": patient}
        for moment in exercise_reminder_days(patient=patient, first=today, days=days_ahead):
            if moment <= now:
                continue
            due_at = after_quiet_hours(moment, patient.clinic)
            local_day = moment.astimezone(patient.clinic.zone).date()
            _upsert(
                key=f"exercise:{patient.pk}:{local_day.isoformat()}:{channel}",
                due_at=due_at,
                kind=ReminderKind.EXERCISE,
                **common,
            )
            planned += 1
        retest = (
            PrescriptionVersion.objects.filter(
                prescription__patient=patient,
                is_current=True,
                prescription__ended_on__isnull=True,
                retest_on__gte=today,
                retest_on__lte=today + timedelta(days=days_ahead),
            )
            .order_by("retest_on")
            .values_list("retest_on", flat=True)
            .first()
        )
        if retest is not None:
            due_at = at_local(retest, time(10), patient.clinic.zone)
            if due_at > now:
                _upsert(
                    key=f"retest:{patient.pk}:{retest.isoformat()}:{channel}",
                    due_at=due_at,
                    kind=ReminderKind.RETEST,
                    **common,
                )
                planned += 1
    clinicians = (
        User.objects.filter(is_active=True, role__in=[Role.THERAPIST, Role.CLINIC_ADMIN])
        .exclude(email="")
        .select_related("clinic")
    )
    for person in clinicians:
        today = now.astimezone(person.clinic.zone).date()
        due_at = at_local(today, person.clinic.digest_time, person.clinic.zone)
        if due_at <= now:
            due_at = at_local(
                today + timedelta(days=1), person.clinic.digest_time, person.clinic.zone
            )
        local_day = due_at.astimezone(person.clinic.zone).date()
        _upsert(
            key=f"digest:{person.pk}:{local_day.isoformat()}:email",
            due_at=due_at,
            kind=ReminderKind.DIGEST,
            clinic_id=person.clinic_id,
            channel=ReminderChannel.EMAIL,
            staff=person,
        )
        planned += 1
    return planned


# --- Sending ----------------------------------------------------------------------------------


def opt_out_url(patient: Patient) -> str:
    token = signing.dumps(patient.pk, salt=OPT_OUT_SALT)
    return settings.SITE_URL + reverse("reminders-opt-out", args=[token])


def response_url(appointment: Appointment, answer: str) -> str:
    token = signing.dumps([appointment.pk, answer], salt=RESPONSE_SALT)
    return settings.SITE_URL + reverse("appointment-respond", args=[token])


def _why_not(reminder: Reminder, now: datetime) -> str | None:
    """A reason not to send this reminder any more, or None to send it."""
    from exercises.models import SessionLog

    patient = reminder.patient
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


def reminders_claim(*, now: datetime, batch: int) -> list[int]:
    """Take up to `batch` due rows for this worker; rows other workers hold are skipped."""
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=ReminderStatus.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:batch]
        )
        Reminder.objects.filter(id__in=ids).update(
            status=ReminderStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return ids


def reminder_send(*, reminder_id: int, now: datetime | None = None) -> str:
    """Send one claimed reminder and record the outcome. Returns the final status."""
    now = now or timezone.now()
    reminder = (
        Reminder.objects.select_related("clinic", "patient__clinic", "staff", "appointment")
        .filter(pk=reminder_id, status=ReminderStatus.SENDING)
        .first()
    )
    if reminder is None:
        return "gone"  # someone else finished it
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
    """Settle rows left 'sending' by a worker that died: ask the provider what happened."""
    stale = Reminder.objects.filter(
        status=ReminderStatus.SENDING, claimed_at__lt=now - settings.REMINDER_SENDING_TIMEOUT
    )
    settled = 0
    for reminder in stale:
        row = Reminder.objects.filter(
            pk=reminder.pk, status=ReminderStatus.SENDING, claimed_at=reminder.claimed_at
        )
        try:
            provider_id = channel_for(reminder.channel).lookup(reminder.key)
        except DeliveryUnknown as exc:
            settled += row.update(
                status=ReminderStatus.FAILED,
                last_error=f"Interrupted while sending; not resent in case it arrived ({exc})",
            )
            continue
        if provider_id:
            settled += row.update(
                status=ReminderStatus.SENT, sent_at=now, provider_id=provider_id[:200]
            )
        else:
            settled += row.update(status=ReminderStatus.PENDING, next_attempt_at=now)
    return settled


def reminders_sweep(*, max_seconds: float = 50, batch: int | None = None) -> dict[str, int]:
    """One sweep: reconcile, then claim and send due rows in batches until none are left."""
    started = timezone.now()
    counts = {"reconciled": reminders_reconcile(now=started)}
    batch = batch or settings.REMINDER_BATCH
    while (timezone.now() - started).total_seconds() < max_seconds:
        ids = reminders_claim(now=timezone.now(), batch=batch)
        if not ids:
            break
        for reminder_id in ids:
            status = reminder_send(reminder_id=reminder_id)
            counts[status] = counts.get(status, 0) + 1
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
