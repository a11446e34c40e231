"""Reads of neural tests: each result with its interpretation, and the SLR onset angle per side
over time with its change in degrees (never judged real or not: no MDC is known)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from assessments.models import Assessment, AssessmentKind, AssessmentRevision
from clinic.models import Patient
from neural.interpretation import (
    Interpretation,
    SlrValues,
    describe_angle,
    describe_angle_change,
    interpret_slr,
    interpret_slump,
)
from neural.models import AngleMethod, NeuralExam, NeuralTest, NeuralTestResult


def interpret(result: NeuralTestResult) -> Interpretation:
    if result.test == NeuralTest.SLR:
        return interpret_slr(
            SlrValues(
                symptoms=result.symptoms,
                onset_angle_deg=result.onset_angle_deg,
                max_angle_deg=result.max_angle_deg,
                method=result.angle_method,
                location=result.location,
                bragard=result.bragard,
                hip_internal_rotation=result.hip_internal_rotation,
                crossed=result.crossed,
            )
        )
    return interpret_slump(reproduced=result.symptoms, neck_extension=result.neck_extension_eased)


@dataclass
class ResultReading:
    result: NeuralTestResult
    interpretation: Interpretation
    # SLR only: the change of onset angle since the first and the previous SLR of that side.
    since_first: str = ""
    since_previous: str = ""

    @property
    def test(self) -> str:
        return self.result.test

    @property
    def side(self) -> str:
        return self.result.side

    @property
    def headline(self) -> str:
        """The big value of a page's card: the onset angle, or that none came on."""
        result = self.result
        if result.test != NeuralTest.SLR:
            return ""
        if result.symptoms:
            return describe_angle(result.onset_angle_deg, result.angle_method)
        return _("No symptoms")

    @property
    def angle_text(self) -> str:
        result = self.result
        if result.test != NeuralTest.SLR:
            return ""
        if result.symptoms:
            return describe_angle(result.onset_angle_deg, result.angle_method)
        if result.max_angle_deg is not None:
            return _("no symptoms up to %(angle)s") % {
                "angle": describe_angle(result.max_angle_deg, result.angle_method)
            }
        return _("no symptoms up to the end of range")


@dataclass
class ExamReading:
    exam: NeuralExam
    results: list[ResultReading] = field(default_factory=list)

    def get(self, test: str, side: str) -> ResultReading | None:
        for reading in self.results:
            if reading.test == test and reading.side == side:
                return reading
        return None

    @property
    def grid(self) -> list[dict]:
        """Rows for a page: each test with its left and right reading (None: not done)."""
        return [
            {
                "test": test,
                "label": label,
                "sides": [self.get(test, "left"), self.get(test, "right")],
            }
            for test, label in NeuralTest.choices
            if self.get(test, "left") or self.get(test, "right")
        ]


def _exams(queryset) -> list[NeuralExam]:
    return list(
        queryset.select_related("measured_by", "recorded_by", "entered_in_error_by", "assessment")
        .prefetch_related(Prefetch("results", queryset=NeuralTestResult.objects.order_by("test")))
        .order_by("measured_at", "id")
    )


def interpret_exams(exams: list[NeuralExam]) -> list[ExamReading]:
    """Exams in time order, each result interpreted; the SLR angle compared with the first and
    the previous valid SLR of its side (an exam entered in error is read, not compared)."""
    first: dict[str, NeuralTestResult] = {}
    previous: dict[str, NeuralTestResult] = {}
    readings = []
    for exam in sorted(exams, key=lambda e: (e.measured_at, e.pk)):
        reading = ExamReading(exam=exam)
        for result in sorted(exam.results.all(), key=lambda r: (r.test, r.side)):
            item = ResultReading(result=result, interpretation=interpret(result))
            if result.test == NeuralTest.SLR and not exam.entered_in_error:
                # Two SLRs without symptoms have no angle to compare: nothing is said.
                approximate = result.angle_method == AngleMethod.ESTIMATED
                if result.side in first:
                    before = first[result.side]
                    if before.symptoms or result.symptoms:
                        item.since_first = describe_angle_change(
                            before.onset_angle_deg if before.symptoms else None,
                            result.onset_angle_deg if result.symptoms else None,
                            approximate=approximate or before.angle_method == AngleMethod.ESTIMATED,
                        )
                    last = previous[result.side]
                    if last is not before and (last.symptoms or result.symptoms):
                        item.since_previous = describe_angle_change(
                            last.onset_angle_deg if last.symptoms else None,
                            result.onset_angle_deg if result.symptoms else None,
                            approximate=approximate or last.angle_method == AngleMethod.ESTIMATED,
                        )
                else:
                    first[result.side] = result
                previous[result.side] = result
            reading.results.append(item)
        readings.append(reading)
    return readings


def patient_neural_history(*, patient: Patient) -> list[ExamReading]:
    """Every sitting of the patient, oldest first, entered-in-error ones included (marked)."""
    return interpret_exams(_exams(NeuralExam.objects.filter(patient=patient)))


def exam_reading(*, exam: NeuralExam) -> ExamReading:
    """One exam, interpreted in its patient's history (its changes since the first)."""
    for reading in patient_neural_history(patient=exam.patient):
        if reading.exam.pk == exam.pk:
            return reading
    raise NeuralExam.DoesNotExist


def readings_for_exams(*, exam_ids: list[int]) -> dict[int, ExamReading]:
    """Exams by id (for the API), each interpreted in its own patient's history, so one
    patient's first SLR is never compared with another's. Two queries."""
    wanted = set(exam_ids)
    patient_ids = set(NeuralExam.objects.filter(pk__in=wanted).values_list("patient_id", flat=True))
    by_patient: dict[int, list[NeuralExam]] = {}
    for exam in _exams(NeuralExam.objects.filter(patient_id__in=patient_ids)):
        by_patient.setdefault(exam.patient_id, []).append(exam)
    return {
        reading.exam.pk: reading
        for own in by_patient.values()
        for reading in interpret_exams(own)
        if reading.exam.pk in wanted
    }


def latest_by_side(readings: list[ExamReading]) -> dict[str, dict[str, ResultReading]]:
    """The latest valid result of each test per side: {"slr": {"left": ...}, ...}."""
    latest: dict[str, dict[str, ResultReading]] = {test: {} for test in NeuralTest.values}
    for reading in readings:
        if reading.exam.entered_in_error:
            continue
        for item in reading.results:
            latest[item.test][item.side] = item
    return latest


def slr_points(readings: list[ExamReading], side: str) -> list[tuple[datetime, ResultReading]]:
    """The valid SLRs of one side, oldest first, for the chart."""
    return [
        (reading.exam.measured_at, item)
        for reading in readings
        if not reading.exam.entered_in_error
        for item in reading.results
        if item.test == NeuralTest.SLR and item.side == side
    ]


def visit_for_entry(*, patient: Patient, assessment_id: str | None) -> Assessment | None:
    """The knee-to-wall visit the entry page was opened from, if it is this patient's clinic
    test, with its current revision (`current_revision`) for the page's defaults. Anything
    else is no visit here; the service names what is wrong with it when the form is sent."""
    if not assessment_id or not str(assessment_id).isdigit():
        return None
    visit = (
        Assessment.objects.filter(
            pk=int(assessment_id), patient=patient, kind=AssessmentKind.CLINIC
        )
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=AssessmentRevision.objects.current().select_related("measured_by"),
                to_attr="current_revisions",
            )
        )
        .first()
    )
    if visit is not None:
        visit.current_revision = visit.current_revisions[0]
    return visit
