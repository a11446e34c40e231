"""Writes of the exercise library, routines, prescriptions and session logs."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_lazy

from clinic.changes import patient_data_changed
from clinic.fields import field_errors
from clinic.models import Clinic, Patient, User
from exercises.models import (
    DOSE_FIELDS,
    MAX_BOUT_SECONDS,
    DoseStyle,
    Exercise,
    ExerciseLog,
    ExerciseStatus,
    Prescription,
    PrescriptionItem,
    PrescriptionVersion,
    RoutineTemplate,
    RoutineTemplateItem,
    SessionLog,
)

LIBRARY_TEXT_FIELDS = ("name", "purpose", "instructions", "cues", "picture", "video_url")


# --- Doses ------------------------------------------------------------------------------------


def dose_errors(dose: Mapping[str, Any]) -> dict[str, list[str]]:
    """What is wrong with a dose, field by field; empty when it is fine."""
    errors: dict[str, list[str]] = {}
    seconds = dose.get("seconds_per_bout")
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        errors["seconds_per_bout"] = [gettext("Enter the seconds per bout as a whole number.")]
    elif not 1 <= seconds <= MAX_BOUT_SECONDS:
        errors["seconds_per_bout"] = [
            gettext("A bout lasts from 1 s to %(minutes)s min (%(seconds)s s).")
            % {"minutes": MAX_BOUT_SECONDS // 60, "seconds": MAX_BOUT_SECONDS}
        ]
    bouts = dose.get("bouts")
    if not isinstance(bouts, int) or not 1 <= bouts <= 20:
        errors["bouts"] = [gettext("Bouts must be a whole number from 1 to 20.")]
    style = dose.get("style")
    if style not in DoseStyle.values:
        errors["style"] = [gettext("Choose a static hold or in and out of tension.")]
    elif style == DoseStyle.IN_AND_OUT:
        for field in ("into_tension_seconds", "ease_off_seconds"):
            value = dose.get(field)
            if not isinstance(value, int) or not 1 <= value <= 120:
                errors[field] = [gettext("In and out of tension needs 1 to 120 s for each phase.")]
    return errors


def _dose(dose: Mapping[str, Any]) -> dict[str, Any]:
    values = {field: dose.get(field) for field in DOSE_FIELDS}
    values["per_side"] = bool(values["per_side"])
    if values["style"] == DoseStyle.STATIC:
        values["into_tension_seconds"] = values["ease_off_seconds"] = None
    return values


# The dose fields as an item's error names them ("Item 2, seconds per bout: ...").
_ITEM_FIELD_WORDS = {
    "seconds_per_bout": gettext_lazy("seconds per bout"),
    "bouts": gettext_lazy("bouts"),
    "style": gettext_lazy("style"),
    "into_tension_seconds": gettext_lazy("into tension seconds"),
    "ease_off_seconds": gettext_lazy("ease off seconds"),
}


def _items_errors(items: Sequence[Mapping[str, Any]], exercises: dict[int, Exercise]) -> dict:
    """Errors of a list of items as {"items": ["Item 2, seconds per bout: ..."]}."""
    messages: list[str] = []
    if not items:
        messages.append(gettext("Add at least one exercise."))
    for number, item in enumerate(items, start=1):
        exercise = item.get("exercise")
        exercise_id = exercise.pk if isinstance(exercise, Exercise) else exercise
        if exercise_id not in exercises:
            messages.append(
                gettext("Item %(number)s: choose an exercise from your clinic's library.")
                % {"number": number}
            )
        for field, errors in dose_errors(item).items():
            label = _ITEM_FIELD_WORDS.get(field) or field.replace("_", " ")
            messages.extend(
                gettext("Item %(number)s, %(field)s: %(error)s")
                % {"number": number, "field": label, "error": error}
                for error in errors
            )
    return {"items": messages} if messages else {}


def _library_for(clinic: Clinic, items: Sequence[Mapping[str, Any]]) -> dict[int, Exercise]:
    ids = [
        item["exercise"].pk if isinstance(item.get("exercise"), Exercise) else item.get("exercise")
        for item in items
    ]
    return {
        exercise.pk: exercise
        for exercise in Exercise.objects.for_clinic(clinic.pk).filter(pk__in=[i for i in ids if i])
    }


# --- Library ----------------------------------------------------------------------------------


def _unique_slug(clinic: Clinic, name: str) -> str:
    base = slugify(name)[:70] or "exercise"
    slug, counter = base, 2
    while Exercise.objects.filter(clinic=clinic, slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def _exercise_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values = {field: (fields.get(field) or "").strip() for field in LIBRARY_TEXT_FIELDS}
    errors.update(field_errors(Exercise, {"name": values["name"]}))
    for required in ("name", "purpose", "instructions"):
        if not values[required]:
            errors[required] = [gettext("This field is required.")]
    errors.update(dose_errors(fields))
    if errors:
        raise ValidationError(errors)
    return {**values, **_dose(fields)}


def _exercise_fields(exercise: Exercise) -> dict[str, Any]:
    return {field: getattr(exercise, field) for field in (*LIBRARY_TEXT_FIELDS, *DOSE_FIELDS)}


@transaction.atomic
def exercise_create(*, clinic: Clinic, fields: Mapping[str, Any]) -> Exercise:
    """A clinic's own exercise; the shared library is only changed by migrations."""
    values = _exercise_values(fields)
    return Exercise.objects.create(
        clinic=clinic, slug=_unique_slug(clinic, values["name"]), **values
    )


