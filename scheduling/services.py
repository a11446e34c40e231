"""Writes of scheduling: booking (never double: the database's exclusion constraints are the
last word), moving, cancelling, marking, the waitlist, calendar feeds, working hours."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, models, transaction
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.changes import patient_data_changed
from clinic.models import (
    Clinic,
    Patient,
    User,
)
from clinic.times import UTC, local_datetime_text
from scheduling.models import (
    APPOINTMENT_MAX_LENGTH,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AppointmentType,
    CalendarFeed,
    TimeOff,
    WaitlistEntry,
    WorkingHours,
)
from scheduling.reminders import reminders_for_appointment
from scheduling.selectors import appointments_outside_hours, future_appointments
from scheduling.times import series_starts, within_weekly_hours

DEFAULT_APPOINTMENT_TYPES = {
    AppointmentKind.INITIAL: ("Initial assessment", 60),
    AppointmentKind.FOLLOW_UP: ("Follow-up", 30),
    AppointmentKind.RETEST: ("Knee-to-wall re-test", 30),
}


class AppointmentConflict(ValidationError):
    """The time is taken: by the therapist's or the patient's other appointment."""

    def __init__(self, conflicting: Appointment, field: str) -> None:
        self.conflicting = conflicting
        self.field = field
        when = local_datetime_text(conflicting.starts_at, conflicting.clinic.zone)
        if field == "therapist":
            text = _(
                "The therapist already has an appointment then (%(when)s, appointment %(id)s)."
            )
        else:
            text = _("The patient already has an appointment then (%(when)s, appointment %(id)s).")
        super().__init__(
            {field: [text % {"when": when, "id": conflicting.pk}]},
            code="conflict",
        )


def _in_utc(moment):
    """Aware times in UTC, so that adding a duration adds elapsed time, not wall time."""
    if isinstance(moment, datetime) and not timezone.is_naive(moment):
        return moment.astimezone(UTC)
    return moment


def appointment_types_ensure(*, clinic: Clinic) -> list[AppointmentType]:
    """The clinic's appointment types, created with the defaults the first time."""
    types = list(AppointmentType.objects.filter(clinic=clinic))
    if len(types) >= len(DEFAULT_APPOINTMENT_TYPES):
        return types
    for kind, (name, minutes) in DEFAULT_APPOINTMENT_TYPES.items():
        AppointmentType.objects.get_or_create(
            clinic=clinic, kind=kind, defaults={"name": name, "default_minutes": minutes}
        )
    return list(AppointmentType.objects.filter(clinic=clinic))


def _within_working_hours(therapist: User, starts_at, ends_at) -> bool:
    zone = therapist.clinic.zone
    weekday = starts_at.astimezone(zone).weekday()
    hours = WorkingHours.objects.filter(therapist=therapist, weekday=weekday)
    return within_weekly_hours(
        starts_at,
        ends_at,
        hours=[(row.weekday, row.starts, row.ends) for row in hours],
        zone=zone,
    )


def _conflict(*, therapist: User, patient: Patient, starts_at, ends_at, exclude_id=None):
    taken = Appointment.objects.active().overlapping(starts_at, ends_at).select_related("clinic")
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    clash = taken.filter(therapist=therapist).first()
    if clash is not None:
        return AppointmentConflict(clash, "therapist")
    clash = taken.filter(patient=patient).first()
    if clash is not None:
        return AppointmentConflict(clash, "patient")
    return None


