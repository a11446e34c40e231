"""Writes of neural tests: record a sitting (alone or with a knee-to-wall visit), and mark one
entered in error.

Every value is checked before anything is written, and the exam and its results are written in
one transaction, so a sitting is never half-saved. Records are not corrected in place: a wrong
one is marked entered in error (with a reason) and recorded again.

Errors name the field as `<side>_<test>_<field>` (`left_slr_onset_angle_deg`), the names of the
entry page's inputs; the API's results carry `test` and `side`, so the same name says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Assessment, AssessmentKind
from clinic.changes import patient_data_changed
from clinic.models import Patient, User
from neural.interpretation import MAX_ANGLE, MAX_PHONE_SPREAD
from neural.models import (
    AngleMethod,
    Differentiation,
    Location,
    NeuralExam,
    NeuralTest,
    NeuralTestResult,
    TestSide,
    YesNoNotTested,
)

# A device clock a little ahead of the server's is not "the future".
CLOCK_SKEW = timedelta(minutes=5)
SLR_FIELDS = (
    "onset_angle_deg",
    "max_angle_deg",
    "angle_method",
    "angle_spread_deg",
    "location",
    "bragard",
    "hip_internal_rotation",
    "crossed",
)
SLUMP_FIELDS = ("neck_extension_eased",)
# Whole phrases, side and test together: a translation may order them otherwise.
TEST_NAMES = {
    ("left", NeuralTest.SLR): gettext_lazy("left straight-leg raise"),
    ("right", NeuralTest.SLR): gettext_lazy("right straight-leg raise"),
    ("left", NeuralTest.SLUMP): gettext_lazy("left slump test"),
    ("right", NeuralTest.SLUMP): gettext_lazy("right slump test"),
}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _angle(raw: Any, *, field: str, errors: dict) -> Decimal | None:
    if _blank(raw):
        return None
    try:
        angle = Decimal(str(raw).strip())
        if not angle.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors[field] = [_("%(value)s is not a number of degrees.") % {"value": repr(raw)}]
        return None
    if not 0 <= angle <= MAX_ANGLE:
        errors[field] = [
            _("The angle must be between 0 and %(max)s° of hip flexion.") % {"max": MAX_ANGLE}
        ]
        return None
    if angle != angle.quantize(Decimal("0.1")):
        errors[field] = [_("Use at most one decimal place for degrees.")]
        return None
    return angle


def _choice(raw: Any, choices: type, *, field: str, errors: dict, words: str) -> str:
    value = "" if _blank(raw) else str(raw).strip()
    if value and value not in choices.values:
        errors[field] = [
            _("%(value)s is not a choice here: choose %(choices)s.")
            % {"value": repr(value), "choices": words}
        ]
        return ""
    return value


_DIFFERENTIATION_WORDS = "changed, unchanged or not_tested"
_YES_NO_WORDS = "yes, no or not_tested"


def _slr_values(item: Mapping[str, Any], name: str, errors: dict) -> dict[str, Any]:
    symptoms = bool(item.get("symptoms"))
    values: dict[str, Any] = {"symptoms": symptoms}
    onset = _angle(item.get("onset_angle_deg"), field=f"{name}_onset_angle_deg", errors=errors)
    greatest = _angle(item.get("max_angle_deg"), field=f"{name}_max_angle_deg", errors=errors)
    method = _choice(
        item.get("angle_method"),
        AngleMethod,
        field=f"{name}_angle_method",
        errors=errors,
        words="phone, inclinometer, goniometer or estimated",
    )
    location = _choice(
        item.get("location"),
        Location,
        field=f"{name}_location",
        errors=errors,
        words="back, buttock, thigh or below_knee (the furthest from the spine they reached)",
    )
    differentiations = {
        field: _choice(
            item.get(field),
            Differentiation,
            field=f"{name}_{field}",
            errors=errors,
            words=_DIFFERENTIATION_WORDS,
        )
        for field in ("bragard", "hip_internal_rotation")
    }
    crossed = _choice(
        item.get("crossed"),
        YesNoNotTested,
        field=f"{name}_crossed",
        errors=errors,
        words=_YES_NO_WORDS,
    )
    if symptoms:
        if onset is None and f"{name}_onset_angle_deg" not in errors:
            errors[f"{name}_onset_angle_deg"] = [
                _(
                    "Enter the hip-flexion angle at which the symptoms came on, or record "
                    "that no symptoms came on."
                )
            ]
        if greatest is not None:
            errors[f"{name}_max_angle_deg"] = [
                _("The greatest angle is for a test without symptoms: the onset angle says it.")
            ]
        if not location and f"{name}_location" not in errors:
            errors[f"{name}_location"] = [
                _("Say where the symptoms were felt (the furthest from the spine they reached).")
            ]
        for field, value in differentiations.items():
            differentiations[field] = value or Differentiation.NOT_TESTED
    else:
        if onset is not None:
            errors[f"{name}_onset_angle_deg"] = [
                _(
                    "Leave the onset angle empty when no symptoms came on (the greatest angle "
                    "reached has its own field)."
                )
            ]
        if location:
            errors[f"{name}_location"] = [_("No symptoms came on: there is no place to record.")]
        for field, value in differentiations.items():
            if value in (Differentiation.CHANGED, Differentiation.UNCHANGED):
                errors[f"{name}_{field}"] = [
                    _(
                        "No symptoms came on, so there was nothing to differentiate: "
                        "leave this empty."
                    )
                ]
            differentiations[field] = ""
    measured = onset if symptoms else greatest
    if measured is not None and not method and f"{name}_angle_method" not in errors:
        errors[f"{name}_angle_method"] = [_("Say how the angle was measured.")]
    if measured is None:
        method = ""
    spread = None
    spread_raw = item.get("angle_spread_deg")
    angle_field = f"{name}_onset_angle_deg" if symptoms else f"{name}_max_angle_deg"
    # Only a phone reading has a spread; a hidden input left filled after the therapist typed
    # another method's value over it says nothing about that value.
    if not _blank(spread_raw) and measured is not None and method == AngleMethod.PHONE:
        try:
            spread = Decimal(str(spread_raw).strip())
            if not spread.is_finite() or spread < 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors[f"{name}_angle_spread_deg"] = [
                _("%(value)s is not a spread of readings in degrees.") % {"value": repr(spread_raw)}
            ]
            spread = None
        else:
            spread = spread.quantize(Decimal("0.01"))
            if spread > MAX_PHONE_SPREAD:
                errors[angle_field] = [
                    _(
                        "The phone was moving during the capture (it moved %(spread)s°):"
                        " hold it still and measure again."
                    )
                    % {"spread": f"{spread.normalize():f}"}
                ]
    if (
        measured is not None
        and method == AngleMethod.PHONE
        and _blank(spread_raw)
        and angle_field not in errors
    ):
        # The knee-to-wall's rule too: a number typed over a capture is not the phone's.
        errors[angle_field] = [
            _(
                "A phone angle comes from a capture with the phone on the leg, not typed: measure "
                "again with the phone, or choose how the angle was read."
            )
        ]
    values.update(
        onset_angle_deg=onset,
        max_angle_deg=None if symptoms else greatest,
        angle_method=method,
        angle_spread_deg=spread,
        location=location if symptoms else "",
        crossed=crossed or YesNoNotTested.NOT_TESTED,
        neck_extension_eased="",
        **differentiations,
    )
    for field in SLUMP_FIELDS:
        if not _blank(item.get(field)):
            errors[f"{name}_{field}"] = [_("Neck extension belongs to the slump test.")]
    return values


def _slump_values(item: Mapping[str, Any], name: str, errors: dict) -> dict[str, Any]:
    symptoms = bool(item.get("symptoms"))
    eased = _choice(
        item.get("neck_extension_eased"),
        YesNoNotTested,
        field=f"{name}_neck_extension_eased",
        errors=errors,
        words=_YES_NO_WORDS,
    )
    if not symptoms and eased in (YesNoNotTested.YES, YesNoNotTested.NO):
        errors[f"{name}_neck_extension_eased"] = [
            _("The symptoms were not reproduced: there was nothing for neck extension to ease.")
        ]
    for field in SLR_FIELDS:
        if not _blank(item.get(field)):
            errors[f"{name}_{field}"] = [
                _("This belongs to the straight-leg raise, not the slump.")
            ]
    return {
        "symptoms": symptoms,
        "neck_extension_eased": (eased or YesNoNotTested.NOT_TESTED) if symptoms else "",
    }


def neural_results_parse(results: Any) -> list[dict[str, Any]]:
    """The result rows' values, or a ValidationError naming every bad field."""
    errors: dict[str, list[str]] = {}
    if not isinstance(results, list | tuple) or not results:
        raise ValidationError({"results": [_("Record at least one test on one side.")]})
    parsed: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for item in results:
        test, side = item.get("test"), item.get("side")
        if test not in NeuralTest.values:
            errors["results"] = [
                _("%(value)s is not a test here: choose slr or slump.") % {"value": repr(test)}
            ]
            continue
        if side not in TestSide.values:
            errors["results"] = [
                _("%(value)s is not a side: choose left or right.") % {"value": repr(side)}
            ]
            continue
        name = f"{side}_{test}"
        if (test, side) in seen:
            errors[name] = [
                _("The %(test)s is given twice in this record: keep one.")
                % {"test": TEST_NAMES[side, test]}
            ]
            continue
        seen.add((test, side))
        if test == NeuralTest.SLR:
            values = _slr_values(item, name, errors)
        else:
            values = _slump_values(item, name, errors)
        parsed.append({"test": test, "side": side, **values})
    if errors:
        raise ValidationError(errors)
    return parsed


