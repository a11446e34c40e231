"""Server-rendered SVG charts of a questionnaire's scores over time: geometry here, drawing in
templates/questionnaires/_score_chart.html, no chart library and no network.

The time axis is given, not found: the page beside the ankle draws every chart (knee-to-wall
and questionnaires) on one shared range, with the knee-to-wall chart's width and margins, so
that a date falls at the same x on each. The band around the baseline is where a change is
smaller than the MCID (no important change), as the knee-to-wall chart's band is the MDC's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from clinic.charts import (
    BOTTOM,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    DataRow,
    TimeAxis,
    ValueAxis,
    day_text,
    most_intervals,
    nice_step,
)
from questionnaires.interpretation import McidRule
from questionnaires.scoring import Better, display_total
from questionnaires.selectors import ScoreHistory

HEIGHT = 280
INVALID_DROP = 9  # answers without a valid score: a marker under the plot, off the scale


@dataclass
class ScorePoint:
    x: float
    y: float
    label: str
    valid: bool

    @property
    def marker(self) -> str:
        return f"M{self.x - 5},{self.y - 8} L{self.x + 5},{self.y - 8} L{self.x},{self.y} Z"


@dataclass
class ScoreChart:
    key: str
    title: str
    description: str
    better_label: str
    y_title: str = ""
    x_title: str = ""
    value_heading: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM
    plot_width: int = WIDTH - RIGHT - LEFT
    points: list[ScorePoint] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    band: tuple[float, float] | None = None  # (top y, height)
    band_label: str = ""
    has_invalid: bool = False
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    rows: list[DataRow] = field(default_factory=list)


def no_important_change_band(history: ScoreHistory) -> tuple[Decimal, Decimal] | None:
    """The scores around the baseline that would be no important change by the MCID, for the
    drawing only (the classes come from the interpretation): `either` is reached at the
    smaller of its two thresholds, `both` at the larger; a percentage of a baseline at the
    bottom of the scale does not exist, so the points alone."""
    baseline = next((item.value for item in history.series if item.value.valid), None)
    if baseline is None:
        return None
    mcid = history.mcid
    base = baseline.total - baseline.scale.score_min
    by_percent = mcid.percent * base / 100 if mcid.percent is not None and base > 0 else None
    widths = [width for width in (mcid.points, by_percent) if width is not None]
    if not widths:
        return None
    width = max(widths) if mcid.rule == McidRule.BOTH else min(widths)
    low = max(baseline.scale.score_min, baseline.total - width)
    high = min(baseline.scale.score_max, baseline.total + width)
    return low, high


def score_chart(history: ScoreHistory, *, start: datetime, end: datetime) -> ScoreChart:
    instrument = history.instrument
    better_lower = instrument.better == Better.LOWER
    chart = ScoreChart(
        key=f"{instrument.slug}-{instrument.pk}",
        title=f"{instrument.short_name} over time",
        description="",
        better_label="lower is better" if better_lower else "higher is better",
    )
    low, high = instrument.score_min, instrument.score_max
    chart.y_title = f"Score ({display_total(low)}–{display_total(high)})"
    chart.value_heading = f"{instrument.short_name} score"
    axis = TimeAxis(start, end)
    x_of = axis.x
    values_axis = ValueAxis(float(low), float(high), chart.plot_top, chart.plot_bottom)

    def y_of(value: Decimal) -> float:
        # An older version's wider scale stays on the plot.
        return values_axis.y(float(min(max(value, low), high)))

    step = nice_step(float(high - low), most_intervals(chart.plot_top, chart.plot_bottom))
    chart.y_ticks = values_axis.ticks(step, lambda tick: display_total(Decimal(str(tick))))
    chart.x_ticks = axis.ticks()
    chart.x_title = axis.title()

    band = no_important_change_band(history)
    if band is not None:
        top, bottom = y_of(band[1]), y_of(band[0])
        chart.band = (top, round(bottom - top, 1))
        chart.band_label = f"MCID band: baseline ± {history.mcid.describe()} (no important change)"

    run: list[ScorePoint] = []
    runs = [run]
    for response, item in zip(history.responses, history.series, strict=True):
        when = day_text(response.completed_at)
        valid = item.value.valid
        point = ScorePoint(
            x=x_of(response.completed_at),
            y=y_of(item.value.total) if valid else chart.plot_bottom + INVALID_DROP,
            label=f"{when}: {display_total(item.value.total)}",
            valid=valid,
        )
        chart.points.append(point)
        chart.rows.append(
            DataRow(
                when,
                display_total(item.value.total) if valid else "no valid score",
                "" if valid else "too many questions unanswered",
            )
        )
        if valid:
            runs[-1].append(point)
        elif runs[-1]:
            runs.append([])
        chart.has_invalid = chart.has_invalid or not valid
    chart.segments = [" ".join(f"{p.x},{p.y}" for p in run) for run in runs if run]
    valid = [item.value.total for item in history.series if item.value.valid]
    chart.description = (
        f"{len(history.series)} answers"
        + (f", from {display_total(valid[0])} to {display_total(valid[-1])}" if valid else "")
        + f"; scale {display_total(low)} to {display_total(high)}, {chart.better_label}."
    )
    return chart
