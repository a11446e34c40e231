"""The knee-to-wall and the outcome questionnaires on one time axis: what the staff page of a
patient and the patient's own page (/me/) show beside the ankle.

It composes two apps that do not know each other (assessments, questionnaires), so it lives
here, above both. Every chart is drawn over the same range (the first to the last of all the
patient's tests and answers) with the same width and margins, so a date is at the same x on
each; every interpretation comes from its own module (the MDC's, the MCID's), none is made here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from assessments.charts import SideChart, side_chart
from assessments.interpretation import STANDING_LABELS, Thresholds, describe_distance
from assessments.interpretation import describe_change as describe_ankle_change
from assessments.selectors import Reading
from clinic.models import Patient
from questionnaires.charts import ScoreChart, score_chart
from questionnaires.interpretation import Change, describe_change
from questionnaires.scoring import display_total
from questionnaires.selectors import ScoreHistory, patient_score_histories


@dataclass(frozen=True)
class ScorePanel:
    """One instrument: its latest score, its changes in plain words, its chart."""

    history: ScoreHistory
    chart: ScoreChart
    for_patient: bool = False  # the patient's own page: their words, not the staff's

    @property
    def instrument(self):
        return self.history.instrument

    @property
    def latest_total(self) -> str:
        return display_total(self.history.latest.value.total)

    @property
    def scale(self) -> str:
        instrument = self.instrument
        low, high = display_total(instrument.score_min), display_total(instrument.score_max)
        if instrument.better == "lower":
            return _("%(low)s–%(high)s, lower is better") % {"low": low, "high": high}
        return _("%(low)s–%(high)s, higher is better") % {"low": low, "high": high}

    @property
    def latest_at(self):
        return self.history.latest_response.completed_at

    @property
    def answers(self) -> int:
        return len(self.history.series)

    def _words(self, change: Change | None) -> tuple[str, str] | None:
        if change is None:
            return None
        return (change.classification.value, describe_change(change, for_patient=self.for_patient))

    @property
    def since_first(self) -> tuple[str, str] | None:
        """(class, plain words) of the change since the baseline, the latest answers with a
        valid score against the first (the dashboard's and the outcomes page's rule); None
        before two valid scores."""
        return self._words(self.history.change_since_baseline)

    @property
    def since_first_from_earlier(self):
        """When the latest answers have no valid score, the day of the valid ones the change
        since the first is from (None otherwise)."""
        valid = self.history.latest_valid_response
        if valid is None or valid.pk == self.history.latest_response.pk:
            return None
        return valid.completed_at

    @property
    def since_previous(self) -> tuple[str, str] | None:
        series = self.history.series
        if len(series) < 2 or (series[-2].is_baseline and series[-1].value.valid):
            return None  # the previous answers are the baseline: said once, since the first
        return self._words(self.history.latest.since_previous)


@dataclass(frozen=True)
class AnklePanel:
    """One side of the knee-to-wall: the latest clinic test in words, its change since the
    first (against the MDC), its chart."""

    side: str
    chart: SideChart
    latest: str
    latest_at: object
    since_first: tuple[str, str] | None


@dataclass(frozen=True)
class BesideTheAnkle:
    ankle_panels: list[AnklePanel]
    panels: list[ScorePanel]
    start: object
    end: object


def _ankle_panels(
    readings: list[Reading], charts: dict, unit: str, *, for_patient: bool
) -> list[AnklePanel]:
    clinical = [reading for reading in readings if not reading.is_self_test]
    latest = clinical[-1] if clinical else None
    panels = []
    for side, chart in charts.items():
        if chart is None:
            continue
        reading = getattr(latest, side) if latest is not None else None
        change = reading.since_baseline if reading is not None else None
        panels.append(
            AnklePanel(
                side=side,
                chart=chart,
                latest=(
                    f"{describe_distance(reading.value, unit)} "
                    f"({STANDING_LABELS[reading.standing]})"
                    if reading is not None
                    else ""
                ),
                latest_at=latest.revision.measured_at if latest is not None else None,
                since_first=(
                    (
                        change.classification.value,
                        describe_ankle_change(change, unit, for_patient=for_patient),
                    )
                    if change is not None
                    else None
                ),
            )
        )
    return panels


def beside_the_ankle(
    *, patient: Patient, readings: list[Reading], unit: str, for_patient: bool = False
) -> BesideTheAnkle | None:
    """The charts on one axis, or None when the patient has no test and no answers yet.
    `readings` are the patient's knee-to-wall readings (assessments.selectors); the
    questionnaires are loaded here, in two queries."""
    histories = patient_score_histories(patient=patient)
    moments = [reading.revision.measured_at for reading in readings] + [
        response.completed_at for history in histories for response in history.responses
    ]
    if not histories or not moments:
        return None
    start, end = min(moments), max(moments)
    thresholds = Thresholds.for_clinic(patient.clinic)
    charts = {
        side: side_chart(readings, side, thresholds, unit, time_range=(start, end))
        for side in ("left", "right")
    }
    return BesideTheAnkle(
        ankle_panels=_ankle_panels(readings, charts, unit, for_patient=for_patient),
        panels=[
            ScorePanel(history, score_chart(history, start=start, end=end), for_patient)
            for history in histories
        ],
        start=start,
        end=end,
    )