def _check_slot(
    *, clinic: Clinic, patient: Patient, therapist: User, starts_at, ends_at, exclude_id=None
) -> None:
    errors: dict[str, list[str]] = {}
    if patient.clinic_id != clinic.pk:
        errors["patient"] = [_("Choose a patient of this clinic.")]
    elif not patient.is_active:
        errors["patient"] = [_("This patient is discharged.")]
    if not therapist.is_active_clinician_of(clinic.pk):
        errors["therapist"] = [_("Choose an active therapist of this clinic.")]
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        errors["starts_at"] = [_("Give the start with its time zone.")]
    elif not isinstance(ends_at, datetime) or timezone.is_naive(ends_at):
        errors["ends_at"] = [_("Give the end with its time zone.")]
    elif ends_at <= starts_at:
        errors["ends_at"] = [_("The end must come after the start.")]
    elif starts_at < timezone.now():
        errors["starts_at"] = [_("This time is in the past.")]
    elif ends_at - starts_at > APPOINTMENT_MAX_LENGTH:
        errors["ends_at"] = [_("An appointment lasts at most 8 hours.")]
    if errors:
        raise ValidationError(errors)
    if not _within_working_hours(therapist, starts_at, ends_at):
        raise ValidationError({"starts_at": [_("This is outside the therapist's working hours.")]})
    off = TimeOff.objects.filter(
        therapist=therapist, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).first()
    if off is not None:
        raise ValidationError(
            {
                "starts_at": [
                    _("The therapist is off then (%(reason)s).") % {"reason": off.reason}
                    if off.reason
                    else _("The therapist is off then.")
                ]
            }
        )
    conflict = _conflict(
        therapist=therapist,
        patient=patient,
        starts_at=starts_at,
        ends_at=ends_at,
        exclude_id=exclude_id,
    )
    if conflict is not None:
        raise conflict


