"""Writes of knee-to-wall assessments: record, correct, and the patient's self-test.

Every value is checked before anything is written; both sides are one row, so a visit is never
half-saved. Corrections add a revision and keep the earlier one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.interpretation import (
    MAX_DISTANCE_UM,
    MAX_GAP_UM,
    UnitError,
    display,
    to_micrometres,
)
from assessments.models import (
    ANGLE_MAX_DEG,
    ANGLE_MIN_DEG,
    STEADY_SPREAD_DEG,
    AngleMethod,
    Assessment,
    AssessmentKind,
    AssessmentRevision,
    SpineMotion,
)
from clinic.changes import patient_data_changed
from clinic.models import LengthUnit, Patient, Side, User

SIDES = ("left", "right")
COMPENSATION_FIELDS = ("feet_turned_out", "knees_in", "anterior_pelvic_tilt", "push_off_turn_out")
LUMBAR_FIELDS = (
    "lumbar_flexion",
    "lumbar_extension",
    "lumbar_side_bend_left",
    "lumbar_side_bend_right",
    "lumbar_rotation_left",
    "lumbar_rotation_right",
)
NOTE_FIELDS = ("hip_notes", "knee_notes", "notes")
# Said by the entry form's live checks too (entry_words.py): one wording for each rule.
DISTANCE_REQUIRED = gettext_lazy("Enter the toe-to-wall distance.")
PAIN_RANGE = gettext_lazy("Pain is rated from 0 (none) to 10 (worst imaginable).")
# A device clock a little ahead of the server's is not "the future".
CLOCK_SKEW = timedelta(minutes=5)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _micrometres(value: Any, unit: str, *, field: str, errors: dict) -> int | None:
    try:
        return to_micrometres(value, unit)
    except UnitError as exc:
        errors[field] = [str(exc)]
        return None


def _degrees(raw: Any, *, field: str, errors: dict) -> Decimal | None:
    """A number of degrees to one decimal, or None with the reason in `errors`."""
    try:
        degrees = Decimal(str(raw).strip())
        if not degrees.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors[field] = [_("%(value)s is not a number.") % {"value": repr(raw)}]
        return None
    if degrees != degrees.quantize(Decimal("0.1")):
        errors[field] = [_("Use at most one decimal place for degrees.")]
        return None
    return degrees


def _angle_values(
    data: Mapping[str, Any],
    side: str,
    errors: dict,
    *,
    correcting: AssessmentRevision | None,
    self_test: bool,
) -> dict[str, Any]:
    """A side's lunge angle with how it was measured. A phone capture brings the spread of its
    readings, and one taken while the phone moved is refused: its number is not a measurement.

    A correction that leaves a side's angle and method as they were keeps them as stored, even
    where today's rules would not take them as new (an angle above 70° from before the range
    narrowed, "method not recorded"): correcting a distance must not force a change of angle."""
    angle_field = f"{side}_tibia_angle_deg"
    method_field = f"{side}_angle_method"
    spread_field = f"{side}_angle_spread_deg"
    angle_raw = data.get(angle_field)
    method = (data.get(method_field) or "").strip()
    spread_raw = data.get(spread_field)
    empty = {angle_field: None, method_field: "", spread_field: None}
    if _blank(angle_raw):
        # A method with no angle is what a form whose select has a default sends: no angle.
        return empty
    angle = _degrees(angle_raw, field=angle_field, errors=errors)
    if (
        correcting is not None
        and angle is not None
        and getattr(correcting, angle_field) == angle
        and getattr(correcting, method_field) == method
    ):
        return {
            angle_field: angle,
            method_field: method,
            spread_field: getattr(correcting, spread_field),
        }
    if angle is not None and not ANGLE_MIN_DEG <= angle <= ANGLE_MAX_DEG:
        errors[angle_field] = [
            _(
                "The tibia angle must be between %(min)s° and %(max)s° from "
                "vertical (below 0: the shin leaned back from vertical)."
            )
            % {"min": ANGLE_MIN_DEG, "max": ANGLE_MAX_DEG}
        ]
    if not method:
        errors[method_field] = [
            _("Say how the angle was measured: phone tilt sensor, inclinometer or goniometer.")
        ]
    elif method not in MEASURING_METHODS:
        # "Not recorded" belongs to angles from before Dorsi kept the method (kept above); a
        # new or changed angle says how it was measured.
        errors[method_field] = [_("Choose phone, inclinometer or goniometer.")]
    # Only a phone reading has a spread: one left in a hidden input after the method changed
    # is dropped, not held against the person (the rule the neural tests follow too).
    spread = None
    if method == AngleMethod.PHONE:
        if _blank(spread_raw):
            errors[angle_field] = [
                _(
                    "A phone angle comes from a capture with the phone on the shin, not typed: "
                    "press Measure and hold the phone still on the shin."
                )
                if self_test
                else _(
                    "A phone angle comes from a capture with the phone on the shin, not typed: "
                    "measure again with the phone, or choose the instrument the angle "
                    "was read from."
                )
            ]
        else:
            spread = _degrees(spread_raw, field=spread_field, errors=errors)
            if spread is not None and spread < 0:
                errors[spread_field] = [_("The spread of the readings cannot be negative.")]
            elif spread is not None and spread > STEADY_SPREAD_DEG:
                errors[angle_field] = [
                    _(
                        "The phone was moving during the capture (its readings moved %(spread)s°, "
                        "more than %(steady)s°): hold it still on the shin and measure again."
                    )
                    % {"spread": spread, "steady": STEADY_SPREAD_DEG}
                ]
    return {angle_field: angle, method_field: method, spread_field: spread}


MEASURING_METHODS = [m for m in AngleMethod.values if m != AngleMethod.UNRECORDED]


def _side_values(
    data: Mapping[str, Any],
    side: str,
    unit: str,
    errors: dict,
    *,
    correcting: AssessmentRevision | None,
    self_test: bool,
) -> dict[str, Any]:
    reached = data.get(f"{side}_reached", True)
    distance_raw = data.get(f"{side}_distance")
    gap_raw = data.get(f"{side}_gap")
    values: dict[str, Any] = {f"{side}_reached": bool(reached)}

    if reached:
        if not _blank(gap_raw):
            errors[f"{side}_gap"] = [_("Enter a gap only when the knee could not reach the wall.")]
        if _blank(distance_raw):
            errors[f"{side}_distance"] = [str(DISTANCE_REQUIRED)]
        else:
            distance = _micrometres(distance_raw, unit, field=f"{side}_distance", errors=errors)
            if distance is not None and not 0 <= distance <= MAX_DISTANCE_UM:
                errors[f"{side}_distance"] = [
                    _(
                        "The distance must be between 0 and %(cm)s (%(in)s); if the knee could "
                        "not reach the wall, say so and enter the gap instead."
                    )
                    % {"cm": display(MAX_DISTANCE_UM, "cm"), "in": display(MAX_DISTANCE_UM, "in")}
                ]
            values[f"{side}_distance_um"] = distance
    else:
        if not _blank(distance_raw):
            try:
                nonzero = Decimal(str(distance_raw)) != 0
            except InvalidOperation:
                nonzero = True
            if nonzero:
                errors[f"{side}_distance"] = [
                    _("Leave the distance empty when the knee could not reach the wall.")
                ]
        gap = 0
        if not _blank(gap_raw):
            gap = _micrometres(gap_raw, unit, field=f"{side}_gap", errors=errors)
            if gap is not None and not 0 <= gap <= MAX_GAP_UM:
                errors[f"{side}_gap"] = [
                    _("The gap must be between 0 and %(cm)s (%(in)s).")
                    % {"cm": display(MAX_GAP_UM, "cm"), "in": display(MAX_GAP_UM, "in")}
                ]
            elif gap == 0:
                # A stored 0 on a could-not-reach side means "gap not measured"
                # (interpretation.SideValue); a measured 0 would be read back as that.
                errors[f"{side}_gap"] = [
                    _(
                        "A gap of 0 means the knee touched the wall: record the distance 0 "
                        "instead, or leave the gap empty if it was not measured."
                    )
                ]
        values[f"{side}_distance_um"] = -gap if gap else 0

    values.update(_angle_values(data, side, errors, correcting=correcting, self_test=self_test))
    values[f"{side}_heel_down"] = bool(data.get(f"{side}_heel_down", True))

    pain_raw = data.get(f"{side}_pain")
    if _blank(pain_raw):
        values[f"{side}_pain"] = None
    else:
        try:
            pain = int(str(pain_raw))
        except ValueError:
            errors[f"{side}_pain"] = [
                _("%(value)s is not a whole number.") % {"value": repr(pain_raw)}
            ]
        else:
            if not 0 <= pain <= 10:
                errors[f"{side}_pain"] = [str(PAIN_RANGE)]
            values[f"{side}_pain"] = pain
    return values


def assessment_values_parse(
    data: Mapping[str, Any],
    *,
    unit: str,
    patient: Patient,
    self_test: bool = False,
    correcting: AssessmentRevision | None = None,
) -> dict[str, Any]:
    """The model field values for the input, or a ValidationError naming every bad field.
    `correcting` is the revision a correction replaces: what it leaves unchanged is kept."""
    errors: dict[str, list[str]] = {}
    if unit not in LengthUnit.values:
        raise ValidationError({"unit": [_("Choose cm or in.")]})
    values: dict[str, Any] = {"entry_unit": unit}
    for side in SIDES:
        values.update(
            _side_values(data, side, unit, errors, correcting=correcting, self_test=self_test)
        )

    measured_at = data.get("measured_at")
    if not isinstance(measured_at, datetime):
        errors["measured_at"] = [_("Enter when the test was done.")]
    elif timezone.is_naive(measured_at):
        errors["measured_at"] = [_("Give a time zone with the time.")]
    elif measured_at > timezone.now() + CLOCK_SKEW:
        errors["measured_at"] = [_("The test cannot be in the future.")]
    # The UTC date first: a moment near year 1 cannot be moved into the clinic's zone.
    elif (
        measured_at.date() < patient.date_of_birth
        or patient.clinic.local_date(measured_at) < patient.date_of_birth
    ):
        errors["measured_at"] = [_("The test cannot be before the patient was born.")]
    values["measured_at"] = measured_at

    if self_test:
        for side in SIDES:
            method = values.get(f"{side}_angle_method")
            if method and method != AngleMethod.PHONE:
                errors[f"{side}_angle_method"] = [
                    _("A self-test's angle is measured with the phone.")
                ]
    else:
        for field in COMPENSATION_FIELDS:
            values[field] = bool(data.get(field, False))
        side = data.get("symptomatic_side") or Side.NONE
        if side not in Side.values:
            errors["symptomatic_side"] = [_("Choose left, right, both or none.")]
        values["symptomatic_side"] = side
        for field in LUMBAR_FIELDS:
            motion = data.get(field) or ""
            if motion and motion not in SpineMotion.values:
                errors[field] = [_("Choose full, limited or painful.")]
            values[field] = motion
    for field in NOTE_FIELDS:
        if self_test and field != "notes":
            continue
        text = data.get(field) or ""
        if len(text) > 5000:
            errors[field] = [_("Keep notes under 5,000 characters.")]
        values[field] = text.strip()

    if errors:
        raise ValidationError(errors)
    return values


def _check_therapist(patient: Patient, therapist: User) -> None:
    if not therapist.is_active_clinician_of(patient.clinic_id):
        raise ValidationError({"measured_by": [_("Choose an active therapist of this clinic.")]})


def _lock_active_patient(patient: Patient) -> Patient:
    locked = Patient.objects.select_for_update().select_related("clinic").get(pk=patient.pk)
    if not locked.is_active:
        raise ValidationError(
            {"patient": [_("This patient is discharged; re-activate them to record a test.")]}
        )
    return locked


def _remember_unit(user: User, unit: str) -> None:
    if user.length_unit != unit:
        User.objects.filter(pk=user.pk).update(length_unit=unit)
        user.length_unit = unit


@transaction.atomic
def assessment_record(
    *,
    patient: Patient,
    measured_by: User,
    recorded_by: User,
    unit: str,
    data: Mapping[str, Any],
) -> AssessmentRevision:
    """Record a clinic knee-to-wall test with its chain screen; the unit becomes the default."""
    patient = _lock_active_patient(patient)
    _check_therapist(patient, measured_by)
    values = assessment_values_parse(data, unit=unit, patient=patient)
    assessment = Assessment.objects.create(
        patient=patient, clinic=patient.clinic, kind=AssessmentKind.CLINIC, created_by=recorded_by
    )
    revision = AssessmentRevision.objects.create(
        assessment=assessment,
        number=1,
        measured_by=measured_by,
        recorded_by=recorded_by,
        recorded_at=timezone.now(),
        **values,
    )
    _remember_unit(recorded_by, unit)
    patient_data_changed(patient.pk)
    return revision


@transaction.atomic
def self_test_record(*, patient: Patient, unit: str, data: Mapping[str, Any]) -> AssessmentRevision:
    """A patient's own knee-to-wall test at home: kept apart from the clinical record."""
    patient = _lock_active_patient(patient)
    values = assessment_values_parse(data, unit=unit, patient=patient, self_test=True)
    assessment = Assessment.objects.create(
        patient=patient, clinic=patient.clinic, kind=AssessmentKind.SELF_TEST
    )
    return AssessmentRevision.objects.create(
        assessment=assessment, number=1, recorded_at=timezone.now(), **values
    )


