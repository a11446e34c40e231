"""Writes of the clinic core: patients and their sign-in links.

Services are keyword-only, validate everything before writing, and run in one transaction, so
bad input raises ValidationError naming the field and nothing is half-saved.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import phonenumbers
from celery import current_app as current_celery_app
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone

from clinic.changes import patient_data_changed
from clinic.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AppointmentType,
    CalendarFeed,
    Clinic,
    Heartbeat,
    Patient,
    PatientAccessLink,
    PatientStatus,
    ReminderChannel,
    Side,
    TimeOff,
    User,
    WaitlistEntry,
    WorkingHours,
)
from clinic.reminders import reminders_for_appointment
from clinic.scheduling import UTC, at_local, series_starts
from clinic.selectors import clinic_therapist, future_appointments

PATIENT_LINK_SALT = "dorsi.patient-link"
OLDEST_BIRTH_YEAR = 1900

# The fields a patient_update may change; clinical ones need the CHANGE_CLINICAL permission,
# which the caller checks through clinic.access.
PATIENT_CONTACT_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "date_of_birth",
        "email",
        "phone",
        "reminder_channel",
        "reminder_consent",
        "exercise_reminder_time",
        "primary_therapist",
    }
)
PATIENT_CLINICAL_FIELDS = frozenset({"symptomatic_side"})

PATIENT_LINK_EMAIL_TASK = "clinic.tasks.patient_link_email"


def phone_normalize(raw: str, *, region: str) -> str:
    """The number in E.164 form, or a ValidationError saying why it is not a phone number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            {"phone": "Enter a phone number, e.g. +1 555 123 4567."}, code="invalid"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            {"phone": f"{raw!r} is not a valid phone number for region {region}."}, code="invalid"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _therapist_in_clinic(clinic: Clinic, therapist: User | int | None) -> User | None:
    if therapist in (None, ""):
        return None
    found = clinic_therapist(clinic_id=clinic.pk, therapist_id=therapist)
    if found is None:
        raise ValidationError(
            {"primary_therapist": "Choose an active therapist of this clinic."}, code="invalid"
        )
    return found


