"""Writes of the clinic core: patients and their sign-in links.

Services are keyword-only, validate everything before writing, and run in one transaction, so
bad input raises ValidationError naming the field and nothing is half-saved.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import phonenumbers
from celery import current_app as current_celery_app
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.changes import patient_data_changed, patient_discharged
from clinic.models import (
    Clinic,
    Heartbeat,
    Patient,
    PatientAccessLink,
    PatientStatus,
    ReminderChannel,
    Side,
    User,
)
from clinic.selectors import clinic_therapist

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
        "preferred_language",
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
            {"phone": _("Enter a phone number, e.g. +1 555 123 4567.")}, code="invalid"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            {
                "phone": _("%(number)s is not a valid phone number for region %(region)s.")
                % {"number": repr(raw), "region": region}
            },
            code="invalid",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_for_people(stored: str, *, region: str) -> str:
    """A stored (E.164) number as the clinic's staff dial it: the national format for a number of
    the clinic's own country ((312) 555-0100), the international one for any other
    (+44 20 7946 0958). Whatever cannot be read is shown as stored, never hidden."""
    if not stored:
        return ""
    try:
        number = phonenumbers.parse(stored, region)
    except phonenumbers.NumberParseException:
        return stored
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _therapist_in_clinic(clinic: Clinic, therapist: User | int | None) -> User | None:
    if therapist in (None, ""):
        return None
    found = clinic_therapist(clinic_id=clinic.pk, therapist_id=therapist)
    if found is None:
        raise ValidationError(
            {"primary_therapist": _("Choose an active therapist of this clinic.")}, code="invalid"
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
            errors[field] = [_("This field is required.")]
    born = patient.date_of_birth
    if isinstance(born, date) and "date_of_birth" not in errors:
        today = patient.clinic.local_today()
        if born > today:
            errors["date_of_birth"] = [_("The date of birth cannot be in the future.")]
        elif born.year < OLDEST_BIRTH_YEAR:
            errors["date_of_birth"] = [
                _("The date of birth cannot be before %(year)s.") % {"year": OLDEST_BIRTH_YEAR}
            ]
    wants = patient.reminder_channel if patient.reminder_consent else ReminderChannel.NONE
    if wants == ReminderChannel.EMAIL and not patient.email and "email" not in errors:
        errors["email"] = [_("Email reminders need an email address.")]
    if wants == ReminderChannel.SMS and not patient.phone and "phone" not in errors:
        errors["phone"] = [_("Text-message reminders need a phone number.")]
    if errors:
        raise ValidationError(errors)


def language_validate(code: str | None) -> str:
    """A language the installation offers (settings.LANGUAGES), or "" for its own."""
    code = (code or "").strip().lower()
    if code and code not in {offered for offered, _name in settings.LANGUAGES}:
        raise ValidationError({"preferred_language": _("Choose one of the languages offered.")})
    return code


@transaction.atomic
def patient_language_set(*, patient: Patient, language: str) -> Patient:
    """The patient's own choice of language (from their page); staff set it with the rest of
    the record through patient_update."""
    code = language_validate(language)
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    locked.preferred_language = code
    locked.save(update_fields=["preferred_language", "updated_at"])
    # The caller's copy too: it is the session's patient, whose language the response speaks.
    patient.preferred_language = code
    patient_data_changed(locked.pk)
    return locked


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
            elif name == "preferred_language":
                patient.preferred_language = language_validate(value)
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
    preferred_language: str = "",
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
                "preferred_language": preferred_language,
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
        raise ValidationError(
            {name: _("This field cannot be changed.") for name in sorted(unknown)}
        )
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
        raise ValidationError({"status": _("This patient is already discharged.")})
    patient_access_revoke(patient_id=patient.pk, by=by, now=now)
    # In this transaction: scheduling revokes the calendar address and, when asked, cancels
    # the future appointments.
    patient_discharged(
        patient_id=patient.pk,
        by=by,
        now=now,
        cancel_future_appointments=cancel_future_appointments,
    )
    patient_data_changed(patient.pk)
    return Patient.objects.select_related("clinic", "primary_therapist").get(pk=patient.pk)


def patient_access_revoke(*, patient_id: int, by: User | None, now: datetime) -> None:
    """No personal link opens the patient's record any more: revoked, not merely inactive, so
    that nothing brings them back (scheduling revokes the calendar address likewise)."""
    PatientAccessLink.objects.filter(patient_id=patient_id, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=by
    )


@transaction.atomic
def patient_reactivate(*, patient: Patient) -> Patient:
    if Patient.objects.filter(pk=patient.pk, anonymised_at__isnull=False).exists():
        # Their identity is gone for good; coming back means registering again.
        raise ValidationError({"status": _("An anonymised patient cannot be re-activated.")})
    updated = Patient.objects.filter(pk=patient.pk, status=PatientStatus.DISCHARGED).update(
        status=PatientStatus.ACTIVE, discharged_at=None, updated_at=timezone.now()
    )
    if not updated:
        raise ValidationError({"status": _("This patient is already active.")})
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
        raise ValidationError({"patient": _("A discharged patient cannot be given a link.")})
    if email_to_patient and not patient.email:
        raise ValidationError(
            {"email": _("This patient has no email address to send the link to.")}
        )
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