def _is_deadlock(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == "40P01"


def _save_or_conflict(
    appointment: Appointment, *, write: Callable[[], object] | None = None, attempts: int = 3
) -> Appointment:
    """Save (or run `write`, an update of the appointment's row that leaves `appointment` as
    it will be), turning the database's exclusion constraint into a conflict the caller can show.

    The check before the save gives the friendly message; this catches the race in which two
    bookings pass that check at once. Two such bookings can also deadlock while PostgreSQL
    checks both exclusion constraints; the loser rolls back to its savepoint and tries again,
    and by then the winner's row makes it a plain conflict.
    """
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                if write is None:
                    appointment.save()
                else:
                    write()
            return appointment
        except (IntegrityError, OperationalError) as error:
            if isinstance(error, OperationalError) and not _is_deadlock(error):
                raise
            conflict = _conflict(
                therapist=appointment.therapist,
                patient=appointment.patient,
                starts_at=appointment.starts_at,
                ends_at=appointment.ends_at,
                exclude_id=appointment.pk,
            )
            if conflict is not None:
                raise conflict from None
            if isinstance(error, IntegrityError) or attempt == attempts - 1:
                raise
    return appointment


def patient_appointments_refresh(
    *, patient_ids: Iterable[int] | None = None, clinic_id: int | None = None
) -> int:
    """Recompute what the patients' rows keep of their appointments (`booked_until`,
    `completed_visits`) from the appointments themselves, for these patients or a whole
    clinic's: one statement. Every service that writes an appointment calls it; so does
    anything that writes appointments around the services (bench_data, the demo's seed).
    Returns how many patients it updated."""
    if (patient_ids is None) == (clinic_id is None):
        raise ValueError("Name the patients or the clinic.")
    # A plain QuerySet: derived state, not a change anyone made to the patient (the
    # appointment's own write is what the audit trail records), and `updated_at` stays.
    patients = models.QuerySet(Patient)
    if patient_ids is not None:
        patients = patients.filter(pk__in=list(patient_ids))
    else:
        patients = patients.filter(clinic_id=clinic_id)
    mine = Appointment.objects.filter(patient_id=OuterRef("pk")).order_by().values("patient_id")
    return patients.update(
        booked_until=Subquery(
            mine.filter(status=AppointmentStatus.BOOKED)
            .annotate(latest=Max("starts_at"))
            .values("latest")
        ),
        completed_visits=Coalesce(
            Subquery(
                mine.filter(status=AppointmentStatus.COMPLETED)
                .annotate(visits=Count("pk"))
                .values("visits")
            ),
            0,
        ),
    )


def _patient_appointments_changed(patient_id: int) -> None:
    patient_appointments_refresh(patient_ids=[patient_id])
    patient_data_changed(patient_id)


@transaction.atomic
def appointment_book(
    *,
    patient: Patient,
    therapist: User,
    appointment_type: AppointmentType,
    starts_at: datetime,
    booked_by: User,
    ends_at: datetime | None = None,
    note: str = "",
    series=None,
) -> Appointment:
    clinic = booked_by.clinic
    starts_at, ends_at = _in_utc(starts_at), _in_utc(ends_at)
    if appointment_type.clinic_id != clinic.pk:
        raise ValidationError(
            {"appointment_type": [_("Choose an appointment type of this clinic.")]}
        )
    if ends_at is None and isinstance(starts_at, datetime):
        ends_at = starts_at + timedelta(minutes=appointment_type.default_minutes)
    _check_slot(
        clinic=clinic, patient=patient, therapist=therapist, starts_at=starts_at, ends_at=ends_at
    )
    appointment = Appointment(
        clinic=clinic,
        patient=patient,
        therapist=therapist,
        appointment_type=appointment_type,
        starts_at=starts_at,
        ends_at=ends_at,
        note=(note or "").strip()[:500],
        booked_by=booked_by,
        series=series,
    )
    _save_or_conflict(appointment)
    reminders_for_appointment(appointment, change="booked")
    _patient_appointments_changed(patient.pk)
    return appointment


@transaction.atomic
def appointment_series_book(
    *,
    patient: Patient,
    therapist: User,
    appointment_type: AppointmentType,
    first_starts_at: datetime,
    count: int,
    every_days: int,
    booked_by: User,
    note: str = "",
) -> list[Appointment]:
    """Book a series at the same local wall time; all of it or none of it."""
    if not 1 <= count <= 26:
        raise ValidationError({"count": [_("Book from 1 to 26 appointments at once.")]})
    if not 1 <= every_days <= 28:
        raise ValidationError({"every_days": [_("Repeat every 1 to 28 days.")]})
    series = uuid.uuid4()
    return [
        appointment_book(
            patient=patient,
            therapist=therapist,
            appointment_type=appointment_type,
            starts_at=starts_at,
            booked_by=booked_by,
            note=note,
            series=series,
        )
        for starts_at in series_starts(
            first_starts_at, count=count, every_days=every_days, zone=booked_by.clinic.zone
        )
    ]


@transaction.atomic
def appointment_reschedule(
    *, appointment: Appointment, starts_at: datetime, by: User, ends_at: datetime | None = None
) -> Appointment:
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "therapist__clinic", "clinic", "appointment_type")
        .get(pk=appointment.pk)
    )
    if locked.status != AppointmentStatus.BOOKED:
        raise ValidationError({"status": [_("Only a booked appointment can be moved.")]})
    starts_at, ends_at = _in_utc(starts_at), _in_utc(ends_at)
    if ends_at is None and isinstance(starts_at, datetime):
        ends_at = starts_at + (locked.ends_at - locked.starts_at)
    _check_slot(
        clinic=locked.clinic,
        patient=locked.patient,
        therapist=locked.therapist,
        starts_at=starts_at,
        ends_at=ends_at,
        exclude_id=locked.pk,
    )
    locked.starts_at, locked.ends_at = starts_at, ends_at
    _save_or_conflict(
        locked,
        write=lambda: Appointment.objects.filter(pk=locked.pk).change(
            significant=True, starts_at=starts_at, ends_at=ends_at
        ),
    )
    locked.refresh_from_db(fields=["sequence", "updated_at"])
    reminders_for_appointment(locked, change="moved")
    _patient_appointments_changed(locked.patient_id)
    return locked


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, by: User | None) -> Appointment:
    updated = Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED).change(
        significant=True,
        status=AppointmentStatus.CANCELLED,
        cancelled_at=timezone.now(),
        cancelled_by=by,
    )
    if not updated:
        raise ValidationError({"status": [_("Only a booked appointment can be cancelled.")]})
    cancelled = Appointment.objects.select_related("clinic", "patient", "therapist").get(
        pk=appointment.pk
    )
    reminders_for_appointment(cancelled, change="cancelled")
    _patient_appointments_changed(appointment.patient_id)
    return cancelled