def _patient_validate(patient: Patient) -> None:
    errors: dict[str, list[str]] = {}
    try:
        patient.full_clean(exclude=["clinic", "primary_therapist", "created_by"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for field in ("first_name", "last_name"):
        if not getattr(patient, field, "").strip() and field not in errors:
            errors[field] = ["This field is required."]
    born = patient.date_of_birth
    if isinstance(born, date) and "date_of_birth" not in errors:
        today = patient.clinic.local_today()
        if born > today:
            errors["date_of_birth"] = ["The date of birth cannot be in the future."]
        elif born.year < OLDEST_BIRTH_YEAR:
            errors["date_of_birth"] = [f"The date of birth cannot be before {OLDEST_BIRTH_YEAR}."]
    wants = patient.reminder_channel if patient.reminder_consent else ReminderChannel.NONE
    if wants == ReminderChannel.EMAIL and not patient.email and "email" not in errors:
        errors["email"] = ["Email reminders need an email address."]
    if wants == ReminderChannel.SMS and not patient.phone and "phone" not in errors:
        errors["phone"] = ["Text-message reminders need a phone number."]
    if errors:
        raise ValidationError(errors)


def _apply_patient_fields(patient: Patient, fields: dict[str, Any]) -> None:
    errors: dict[str, Any] = {}
    for name, value in fields.items():
        try:
            if name == "primary_therapist":
                patient.primary_therapist = _therapist_in_clinic(patient.clinic, value)
            elif name == "phone":
                patient.phone = phone_normalize(value, region=patient.clinic.phone_region)
            elif name in {"first_name", "last_name", "email"}:
                setattr(patient, name, (value or "").strip())
            elif name == "exercise_reminder_time":
                if value is not None:  # empty keeps the time the patient has
                    patient.exercise_reminder_time = value
            elif name == "reminder_consent":
                consent = bool(value)
                if consent and not patient.reminder_consent:
                    patient.reminder_consent_at = timezone.now()
                elif not consent:
                    patient.reminder_consent_at = None
                patient.reminder_consent = consent
            else:
                setattr(patient, name, value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def patient_create(
    *,
    clinic: Clinic,
    created_by: User | None,
    first_name: str,
    last_name: str,
    date_of_birth: date | None,
    email: str = "",
    phone: str = "",
    reminder_channel: str = ReminderChannel.EMAIL,
    reminder_consent: bool = False,
    primary_therapist: User | int | None = None,
    symptomatic_side: str = Side.NONE,
    exercise_reminder_time: time | None = None,
) -> Patient:
    patient = Patient(clinic=clinic, created_by=created_by)
    if exercise_reminder_time is not None:
        patient.exercise_reminder_time = exercise_reminder_time
    errors: dict[str, list[str]] = {}
    try:
        _apply_patient_fields(
            patient,
            {
                "first_name": first_name,
                "last_name": last_name,
                "date_of_birth": date_of_birth,
                "email": email,
                "phone": phone,
                "reminder_channel": reminder_channel,
                "reminder_consent": reminder_consent,
                "primary_therapist": primary_therapist,
                "symptomatic_side": symptomatic_side,
            },
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        _patient_validate(patient)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    patient.save()
    patient_data_changed(patient.pk)
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, **fields: Any) -> Patient:
    unknown = set(fields) - PATIENT_CONTACT_FIELDS - PATIENT_CLINICAL_FIELDS
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in sorted(unknown)})
    # Work on a locked fresh copy so that a failed validation leaves the caller's object and
    # the row untouched.
    locked = Patient.objects.select_for_update().select_related("clinic").get(pk=patient.pk)
    errors: dict[str, list[str]] = {}
    try:
        _apply_patient_fields(locked, fields)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        _patient_validate(locked)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    locked.save()
    patient_data_changed(locked.pk)
    return locked


@transaction.atomic
def patient_discharge(
    *, patient: Patient, by: User | None = None, cancel_future_appointments: bool = False
) -> Patient:
    """Discharge the patient: their records stay; their personal links and calendar address
    are revoked for good (a re-activation needs a new link), and their future appointments
    are cancelled too when the clinic says so, all in one transaction."""
    now = timezone.now()
    updated = Patient.objects.filter(pk=patient.pk, status=PatientStatus.ACTIVE).update(
        status=PatientStatus.DISCHARGED, discharged_at=now, updated_at=now
    )
    if not updated:
        raise ValidationError({"status": "This patient is already discharged."})
    patient_access_revoke(patient_id=patient.pk, by=by, now=now)
    if cancel_future_appointments:
        future_appointments_cancel(patient_id=patient.pk, by=by)
    patient_data_changed(patient.pk)
    return Patient.objects.select_related("clinic", "primary_therapist").get(pk=patient.pk)


def patient_access_revoke(*, patient_id: int, by: User | None, now: datetime) -> None:
    """Nothing the patient was given opens their record any more: personal links and the
    calendar address. Revoked, not merely inactive, so that nothing brings them back."""
    PatientAccessLink.objects.filter(patient_id=patient_id, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=by
    )
    CalendarFeed.objects.filter(patient_id=patient_id, revoked_at__isnull=True).update(
        revoked_at=now
    )


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


@transaction.atomic
def patient_reactivate(*, patient: Patient) -> Patient:
    if Patient.objects.filter(pk=patient.pk, anonymised_at__isnull=False).exists():
        # Their identity is gone for good; coming back means registering again.
        raise ValidationError({"status": "An anonymised patient cannot be re-activated."})
    updated = Patient.objects.filter(pk=patient.pk, status=PatientStatus.DISCHARGED).update(
        status=PatientStatus.ACTIVE, discharged_at=None, updated_at=timezone.now()
    )
    if not updated:
        raise ValidationError({"status": "This patient is already active."})
    patient_data_changed(patient.pk)
    return Patient.objects.select_related("clinic", "primary_therapist").get(pk=patient.pk)


# --- Personal links ---------------------------------------------------------------------------


def patient_link_token(link: PatientAccessLink) -> str:
    return signing.dumps(str(link.pk), salt=PATIENT_LINK_SALT, compress=False)


def patient_link_url(link: PatientAccessLink) -> str:
    return settings.SITE_URL + reverse("patient-link-open", args=[patient_link_token(link)])


@transaction.atomic
def patient_link_issue(
    *, patient: Patient, issued_by: User, email_to_patient: bool = False
) -> PatientAccessLink:
    # Re-read under a lock: a discharge committed since the caller loaded the patient wins.
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if not patient.is_active:
        raise ValidationError({"patient": "A discharged patient cannot be given a link."})
    if email_to_patient and not patient.email:
        raise ValidationError({"email": "This patient has no email address to send the link to."})
    now = timezone.now()
    link = PatientAccessLink.objects.create(
        patient=patient,
        created_by=issued_by,
        created_at=now,
        expires_at=now + settings.PATIENT_LINK_MAX_AGE,
    )
    if email_to_patient:
        # By the task's name: the task module calls these services, so they do not import it.
        transaction.on_commit(
            lambda: current_celery_app.send_task(
                PATIENT_LINK_EMAIL_TASK, kwargs={"link_id": str(link.pk)}
            )
        )
    return link


@transaction.atomic
def patient_link_revoke(*, link: PatientAccessLink, revoked_by: User) -> PatientAccessLink:
    PatientAccessLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=revoked_by
    )
    link.refresh_from_db()
    return link