@transaction.atomic
def exercise_adapt(*, exercise: Exercise, clinic: Clinic, fields: Mapping[str, Any]) -> Exercise:
    """A clinic's copy of an exercise with its changes; the original stays as it was."""
    base = _exercise_fields(exercise)
    values = _exercise_values({**base, **fields})
    return Exercise.objects.create(
        clinic=clinic,
        slug=_unique_slug(clinic, values["name"]),
        based_on=exercise,
        **values,
    )


@transaction.atomic
def exercise_update(*, exercise: Exercise, fields: Mapping[str, Any]) -> Exercise:
    if exercise.is_shared:
        raise ValidationError(
            {"exercise": [gettext("The shared library cannot be changed; adapt a copy.")]}
        )
    base = _exercise_fields(exercise)
    values = _exercise_values({**base, **fields})
    Exercise.objects.filter(pk=exercise.pk).update(**values)
    exercise.refresh_from_db()
    return exercise


# --- Routine templates ------------------------------------------------------------------------


@transaction.atomic
def routine_template_create(
    *,
    clinic: Clinic,
    created_by: User,
    name: str,
    description: str = "",
    items: Sequence[Mapping[str, Any]],
) -> RoutineTemplate:
    errors = field_errors(RoutineTemplate, {"name": (name or "").strip()})
    if not (name or "").strip():
        errors["name"] = [gettext("Give the routine a name.")]
    errors.update(_items_errors(items, _library_for(clinic, items)))
    if errors:
        raise ValidationError(errors)
    template = RoutineTemplate.objects.create(
        clinic=clinic,
        name=name.strip(),
        description=(description or "").strip(),
        created_by=created_by,
    )
    for position, item in enumerate(items, start=1):
        exercise = item["exercise"]
        RoutineTemplateItem.objects.create(
            template=template,
            exercise_id=exercise.pk if isinstance(exercise, Exercise) else exercise,
            position=position,
            **_dose(item),
        )
    return template


def template_items(template: RoutineTemplate) -> list[dict[str, Any]]:
    """A template's items as prescription input: its exercises with its doses."""
    return [
        {"exercise": item.exercise, **item.dose_fields()}
        for item in template.items.select_related("exercise")
    ]


# --- Prescriptions ----------------------------------------------------------------------------


def _check_prescriber(patient: Patient, user: User) -> None:
    if not user.is_active_clinician_of(patient.clinic_id):
        raise ValidationError(
            {"prescribed_by": [gettext("Only the clinic's therapists prescribe.")]}
        )