@transaction.atomic
def appointment_mark(*, appointment: Appointment, status: str) -> Appointment:
    """Record the outcome: completed or no-show, once the appointment has started."""
    if status not in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
        raise ValidationError({"status": [_("Mark an appointment completed or a no-show.")]})
    if appointment.starts_at > timezone.now():
        raise ValidationError({"status": [_("This appointment has not started yet.")]})
    # Not significant for calendars: a held appointment stays in the feeds as it was.
    updated = Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED).change(
        significant=False, status=status
    )
    if not updated:
        raise ValidationError({"status": [_("Only a booked appointment can be marked.")]})
    appointment.refresh_from_db()
    _patient_appointments_changed(appointment.patient_id)
    return appointment


@transaction.atomic
def waitlist_add(
    *,
    patient: Patient,
    appointment_type: AppointmentType,
    added_by: User,
    therapist: User | None = None,
    note: str = "",
) -> WaitlistEntry:
    if therapist is not None and therapist.clinic_id != patient.clinic_id:
        raise ValidationError({"therapist": [_("Choose a therapist of this clinic.")]})
    if patient.clinic_id != added_by.clinic_id:
        raise ValidationError({"patient": [_("Choose a patient of this clinic.")]})
    return WaitlistEntry.objects.create(
        clinic=patient.clinic,
        patient=patient,
        therapist=therapist,
        appointment_type=appointment_type,
        note=(note or "").strip()[:300],
        created_by=added_by,
    )


@transaction.atomic
def waitlist_book(
    *, entry: WaitlistEntry, therapist: User, starts_at: datetime, booked_by: User
) -> Appointment:
    """Give a freed slot to a waiting patient; the entry is then closed."""
    locked = (
        WaitlistEntry.objects.select_for_update()
        .select_related("patient", "appointment_type")
        .get(pk=entry.pk)
    )
    if locked.booked_id or locked.removed_at:
        raise ValidationError({"waitlist": [_("This patient is no longer waiting.")]})
    appointment = appointment_book(
        patient=locked.patient,
        therapist=therapist,
        appointment_type=locked.appointment_type,
        starts_at=starts_at,
        booked_by=booked_by,
        note="Booked from the waitlist",
    )
    locked.booked = appointment
    locked.save(update_fields=["booked"])
    return appointment


@transaction.atomic
def waitlist_remove(*, entry: WaitlistEntry) -> None:
    WaitlistEntry.objects.filter(pk=entry.pk, removed_at__isnull=True).update(
        removed_at=timezone.now()
    )


# --- Calendar feeds ---------------------------------------------------------------------------

CALENDAR_FEED_SALT = "dorsi.calendar-feed"


def calendar_feed_token(feed: CalendarFeed) -> str:
    return signing.dumps(str(feed.pk), salt=CALENDAR_FEED_SALT, compress=False)


def calendar_feed_url(feed: CalendarFeed) -> str:
    return settings.SITE_URL + reverse("calendar-feed", args=[calendar_feed_token(feed)])


@transaction.atomic
def calendar_feed_issue(
    *, created_by: User, therapist: User | None = None, patient: Patient | None = None
) -> CalendarFeed:
    owner_clinic = therapist.clinic_id if therapist else patient.clinic_id
    if owner_clinic != created_by.clinic_id:
        raise ValidationError({"owner": [_("Choose a therapist or patient of this clinic.")]})
    CalendarFeed.objects.filter(
        therapist=therapist, patient=patient, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())  # one live address per owner
    return CalendarFeed.objects.create(
        clinic_id=owner_clinic, therapist=therapist, patient=patient, created_by=created_by
    )