def _measured_at(measured_at: Any, patient: Patient, errors: dict) -> None:
    if not isinstance(measured_at, datetime):
        errors["measured_at"] = [_("Enter when the tests were done.")]
    elif timezone.is_naive(measured_at):
        errors["measured_at"] = [_("Give a time zone with the time.")]
    elif measured_at > timezone.now() + CLOCK_SKEW:
        errors["measured_at"] = [_("The tests cannot be in the future.")]
    elif (
        measured_at.date() < patient.date_of_birth
        or patient.clinic.local_date(measured_at) < patient.date_of_birth
    ):
        errors["measured_at"] = [_("The tests cannot be before the patient was born.")]


def _visit(assessment_id: Any, patient: Patient, errors: dict) -> Assessment | None:
    """The knee-to-wall visit named, locked: two entries for one visit are decided in turn."""
    if _blank(assessment_id):
        return None
    try:
        pk = int(assessment_id)
    except (TypeError, ValueError):
        errors["assessment"] = [f"{assessment_id!r} is not a knee-to-wall visit's id."]
        return None
    visit = Assessment.objects.select_for_update().filter(pk=pk).first()
    if visit is None or visit.clinic_id != patient.clinic_id:
        errors["assessment"] = [_("No such knee-to-wall visit in your clinic.")]
        return None
    if visit.patient_id != patient.pk:
        errors["assessment"] = [
            _("That knee-to-wall visit is another patient's: choose one of this patient's.")
        ]
        return None
    if visit.kind != AssessmentKind.CLINIC:
        errors["assessment"] = [
            _(
                "That is the patient's self-test at home, not a visit: choose a clinic test or "
                "record the neural tests alone."
            )
        ]
        return None
    return visit