@transaction.atomic
def assessment_correct(
    *,
    assessment: Assessment,
    corrected_by: User,
    measured_by: User,
    unit: str,
    reason: str,
    data: Mapping[str, Any],
) -> AssessmentRevision:
    """Correct a clinic test: a new current revision; the earlier one is kept as it was."""
    locked = (
        Assessment.objects.select_for_update()
        .select_related("patient__clinic")
        .get(pk=assessment.pk)
    )
    errors: dict[str, list[str]] = {}
    if locked.kind != AssessmentKind.CLINIC:
        raise ValidationError({"assessment": [_("A patient's self-test cannot be corrected.")]})
    if not (reason or "").strip():
        errors["correction_reason"] = [_("Say why the values are corrected.")]
    try:
        _check_therapist(locked.patient, measured_by)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    current = locked.revisions.get(is_current=True)
    try:
        values = assessment_values_parse(
            data, unit=unit, patient=locked.patient, correcting=current
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    AssessmentRevision.objects.filter(pk=current.pk).update(is_current=False)
    revision = AssessmentRevision.objects.create(
        assessment=locked,
        number=current.number + 1,
        measured_by=measured_by,
        recorded_by=corrected_by,
        recorded_at=timezone.now(),
        correction_reason=reason.strip(),
        **values,
    )
    _remember_unit(corrected_by, unit)
    patient_data_changed(locked.patient_id)
    return revision
