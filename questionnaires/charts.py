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

from django.utils.translation import gettext as _

from clinic.charts import (
    ChartFrame,
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
from questionnaires.wording import instrument_words

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


@dataclass(kw_only=True)
class ScoreChart(ChartFrame):
    key: str
    better_label: str
    height: int = HEIGHT
    points: list[ScorePoint] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    band: tuple[float, float] | None = None  # (top y, height)
    band_label: str = ""
    has_invalid: bool = False


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
    name = instrument_words(instrument.short_name, instrument)
    chart = ScoreChart(
        key=f"{instrument.slug}-{instrument.pk}",
        title=_("%(name)s over time") % {"name": name},
        description="",
        better_label=_("lower is better") if better_lower else _("higher is better"),
    )
    low, high = instrument.score_min, instrument.score_max
    chart.y_title = _("Score (%(low)s–%(high)s)") % {
        "low": display_total(low),
        "high": display_total(high),
    }
    chart.value_heading = _("%(name)s score") % {"name": name}
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
        chart.band_label = _("MCID band: baseline ± %(mcid)s (no important change)") % {
            "mcid": history.mcid.describe()
        }

    run: list[ScorePoint] = []
    runs = [run]
    for response, item in zip(history.responses, history.series, strict=True):
        when = day_text(response.completed_at)
        valid = item.value.valid
        point = ScorePoint(
            x=x_of(response.completed_at),
            y=y_of(item.value.total) if valid else chart.plot_bottom + INVALID_DROP,
            label=_("%(when)s: %(score)s")
            % {"when": when, "score": display_total(item.value.total)},
            valid=valid,
        )
        chart.points.append(point)
        chart.rows.append(
            DataRow(
                when,
                display_total(item.value.total) if valid else _("no valid score"),
                "" if valid else _("too many questions unanswered"),
            )
        )
        if valid:
            runs[-1].append(point)
        elif runs[-1]:
            runs.append([])
        chart.has_invalid = chart.has_invalid or not valid
    chart.segments = [" ".join(f"{p.x},{p.y}" for p in run) for run in runs if run]
    valid = [item.value.total for item in history.series if item.value.valid]
    words = {
        "count": len(history.series),
        "low": display_total(low),
        "high": display_total(high),
        "better": chart.better_label,
    }
    if valid:
        words |= {"first": display_total(valid[0]), "last": display_total(valid[-1])}
        chart.description = (
            _(
                "%(count)s answers, from %(first)s to %(last)s; "
                "scale %(low)s to %(high)s, %(better)s."
            )
            % words
        )
    else:
        chart.description = _("%(count)s answers; scale %(low)s to %(high)s, %(better)s.") % words
    return chart