def _already_at_visit(visit: Assessment, parsed: list[dict[str, Any]], errors: dict) -> None:
    recorded = {
        (test, side): when
        for test, side, when in NeuralTestResult.objects.filter(
            exam__assessment=visit, exam__entered_in_error_at__isnull=True
        ).values_list("test", "side", "exam__measured_at")
    }
    for values in parsed:
        when = recorded.get((values["test"], values["side"]))
        if when is not None:
            errors[f"{values['side']}_{values['test']}"] = [
                _(
                    "The %(test)s is already recorded for this visit (%(day)s): mark that "
                    "record entered in error to record it again."
                )
                % {
                    "test": TEST_NAMES[values["side"], values["test"]],
                    "day": date_format(timezone.localtime(when), "j M Y"),
                }
            ]


@transaction.atomic
def neural_exam_record(
    *, patient: Patient, measured_by: User, recorded_by: User, data: Mapping[str, Any]
) -> NeuralExam:
    """Record one sitting of neural tests (SLR and slump, per side), alone or with a visit."""
    patient = Patient.objects.select_for_update().select_related("clinic").get(pk=patient.pk)
    errors: dict[str, list[str]] = {}
    if not patient.is_active:
        raise ValidationError(
            {"patient": [_("This patient is discharged; re-activate them to record a test.")]}
        )
    if not measured_by.is_active_clinician_of(patient.clinic_id):
        errors["measured_by"] = [_("Choose an active therapist of this clinic.")]
    measured_at = data.get("measured_at")
    _measured_at(measured_at, patient, errors)
    visit = _visit(data.get("assessment"), patient, errors)
    notes = (data.get("notes") or "").strip()
    if len(notes) > 5000:
        errors["notes"] = [_("Keep notes under 5,000 characters.")]
    parsed: list[dict[str, Any]] = []
    try:
        parsed = neural_results_parse(data.get("results"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if visit is not None and parsed:
        _already_at_visit(visit, parsed, errors)
    if errors:
        raise ValidationError(errors)
    exam = NeuralExam.objects.create(
        patient=patient,
        clinic=patient.clinic,
        assessment=visit,
        measured_at=measured_at,
        measured_by=measured_by,
        recorded_by=recorded_by,
        recorded_at=timezone.now(),
        notes=notes,
    )
    NeuralTestResult.objects.bulk_create(
        [NeuralTestResult(exam=exam, **values) for values in parsed]
    )
    patient_data_changed(patient.pk)
    return exam


@transaction.atomic
def neural_exam_mark_entered_in_error(*, exam: NeuralExam, by: User, reason: str) -> NeuralExam:
    """A wrong record stays on record, marked, with who said so and why; it leaves the history,
    the charts and the interpretation."""
    locked = NeuralExam.objects.select_for_update().get(pk=exam.pk)
    if locked.entered_in_error_at is not None:
        raise ValidationError({"reason": [_("This record is already marked entered in error.")]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why this record is entered in error.")]})
    if len(reason) > 2000:
        raise ValidationError({"reason": [_("Keep the reason under 2,000 characters.")]})
    locked.entered_in_error_at = timezone.now()
    locked.entered_in_error_by = by
    locked.entered_in_error_reason = reason
    locked.save(
        update_fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"]
    )
    patient_data_changed(locked.patient_id)
    return locked