def _schedule_errors(
    *, times_per_day: Any, days_of_week: Any, starts: Any, retest_on: Any
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(times_per_day, int) or not 1 <= times_per_day <= 6:
        errors["times_per_day"] = [gettext("From 1 to 6 times a day.")]
    if not isinstance(days_of_week, int) or not 1 <= days_of_week <= 127:
        errors["days_of_week"] = [gettext("Choose at least one day of the week.")]
    if not isinstance(starts, date):
        errors["start_date"] = [gettext("Enter the start date.")]
    elif retest_on is not None and (not isinstance(retest_on, date) or retest_on <= starts):
        errors["retest_on"] = [gettext("The re-test must come after the start date.")]
    return errors


def _create_version(
    *,
    prescription: Prescription,
    number: int,
    created_by: User,
    items: Sequence[Mapping[str, Any]],
    times_per_day: int,
    days_of_week: int,
    starts: date,
    retest_on: date | None,
    notes: str,
) -> PrescriptionVersion:
    version = PrescriptionVersion.objects.create(
        prescription=prescription,
        number=number,
        effective_from=starts,
        times_per_day=times_per_day,
        days_of_week=days_of_week,
        retest_on=retest_on,
        notes=(notes or "").strip(),
        created_by=created_by,
    )
    for position, item in enumerate(items, start=1):
        exercise = item["exercise"]
        PrescriptionItem.objects.create(
            version=version,
            exercise_id=exercise.pk if isinstance(exercise, Exercise) else exercise,
            position=position,
            **_dose(item),
        )
    return version


class IfAlreadyActive(models.TextChoices):
    """What to do when the patient already has the same routine active."""

    REFUSE = "refuse", gettext_lazy("Refuse, naming the active prescription")
    NEW_VERSION = (
        "new_version",
        gettext_lazy("Change the active one: a new version with these doses"),
    )
    END_IT = "end_it", gettext_lazy("End the active one today and prescribe this one")


class RoutineAlreadyActive(ValidationError):
    """The patient already has this routine active: a second one would double the target."""

    def __init__(self, active: Prescription, field: str) -> None:
        self.active = active
        self.field = field
        if field == "template":
            text = gettext(
                "%(patient)s already has “%(title)s” (prescription %(number)s) active, from the "
                "same template. Change that one (a new version) or end it and prescribe this one."
            )
        else:
            text = gettext(
                "%(patient)s already has “%(title)s” (prescription %(number)s) active, with the "
                "same exercises. Change that one (a new version) or end it and prescribe this one."
            )
        super().__init__(
            {
                field: [
                    text
                    % {
                        "patient": active.patient.full_name,
                        "title": active.title,
                        "number": active.pk,
                    }
                ]
            },
            code="duplicate",
        )


def _item_exercise_ids(items: Sequence[Mapping[str, Any]]) -> frozenset[int]:
    ids = set()
    for item in items:
        exercise = item.get("exercise")
        ids.add(exercise.pk if isinstance(exercise, Exercise) else exercise)
    return frozenset(ids)


def same_active_routines(
    *, patient: Patient, template: RoutineTemplate | None, items: Sequence[Mapping[str, Any]]
) -> list[tuple[Prescription, str]]:
    """The patient's active prescriptions that are the routine being prescribed, oldest first,
    each with the field that makes it the same ("template" or "items").

    The same routine is the same template, or (for a routine put together exercise by
    exercise, or a template's copy) the same set of exercises in its current version. Doses do
    not count: a routine with other doses is a change of the one the patient has, not a
    second routine to do as well.
    """
    active = list(
        Prescription.objects.filter(patient_id=patient.pk, ended_on__isnull=True)
        .select_related("patient")
        .order_by("created_at", "id")
    )
    if not active:
        return []
    exercise_sets: dict[int, set[int]] = {prescription.pk: set() for prescription in active}
    for prescription_id, exercise_id in PrescriptionItem.objects.filter(
        version__prescription_id__in=exercise_sets, version__is_current=True
    ).values_list("version__prescription_id", "exercise_id"):
        exercise_sets[prescription_id].add(exercise_id)
    wanted = _item_exercise_ids(items)
    same = []
    for prescription in active:
        if template is not None and prescription.template_id == template.pk:
            same.append((prescription, "template"))
        elif wanted and exercise_sets[prescription.pk] == wanted:
            same.append((prescription, "items"))
    return same


@transaction.atomic
def routine_assign(
    *,
    patient: Patient,
    prescribed_by: User,
    items: Sequence[Mapping[str, Any]],
    title: str,
    times_per_day: int = 1,
    days_of_week: int = 0b1111111,
    start_date: date | None = None,
    retest_on: date | None = None,
    notes: str = "",
    template: RoutineTemplate | None = None,
    if_already_active: str = IfAlreadyActive.REFUSE,
) -> PrescriptionVersion:
    """Prescribe a routine; the re-test defaults to the clinic's interval after the start.

    When the patient already has the same routine active (`same_active_routines`), it is
    refused with RoutineAlreadyActive, or, as `if_already_active` says, the active one gets a
    new version with these exercises and schedule, or is ended today and this one prescribed.
    The patient's row is locked first, so two submissions at the same moment cannot both
    create one.
    """
    patient = Patient.objects.select_for_update().select_related("clinic").get(pk=patient.pk)
    if if_already_active not in IfAlreadyActive.values:
        raise ValidationError(
            {
                "if_already_active": [
                    gettext("Choose one of: %(choices)s.")
                    % {"choices": ", ".join(IfAlreadyActive.values)}
                ]
            }
        )
    asked_retest_on = retest_on
    errors: dict[str, list[str]] = {}
    if not patient.is_active:
        errors["patient"] = [gettext("This patient is discharged; re-activate them to prescribe.")]
    try:
        _check_prescriber(patient, prescribed_by)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    starts = start_date or patient.clinic.local_today()
    if retest_on is None and isinstance(starts, date):
        retest_on = starts + timedelta(days=patient.clinic.retest_interval_days)
    errors.update(
        _schedule_errors(
            times_per_day=times_per_day,
            days_of_week=days_of_week,
            starts=starts,
            retest_on=retest_on,
        )
    )
    errors.update(field_errors(Prescription, {"title": (title or "").strip()}))
    if not (title or "").strip():
        errors["title"] = [gettext("Give the routine a title.")]
    errors.update(_items_errors(items, _library_for(patient.clinic, items)))
    if errors:
        raise ValidationError(errors)
    same = same_active_routines(patient=patient, template=template, items=items)
    if same and if_already_active == IfAlreadyActive.REFUSE:
        raise RoutineAlreadyActive(*same[0])
    if same and if_already_active == IfAlreadyActive.NEW_VERSION:
        kept, *duplicates = [active for active, _field in same]
        # Copies made before this guard existed end here: one routine stays, with this
        # prescription's exercises, schedule and title, and the weekly target counts it once.
        for duplicate in duplicates:
            prescription_end(prescription=duplicate, ended_by=prescribed_by)
        if kept.title != title.strip():
            kept.title = title.strip()
            kept.save(update_fields=["title"])
        return prescription_change(
            prescription=kept,
            changed_by=prescribed_by,
            items=items,
            times_per_day=times_per_day,
            days_of_week=days_of_week,
            effective_from=start_date,
            retest_on=asked_retest_on,
            notes=notes,
        )
    for active, _field in same:  # IfAlreadyActive.END_IT
        prescription_end(prescription=active, ended_by=prescribed_by)
    prescription = Prescription.objects.create(
        patient=patient,
        clinic=patient.clinic,
        title=title.strip(),
        template=template,
        created_by=prescribed_by,
    )
    patient_data_changed(patient.pk)
    return _create_version(
        prescription=prescription,
        number=1,
        created_by=prescribed_by,
        items=items,
        times_per_day=times_per_day,
        days_of_week=days_of_week,
        starts=starts,
        retest_on=retest_on,
        notes=notes,
    )


@transaction.atomic
def prescription_change(
    *,
    prescription: Prescription,
    changed_by: User,
    items: Sequence[Mapping[str, Any]],
    times_per_day: int,
    days_of_week: int,
    effective_from: date | None = None,
    retest_on: date | None = None,
    notes: str = "",
) -> PrescriptionVersion:
    """A new version of the prescription; logs stay with the version the patient followed."""
    locked = (
        Prescription.objects.select_for_update()
        .select_related("patient__clinic")
        .get(pk=prescription.pk)
    )
    current = locked.versions.get(is_current=True)
    errors: dict[str, list[str]] = {}
    if locked.ended_on is not None:
        errors["prescription"] = [gettext("This prescription has ended; prescribe a new one.")]
    try:
        _check_prescriber(locked.patient, changed_by)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    starts = effective_from or locked.patient.clinic.local_today()
    if retest_on is None and current.retest_on and isinstance(starts, date):
        retest_on = current.retest_on if current.retest_on > starts else None
    if isinstance(starts, date) and starts < current.effective_from:
        errors["start_date"] = [
            gettext("A change cannot take effect before the version it replaces.")
        ]
    errors.update(
        _schedule_errors(
            times_per_day=times_per_day,
            days_of_week=days_of_week,
            starts=starts,
            retest_on=retest_on,
        )
    )
    errors.update(_items_errors(items, _library_for(locked.patient.clinic, items)))
    if errors:
        raise ValidationError(errors)
    PrescriptionVersion.objects.filter(pk=current.pk).update(is_current=False)
    patient_data_changed(locked.patient_id)
    return _create_version(
        prescription=locked,
        number=current.number + 1,
        created_by=changed_by,
        items=items,
        times_per_day=times_per_day,
        days_of_week=days_of_week,
        starts=starts,
        retest_on=retest_on,
        notes=notes,
    )


@transaction.atomic
def prescription_end(*, prescription: Prescription, ended_by: User, ended_on: date | None = None):
    locked = (
        Prescription.objects.select_for_update()
        .select_related("patient__clinic")
        .get(pk=prescription.pk)
    )
    _check_prescriber(locked.patient, ended_by)
    if locked.ended_on is not None:
        raise ValidationError({"prescription": [gettext("This prescription has already ended.")]})
    locked.ended_on = ended_on or locked.patient.clinic.local_today()
    locked.save(update_fields=["ended_on"])
    patient_data_changed(locked.patient_id)
    return locked


# --- Session logs -----------------------------------------------------------------------------


_OUT_OF_DATE_FORM = gettext_lazy("This form is out of date; reload it.")


@transaction.atomic
def session_log_record(
    *,
    patient: Patient,
    version: PrescriptionVersion,
    client_token: uuid.UUID | str,
    statuses: Mapping[int, str],
    session_date: date | None = None,
    pain: int | None = None,
    comment: str = "",
    logged_by: User | None = None,
) -> tuple[SessionLog, bool]:
    """Record what the patient did in one session. Returns (log, created).

    The client token comes with the form, so a double tap or a retry after a network error
    returns the session already recorded instead of recording it twice.
    """
    token = _client_token_parse(client_token)
    existing = SessionLog.objects.filter(client_token=token).first()
    if existing is not None:
        if existing.patient_id != patient.pk:
            raise ValidationError({"client_token": [_OUT_OF_DATE_FORM]})
        return existing, False

    version = _version_of_patient(version, patient)
    today = version.prescription.patient.clinic.local_today()
    session_date = session_date or today
    errors = _session_errors(
        version, session_date=session_date, today=today, pain=pain, statuses=statuses
    )
    if len(comment or "") > 2000:
        errors["comment"] = [gettext("Keep the comment under 2,000 characters.")]
    if errors:
        raise ValidationError(errors)

    slot = _free_slot(version, session_date)
    if slot is None:
        # A double tap whose first request committed while this one was checking.
        existing = SessionLog.objects.filter(client_token=token, patient=patient).first()
        if existing is not None:
            return existing, False
        raise ValidationError(
            {
                "session_date": [
                    gettext("The session of that day is logged.")
                    if version.times_per_day == 1
                    else gettext("All %(count)d sessions of that day are logged.")
                    % {"count": version.times_per_day}
                ]
            }
        )
    log, created = _session_create(
        patient=patient,
        version=version,
        session_date=session_date,
        slot=slot,
        pain=None if pain in (None, "") else int(pain),
        comment=(comment or "").strip(),
        token=token,
        logged_by=logged_by,
        statuses=statuses,
    )
    if created:
        patient_data_changed(patient.pk)
    return log, created


def _client_token_parse(client_token: uuid.UUID | str) -> uuid.UUID:
    try:
        return uuid.UUID(str(client_token))
    except ValueError:
        raise ValidationError({"client_token": [_OUT_OF_DATE_FORM]}) from None


def _version_of_patient(version: PrescriptionVersion, patient: Patient) -> PrescriptionVersion:
    """The version reloaded with its prescription, refused unless it is the patient's own."""
    loaded = (
        PrescriptionVersion.objects.select_related("prescription__patient__clinic")
        .filter(pk=version.pk)
        .first()
    )
    if loaded is None or loaded.prescription.patient_id != patient.pk:
        raise ValidationError({"prescription": [gettext("This is not one of your prescriptions.")]})
    return loaded


def _session_errors(
    version: PrescriptionVersion,
    *,
    session_date: Any,
    today: date,
    pain: Any,
    statuses: Mapping[int, str],
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if message := _session_date_error(version, session_date, today):
        errors["session_date"] = [message]
    if message := _pain_error(pain):
        errors["pain"] = [message]
    if message := _statuses_error(version, statuses):
        errors["statuses"] = [message]
    return errors


def _session_date_error(version: PrescriptionVersion, session_date: Any, today: date) -> str | None:
    if not isinstance(session_date, date):
        return gettext("Enter the date of the session.")
    if session_date > today:
        return gettext("A session cannot be logged for a future date.")
    if session_date < version.effective_from:
        return gettext("This routine had not started on that date.")
    # Logs belong to the version the patient followed on that day.
    replaced_on = (
        PrescriptionVersion.objects.filter(
            prescription_id=version.prescription_id, number__gt=version.number
        )
        .order_by("number")
        .values_list("effective_from", flat=True)
        .first()
    )
    ended_on = version.prescription.ended_on
    if (replaced_on and session_date >= replaced_on) or (ended_on and session_date >= ended_on):
        return gettext("Your routine had changed or ended by that date.")
    return None


def _pain_error(pain: Any) -> str | None:
    if pain in (None, ""):
        return None
    try:
        pain = int(pain)
    except (TypeError, ValueError):
        return gettext("Pain is a whole number from 0 to 10.")
    if not 0 <= pain <= 10:
        return gettext("Pain is rated from 0 (none) to 10 (worst imaginable).")
    return None


def _statuses_error(version: PrescriptionVersion, statuses: Mapping[int, str]) -> str | None:
    """One status for each exercise of the version, and nothing else."""
    items = {item.pk for item in version.items.all()}
    if any(status not in ExerciseStatus.values for status in statuses.values()):
        return gettext("Each exercise is done, partly or skipped.")
    if items - set(statuses):
        return gettext("Say for every exercise whether you did it, partly or skipped.")
    if set(statuses) - items:
        return gettext("Some exercises are not part of this routine.")
    return None


def _free_slot(version: PrescriptionVersion, session_date: date) -> int | None:
    """The first of the day's sessions not yet logged, or None when all are."""
    taken = set(
        SessionLog.objects.filter(version=version, session_date=session_date).values_list(
            "slot", flat=True
        )
    )
    free = [slot for slot in range(1, version.times_per_day + 1) if slot not in taken]
    return free[0] if free else None


def _session_create(
    *,
    patient: Patient,
    version: PrescriptionVersion,
    session_date: date,
    slot: int,
    pain: int | None,
    comment: str,
    token: uuid.UUID,
    logged_by: User | None,
    statuses: Mapping[int, str],
) -> tuple[SessionLog, bool]:
    """The log and its exercises, or the one another request has just recorded with the token."""
    try:
        with transaction.atomic():
            log = SessionLog.objects.create(
                patient=patient,
                version=version,
                session_date=session_date,
                slot=slot,
                pain=pain,
                comment=comment,
                client_token=token,
                logged_by=logged_by,
            )
            ExerciseLog.objects.bulk_create(
                ExerciseLog(session=log, item_id=item_id, status=status)
                for item_id, status in statuses.items()
            )
    except IntegrityError:
        # The same form submitted twice at once: the other request recorded it.
        existing = SessionLog.objects.filter(client_token=token, patient=patient).first()
        if existing is None:
            raise ValidationError(
                {"session_date": [gettext("That session was just logged.")]}
            ) from None
        return existing, False
    return log, True
