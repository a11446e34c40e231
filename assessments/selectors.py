"""Reads of knee-to-wall assessments, interpreted against the clinic's thresholds.

The baseline is the first clinic test; self-tests are shown beside the clinic's values but never
serve as a baseline or a previous value, and are never classified against the MDC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from assessments.interpretation import (
    STANDING_LABELS,
    AngleChange,
    AngleValue,
    Asymmetry,
    Change,
    SideValue,
    Standing,
    Thresholds,
    angle_change_between,
    approx_degrees,
    asymmetry,
    change_between,
    describe_angle_change,
    describe_change,
    describe_distance,
    standing,
)
from assessments.models import Assessment, AssessmentKind, AssessmentRevision
from clinic.models import Patient

SIDES = ("left", "right")


@dataclass(frozen=True)
class SideReading:
    side: str
    value: SideValue
    tibia_angle_deg: object
    heel_down: bool
    pain: int | None
    standing: Standing
    approx_degrees: Decimal | None
    since_baseline: Change | None = None
    since_previous: Change | None = None
    # The measured angle, or one estimated from the distance (approximate), or none.
    angle: AngleValue = field(default_factory=lambda: AngleValue(None))
    angle_spread_deg: Decimal | None = None  # a phone capture's spread of readings
    # Against the first and the latest earlier clinic test that measured this side's angle.
    angle_since_baseline: AngleChange | None = None
    angle_since_previous: AngleChange | None = None

    @property
    def reached(self) -> bool:
        return self.value.reached

    @property
    def measured(self) -> bool:
        return self.value.measured

    @property
    def angle_method_measured(self) -> str:
        """How the angle was measured; empty when it was not (an estimate is not a method)."""
        return self.angle.method if self.angle.measured else ""

    @property
    def distance_um(self) -> int | None:
        """None when the gap was not measured: there is no distance, not a distance of 0."""
        return self.value.um


@dataclass(frozen=True)
class Reading:
    revision: AssessmentRevision
    left: SideReading
    right: SideReading
    asymmetry: Asymmetry
    is_baseline: bool = False
    previous: Reading | None = field(default=None, repr=False)

    @property
    def is_self_test(self) -> bool:
        return self.revision.assessment.kind == AssessmentKind.SELF_TEST

    @property
    def sides(self) -> tuple[SideReading, SideReading]:
        return (self.left, self.right)

    @property
    def compensation_flags(self) -> tuple[bool, bool, bool, bool]:
        revision = self.revision
        return (
            revision.feet_turned_out,
            revision.knees_in,
            revision.anterior_pelvic_tilt,
            revision.push_off_turn_out,
        )


def _angle(revision: AssessmentRevision, side: str) -> AngleValue:
    return AngleValue.of(
        measured_deg=getattr(revision, f"{side}_tibia_angle_deg"),
        method=getattr(revision, f"{side}_angle_method"),
        distance_um=SideValue.of(revision, side).um,
    )


@dataclass
class _AngleHistory:
    """Per side, the clinic tests that measured an angle so far: the first is the angle's
    baseline, the last the previous one. Tests without a measured angle are skipped, so an
    angle is always compared with an angle, never with a test that had none."""

    baseline: dict[str, AssessmentRevision] = field(default_factory=dict)
    previous: dict[str, AssessmentRevision] = field(default_factory=dict)

    def add(self, revision: AssessmentRevision) -> None:
        for side in SIDES:
            if _angle(revision, side).measured:
                self.baseline.setdefault(side, revision)
                self.previous[side] = revision


def _side(
    revision: AssessmentRevision,
    side: str,
    thresholds: Thresholds,
    baseline: AssessmentRevision | None,
    previous: AssessmentRevision | None,
    angles: _AngleHistory | None = None,
) -> SideReading:
    values = revision.side(side)
    value = SideValue.of(revision, side)
    angle = _angle(revision, side)

    def angle_change(before: AssessmentRevision | None) -> AngleChange | None:
        if before is None or before is revision:
            return None
        return angle_change_between(
            before=_angle(before, side),
            before_therapist_id=before.measured_by_id,
            after=angle,
            after_therapist_id=revision.measured_by_id,
            thresholds=thresholds,
        )

    def change(before: AssessmentRevision | None) -> Change | None:
        if before is None:
            return None
        return change_between(
            before=SideValue.of(before, side),
            before_therapist_id=before.measured_by_id,
            after=value,
            after_therapist_id=revision.measured_by_id,
            thresholds=thresholds,
        )

    return SideReading(
        side=side,
        value=value,
        tibia_angle_deg=values["tibia_angle_deg"],
        heel_down=values["heel_down"],
        pain=values["pain"],
        standing=standing(value, thresholds),
        approx_degrees=approx_degrees(value.um),
        since_baseline=change(baseline),
        since_previous=change(previous),
        angle=angle,
        angle_spread_deg=values["angle_spread_deg"],
        angle_since_baseline=angle_change(angles.baseline.get(side)) if angles else None,
        angle_since_previous=angle_change(angles.previous.get(side)) if angles else None,
    )


def interpret_history(revisions: list[AssessmentRevision], thresholds: Thresholds) -> list[Reading]:
    """Readings in time order, each clinic test compared with the baseline and the one before."""
    history = _History(thresholds)
    return [history.add(revision) for revision in _in_time_order(revisions)]


def latest_reading(revisions: list[AssessmentRevision], thresholds: Thresholds) -> Reading | None:
    """The last of `interpret_history`'s readings, without interpreting the tests before it
    (they only move the baseline and the angles' history): the dashboard's summaries read one
    reading a patient, and interpreting all of them was most of a refresh. Its `previous` is
    not filled in."""
    ordered = _in_time_order(revisions)
    if not ordered:
        return None
    history = _History(thresholds)
    for revision in ordered[:-1]:
        history.skip(revision)
    return history.add(ordered[-1])


def _in_time_order(revisions: list[AssessmentRevision]) -> list[AssessmentRevision]:
    return sorted(revisions, key=lambda r: (r.measured_at, r.assessment_id))


class _History:
    """What a test is compared with, as the tests before it left it: the baseline (the first
    clinic test), the clinic test before, and the angles measured so far. Self-tests are
    interpreted on their own and never compared."""

    def __init__(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds
        self.baseline: AssessmentRevision | None = None
        self.previous_clinic: AssessmentRevision | None = None
        self.previous_reading: Reading | None = None
        self.angles = _AngleHistory()

    def add(self, revision: AssessmentRevision) -> Reading:
        """The revision's reading, then the revision taken into the history."""
        clinical = revision.assessment.kind == AssessmentKind.CLINIC
        compare_baseline = self.baseline if clinical and self.baseline is not revision else None
        compare_previous = self.previous_clinic if clinical else None
        compare_angles = self.angles if clinical else None
        left, right = (
            _side(
                revision, side, self.thresholds, compare_baseline, compare_previous, compare_angles
            )
            for side in SIDES
        )
        reading = Reading(
            revision=revision,
            left=left,
            right=right,
            asymmetry=asymmetry(left.value, right.value, self.thresholds),
            is_baseline=clinical and self.baseline is None,
            previous=self.previous_reading if clinical else None,
        )
        self.skip(revision, reading)
        return reading

    def skip(self, revision: AssessmentRevision, reading: Reading | None = None) -> None:
        """Take the revision into the history without interpreting it."""
        if revision.assessment.kind == AssessmentKind.CLINIC:
            self.baseline = self.baseline or revision
            self.previous_clinic = revision
            self.previous_reading = reading
            self.angles.add(revision)


def patient_readings(*, patient: Patient) -> list[Reading]:
    revisions = list(
        AssessmentRevision.objects.current()
        .filter(assessment__patient=patient)
        .select_related("assessment", "measured_by", "recorded_by")
    )
    return interpret_history(revisions, Thresholds.for_clinic(patient.clinic))


def reading_for(*, assessment: Assessment) -> Reading:
    """The current values of one assessment, interpreted in the history of its patient."""
    for reading in patient_readings(patient=assessment.patient):
        if reading.revision.assessment_id == assessment.pk:
            return reading
    raise AssessmentRevision.DoesNotExist


def assessment_revisions(*, assessment: Assessment) -> list[AssessmentRevision]:
    return list(
        assessment.revisions.select_related("measured_by", "recorded_by").order_by("-number")
    )


def patient_progress_lines(
    *, patient: Patient, unit: str, readings: list[Reading] | None = None
) -> list[dict]:
    """Plain words for the patient's own page, newest first: each clinic test against the
    first one ("not comparable", with why, when either has no number for a side). `readings`:
    the patient's, when the page has read them already."""
    if readings is None:
        readings = patient_readings(patient=patient)
    lines = []
    for reading in reversed(readings):
        sides = []
        for side in reading.sides:
            if side.since_baseline is not None:
                text = describe_change(side.since_baseline, unit, for_patient=True)
            else:
                now = describe_distance(side.value, unit)
                text = f"{now} ({STANDING_LABELS[side.standing]})"
            if side.angle_since_baseline is not None:
                words = describe_angle_change(side.angle_since_baseline, for_patient=True)
                text = _("%(distance)s; angle %(angle)s") % {"distance": text, "angle": words}
            elif side.angle.measured:
                text = _("%(distance)s; angle %(angle)s") % {"distance": text, "angle": side.angle}
            if side.side == "left":
                sides.append(_("Left: %(result)s") % {"result": text})
            else:
                sides.append(_("Right: %(result)s") % {"result": text})
        lines.append(
            {
                "when": reading.revision.measured_at,
                "self_test": reading.is_self_test,
                "baseline": reading.is_baseline,
                "sides": sides,
            }
        )
    return lines


def readings_for_assessments(*, assessment_ids: list[int]) -> dict[int, Reading]:
    """Interpreted readings for a page of assessments, in two queries whatever its size:
    each needs its patient's whole history for the baseline and the previous test."""
    patient_ids = set(
        Assessment.objects.filter(pk__in=assessment_ids).values_list("patient_id", flat=True)
    )
    revisions = (
        AssessmentRevision.objects.current()
        .filter(assessment__patient_id__in=patient_ids)
        .select_related("assessment__patient__clinic")
    )
    by_patient: dict[int, list[AssessmentRevision]] = {}
    for revision in revisions:
        by_patient.setdefault(revision.assessment.patient_id, []).append(revision)
    readings: dict[int, Reading] = {}
    for patient_revisions in by_patient.values():
        clinic = patient_revisions[0].assessment.patient.clinic
        for reading in interpret_history(patient_revisions, Thresholds.for_clinic(clinic)):
            readings[reading.revision.assessment_id] = reading
    return {pk: readings[pk] for pk in assessment_ids if pk in readings}
