"""Scheduling's reminders: the booking confirmation, the appointment reminders (with the
patient's answer link) and the re-test reminder (whose answer is a booking).

Found by the reminders app when Django is ready (reminders/handlers.py), which sends them.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.models import Clinic, Patient
from clinic.times import UTC, at_local, local_datetime_text
from exercises.retest import retest_due_dates
from reminders.handlers import Link, Message, ReminderHandler, reminder_handler
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.planning import (
    patient_channel,
    patient_reminder,
    reminder_upsert,
    reminders_upsert,
)
from scheduling.models import Appointment, AppointmentStatus

RESPONSE_SALT = "dorsi.appointment.response"


def appointment_reminder_hours(clinic: Clinic) -> list[int]:
    """The clinic's "hours before" setting (e.g. "48,2"), read leniently: what is not a whole
    number of hours up to two weeks is left out."""
    hours = []
    for part in clinic.appointment_reminder_hours.split(","):
        part = part.strip()
        if part.isdigit() and 0 < int(part) <= 24 * 14:
            hours.append(int(part))
    return sorted(set(hours), reverse=True)


def reminders_for_appointment(appointment: Appointment, *, change: str) -> None:
    """Plan, re-time or cancel an appointment's reminders; `change` is booked, moved or
    cancelled. Called by the booking services inside their transaction, so a booking and its
    reminders commit or fail together."""
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
        "patient_id": appointment.patient_id,
        "appointment_id": appointment.pk,
    }
    # The confirmation or the change: one message per version of the booking.
    version = "cancelled" if change == "cancelled" else appointment.starts_at.astimezone(UTC)
    version_text = version if isinstance(version, str) else f"{version:%Y%m%dT%H%MZ}"
    reminder_upsert(
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
        reminder_upsert(key=key, due_at=due_at, kind=ReminderKind.APPOINTMENT, **common)


# --- The patient's answer ---------------------------------------------------------------------


def response_url(appointment: Appointment, answer: str) -> str:
    token = signing.dumps([appointment.pk, answer], salt=RESPONSE_SALT)
    return settings.SITE_URL + reverse("appointment-respond", args=[token])


def appointment_response_read(token: str) -> tuple[Appointment, str] | None:
    """The appointment and the answer ("confirmed" or "reschedule") a reminder's link carries,
    without recording anything: what the page says before the patient sends it. None for a bad
    or old token, or an appointment no longer booked."""
    try:
        appointment_id, answer = signing.loads(
            token, salt=RESPONSE_SALT, max_age=timedelta(days=30)
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if answer not in ("confirmed", "reschedule"):
        return None
    appointment = (
        Appointment.objects.select_related("clinic", "therapist")
        .filter(pk=appointment_id, status=AppointmentStatus.BOOKED)
        .first()
    )
    return None if appointment is None else (appointment, answer)


@transaction.atomic
def appointment_respond(*, token: str) -> Appointment | None:
    """Record "confirmed" or "reschedule" from a reminder's link (valid 30 days, only while
    the appointment is booked); None for a bad, old or spent token."""
    read = appointment_response_read(token)
    if read is None:
        return None
    appointment, answer = read
    Appointment.objects.filter(pk=appointment.pk).change(
        significant=False, patient_response=answer, responded_at=timezone.now()
    )
    appointment.refresh_from_db()
    return appointment


# --- Handlers ---------------------------------------------------------------------------------


@reminder_handler
class AppointmentReminders(ReminderHandler):
    """Planned by the booking services (reminders_for_appointment), not by the planner."""

    kinds = (ReminderKind.APPOINTMENT, ReminderKind.BOOKING)

    def why_not(self, reminder: Reminder, now: datetime) -> str | None:
        if reminder.kind != ReminderKind.APPOINTMENT:
            return None  # a confirmation or a change is news whenever it arrives
        appointment = reminder.appointment
        if appointment is None or appointment.status != AppointmentStatus.BOOKED:
            return "The appointment is no longer booked."
        if appointment.starts_at <= now:
            return "The appointment has already started."
        return None

    def message(self, reminder: Reminder) -> Message:
        clinic, appointment = reminder.clinic, reminder.appointment
        when = local_datetime_text(appointment.starts_at, clinic.zone, region=clinic.phone_region)
        short = local_datetime_text(
            appointment.starts_at, clinic.zone, region=clinic.phone_region, short=True
        )
        words = {
            "when": when,
            "short": short,
            "therapist": appointment.therapist,
            "clinic": clinic.name,
        }
        if reminder.kind == ReminderKind.APPOINTMENT:
            return Message(
                _("Reminder: your appointment on %(when)s") % words,
                _(
                    "Your appointment with %(therapist)s at %(clinic)s is on %(when)s. "
                    "Please confirm that you will come, or ask for another time."
                )
                % words,
                links=(
                    Link(
                        _("Confirm the appointment"),
                        response_url(appointment, "confirmed"),
                        _("Confirm"),
                    ),
                    Link(
                        _("Ask for another time"),
                        response_url(appointment, "reschedule"),
                        _("Change"),
                    ),
                ),
                sms=_("appointment %(short)s.") % words,
            )
        if appointment.status == AppointmentStatus.CANCELLED:
            return Message(
                _("Cancelled: your appointment on %(when)s") % words,
                _("Your appointment at %(clinic)s on %(when)s is cancelled.") % words,
                sms=_("your appointment %(short)s is cancelled.") % words,
            )
        return Message(
            _("Booked: your appointment on %(when)s") % words,
            _("Your appointment with %(therapist)s at %(clinic)s is on %(when)s.") % words,
            sms=_("appointment booked for %(short)s with %(therapist)s.") % words,
        )


@reminder_handler
class RetestReminders(ReminderHandler):
    """ "Your re-test is due, call to book it": due by exercises.retest.retest_due_dates, the
    one re-test rule the due-list and the dashboard use too; not sent once a follow-up is
    booked."""

    kinds = (ReminderKind.RETEST,)

    def plan_for_patients(
        self, patients: list[tuple[Patient, str]], *, now: datetime, days_ahead: int
    ) -> int:
        due_dates = retest_due_dates([patient for patient, _channel in patients])
        rows = []
        for patient, channel in patients:
            due_on = due_dates.get(patient.pk)
            today = patient.clinic.local_today(now)
            if due_on is None or due_on > today + timedelta(days=days_ahead):
                continue
            # One reminder per due date (the key), at 10:00 on the day; a patient already
            # overdue when planned (no re-test date on their routine, an old last test) is
            # reminded at the next hour the clinic sends messages, once.
            moment = max(at_local(max(due_on, today), time(10), patient.clinic.zone), now)
            rows.append(
                patient_reminder(
                    patient=patient,
                    channel=channel,
                    kind=ReminderKind.RETEST,
                    slot=due_on.isoformat(),
                    moment=moment,
                )
            )
        return reminders_upsert(rows)

    def why_not(self, reminder: Reminder, now: datetime) -> str | None:
        booked = Appointment.objects.filter(
            patient_id=reminder.patient_id, status=AppointmentStatus.BOOKED, starts_at__gte=now
        )
        return "A follow-up is already booked." if booked.exists() else None

    def why_not_many(self, reminders: list[Reminder], now: datetime) -> dict[int, str]:
        booked = set(
            Appointment.objects.filter(
                patient_id__in={r.patient_id for r in reminders},
                status=AppointmentStatus.BOOKED,
                starts_at__gte=now,
            ).values_list("patient_id", flat=True)
        )
        return {r.pk: "A follow-up is already booked." for r in reminders if r.patient_id in booked}

    def message(self, reminder: Reminder) -> Message:
        clinic = reminder.clinic
        return Message(
            _("Time for your knee-to-wall re-test at %(clinic)s") % {"clinic": clinic.name},
            _("Your knee-to-wall re-test is due. Call %(clinic)s to book it.")
            % {"clinic": clinic.name},
            sms=_("your ankle re-test is due. Please call us to book it."),
        )