def patient_link_resolve(token: str) -> PatientAccessLink | None:
    """The usable link a token stands for, or None for a forged, expired or revoked one."""
    try:
        link_id = signing.loads(
            token, salt=PATIENT_LINK_SALT, max_age=settings.PATIENT_LINK_MAX_AGE
        )
    except signing.BadSignature:
        return None
    link = (
        PatientAccessLink.objects.usable()
        .select_related("patient__clinic")
        .filter(pk=link_id)
        .first()
    )
    return link


def patient_link_mark_opened(*, link: PatientAccessLink) -> None:
    PatientAccessLink.objects.filter(pk=link.pk).update(last_opened_at=timezone.now())


# --- Heartbeat --------------------------------------------------------------------------------


def heartbeat_record(*, name: str, hostname: str = "") -> Heartbeat:
    heartbeat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"seen_at": timezone.now(), "hostname": hostname[:200]}
    )
    return heartbeat


def patient_link_session_expiry(link: PatientAccessLink) -> timedelta:
    """How long a patient stays signed in after opening a link: a week, or less if it expires."""
    return min(link.expires_at - timezone.now(), timedelta(days=7))


# --- Scheduling -------------------------------------------------------------------------------

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
        who = "The therapist" if field == "therapist" else "The patient"
        local = conflicting.starts_at.astimezone(conflicting.clinic.zone)
        super().__init__(
            {
                field: [
                    f"{who} already has an appointment then "
                    f"({local:%a %d %b %H:%M}, appointment {conflicting.pk})."
                ]
            },
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
    local_start = starts_at.astimezone(zone)
    for hours in WorkingHours.objects.filter(therapist=therapist, weekday=local_start.weekday()):
        day = local_start.date()
        window = (at_local(day, hours.starts, zone), at_local(day, hours.ends, zone))
        if window[0] <= starts_at and ends_at <= window[1]:
            return True
    return False


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
        errors["patient"] = ["Choose a patient of this clinic."]
    elif not patient.is_active:
        errors["patient"] = ["This patient is discharged."]
    if not therapist.is_active_clinician_of(clinic.pk):
        errors["therapist"] = ["Choose an active therapist of this clinic."]
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        errors["starts_at"] = ["Give the start with its time zone."]
    elif not isinstance(ends_at, datetime) or timezone.is_naive(ends_at):
        errors["ends_at"] = ["Give the end with its time zone."]
    elif ends_at <= starts_at:
        errors["ends_at"] = ["The end must come after the start."]
    elif starts_at < timezone.now():
        errors["starts_at"] = ["This time is in the past."]
    elif ends_at - starts_at > timedelta(hours=8):
        errors["ends_at"] = ["An appointment lasts at most 8 hours."]
    if errors:
        raise ValidationError(errors)
    if not _within_working_hours(therapist, starts_at, ends_at):
        raise ValidationError({"starts_at": ["This is outside the therapist's working hours."]})
    off = TimeOff.objects.filter(
        therapist=therapist, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).first()
    if off is not None:
        raise ValidationError(
            {"starts_at": [f"The therapist is off then{f' ({off.reason})' if off.reason else ''}."]}
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


def _save_or_conflict(appointment: Appointment, *, attempts: int = 3) -> Appointment:
    """Save, turning the database's exclusion constraint into a conflict the caller can show.

    The check before the save gives the friendly message; this catches the race in which two
    bookings pass that check at once. Two such bookings can also deadlock while PostgreSQL
    checks both exclusion constraints; the loser rolls back to its savepoint and tries again,
    and by then the winner's row makes it a plain conflict.
    """
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                appointment.save()
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
        raise ValidationError({"appointment_type": ["Choose an appointment type of this clinic."]})
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
    patient_data_changed(patient.pk)
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
        raise ValidationError({"count": ["Book from 1 to 26 appointments at once."]})
    if not 1 <= every_days <= 28:
        raise ValidationError({"every_days": ["Repeat every 1 to 28 days."]})
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
        raise ValidationError({"status": ["Only a booked appointment can be moved."]})
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
    _save_or_conflict(locked)
    reminders_for_appointment(locked, change="moved")
    patient_data_changed(locked.patient_id)
    return locked


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, by: User | None) -> Appointment:
    updated = Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED).update(
        status=AppointmentStatus.CANCELLED, cancelled_at=timezone.now(), cancelled_by=by
    )
    if not updated:
        raise ValidationError({"status": ["Only a booked appointment can be cancelled."]})
    cancelled = Appointment.objects.select_related("clinic", "patient", "therapist").get(
        pk=appointment.pk
    )
    reminders_for_appointment(cancelled, change="cancelled")
    patient_data_changed(appointment.patient_id)
    return cancelled