@transaction.atomic
def calendar_feed_revoke(*, feed: CalendarFeed) -> None:
    CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def calendar_feed_resolve(token: str) -> CalendarFeed | None:
    try:
        feed_id = signing.loads(token, salt=CALENDAR_FEED_SALT)
    except signing.BadSignature:
        return None
    return (
        CalendarFeed.objects.filter(pk=feed_id, revoked_at__isnull=True)
        .select_related("clinic", "therapist", "patient")
        .first()
    )


@transaction.atomic
def working_hours_set(*, therapist: User, week: dict[int, tuple[str, str]]) -> list[Appointment]:
    """Replace the weekly hours: one interval per weekday, both empty for a day off. Returns
    the booked appointments still to come that the new hours leave outside them: they stay
    booked (the patients expect them), for the front desk to move or keep."""
    errors: list[str] = []
    rows = []
    names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    for day, (starts, ends) in sorted(week.items()):
        if not starts and not ends:
            continue
        try:
            start_time, end_time = time.fromisoformat(starts), time.fromisoformat(ends)
        except ValueError:
            errors.append(f"{names[day]}: enter both times as HH:MM.")
            continue
        if end_time <= start_time:
            errors.append(f"{names[day]}: the end must come after the start.")
            continue
        rows.append(
            WorkingHours(therapist=therapist, weekday=day, starts=start_time, ends=end_time)
        )
    if errors:
        raise ValidationError({"working_hours": errors})
    WorkingHours.objects.filter(therapist=therapist).delete()
    WorkingHours.objects.bulk_create(rows)
    return appointments_outside_hours(therapist=therapist)


@transaction.atomic
def time_off_add(*, therapist: User, starts_at, ends_at, reason: str = "") -> TimeOff:
    if not isinstance(starts_at, datetime):
        raise ValidationError({"starts_at": [_("Enter when the time off starts.")]})
    if not isinstance(ends_at, datetime) or ends_at <= starts_at:
        raise ValidationError({"ends_at": [_("The end must come after the start.")]})
    return TimeOff.objects.create(
        therapist=therapist, starts_at=starts_at, ends_at=ends_at, reason=(reason or "")[:200]
    )


@transaction.atomic
def time_off_remove(*, therapist: User, time_off_id) -> None:
    TimeOff.objects.filter(therapist=therapist, pk=time_off_id).delete()


@transaction.atomic
def future_appointments_cancel(*, patient_id: int, by: User | None) -> int:
    """Cancel the patient's booked appointments still to come, each the way the front desk
    would (its reminders cancelled, the slot freed); returns how many. Locked first, so an
    appointment the front desk cancels at the same moment is skipped, not an error."""
    appointments = list(
        future_appointments(patient_id=patient_id).select_for_update().order_by("starts_at")
    )
    for appointment in appointments:
        appointment_cancel(appointment=appointment, by=by)
    return len(appointments)


def patient_calendar_feeds_revoke(*, patient_id: int, now: datetime | None = None) -> None:
    """The patient's calendar address stops working, for good."""
    CalendarFeed.objects.filter(patient_id=patient_id, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )


def scheduling_on_discharge(
    *, patient_id: int, by: User | None, now: datetime, cancel_future_appointments: bool
) -> None:
    """A discharge (clinic.services.patient_discharge, in its transaction): the calendar address
    is revoked; the future appointments are cancelled when the clinic asked for it, otherwise
    they stay booked (and no reminder goes to a discharged patient)."""
    patient_calendar_feeds_revoke(patient_id=patient_id, now=now)
    if cancel_future_appointments:
        future_appointments_cancel(patient_id=patient_id, by=by)