@transaction.atomic
def appointment_mark(*, appointment: Appointment, status: str) -> Appointment:
    """Record the outcome: completed or no-show, once the appointment has started."""
    if status not in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
        raise ValidationError({"status": ["Mark an appointment completed or a no-show."]})
    if appointment.starts_at > timezone.now():
        raise ValidationError({"status": ["This appointment has not started yet."]})
    updated = Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED).update(
        status=status
    )
    if not updated:
        raise ValidationError({"status": ["Only a booked appointment can be marked."]})
    appointment.refresh_from_db()
    patient_data_changed(appointment.patient_id)
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
        raise ValidationError({"therapist": ["Choose a therapist of this clinic."]})
    if patient.clinic_id != added_by.clinic_id:
        raise ValidationError({"patient": ["Choose a patient of this clinic."]})
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
        raise ValidationError({"waitlist": ["This patient is no longer waiting."]})
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
        raise ValidationError({"owner": ["Choose a therapist or patient of this clinic."]})
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
def working_hours_set(*, therapist: User, week: dict[int, tuple[str, str]]) -> None:
    """Replace the weekly hours: one interval per weekday, both empty for a day off."""
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


@transaction.atomic
def time_off_add(*, therapist: User, starts_at, ends_at, reason: str = "") -> TimeOff:
    if not isinstance(starts_at, datetime):
        raise ValidationError({"starts_at": ["Enter when the time off starts."]})
    if not isinstance(ends_at, datetime) or ends_at <= starts_at:
        raise ValidationError({"ends_at": ["The end must come after the start."]})
    return TimeOff.objects.create(
        therapist=therapist, starts_at=starts_at, ends_at=ends_at, reason=(reason or "")[:200]
    )


@transaction.atomic
def time_off_remove(*, therapist: User, time_off_id) -> None:
    TimeOff.objects.filter(therapist=therapist, pk=time_off_id).delete()
