"""Server-rendered SVG chart of the SLR onset angle over time, one per side.

Plain geometry computed here and drawn by a template (templates/neural/_chart.html), on the
shared width and time axis of clinic/charts.py. The y axis is hip flexion from 0 to 110°, with
the classic 30–70° range shaded. A test where no symptoms came on has no onset: it is drawn as
an upward triangle at the greatest angle reached (or at the top when that was not recorded), and
the onset line is broken there rather than drawn through an angle nobody recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinic.charts import ChartFrame, DataRow, TimeAxis, ValueAxis, day_text
from neural.interpretation import CLASSIC_HIGH, CLASSIC_LOW, MAX_ANGLE
from neural.selectors import ResultReading

HEIGHT = 340


@dataclass
class AnglePoint:
    x: float
    y: float
    label: str
    onset: bool  # False: no symptoms came on (a triangle at the greatest angle reached)
    approximate: bool

    @property
    def marker(self) -> str:
        return f"M{self.x - 8},{self.y + 6} L{self.x + 8},{self.y + 6} L{self.x},{self.y - 7} Z"


@dataclass(kw_only=True)
class SlrChart(ChartFrame):
    side: str
    y_title: str = gettext_lazy("Hip flexion at onset (°)")
    height: int = HEIGHT
    points: list[AnglePoint] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    band: tuple[float, float] = (0, 0)  # the classic range: (top y, height)
    has_no_symptoms: bool = False
    has_approximate: bool = False


def _y(chart: SlrChart, angle: Decimal) -> float:
    return ValueAxis(0, float(MAX_ANGLE), chart.plot_top, chart.plot_bottom).y(float(angle))


def slr_chart(
    points: list[tuple[datetime, ResultReading]],
    side: str,
    *,
    time_range: tuple[datetime, datetime] | None = None,
) -> SlrChart | None:
    """`points`: (when, reading) of one side's SLRs, oldest first (selectors.slr_points)."""
    if not points:
        return None
    chart = SlrChart(
        side=side,
        key=f"slr-{side}",
        title=(
            _("Left SLR onset angle over time")
            if side == "left"
            else _("Right SLR onset angle over time")
        ),
        description="",
        value_heading=_("Left SLR") if side == "left" else _("Right SLR"),
    )
    times = [when for when, _reading in points]
    axis = TimeAxis(*(time_range or (min(times), max(times))))
    chart.x_ticks = axis.ticks()
    chart.x_title = axis.title()
    # The edges of the classic range, and the ends of the scale.
    chart.y_ticks = [(_y(chart, Decimal(tick)), f"{tick}") for tick in (0, 30, 70, 110)]
    top, bottom = _y(chart, CLASSIC_HIGH), _y(chart, CLASSIC_LOW)
    chart.band = (top, round(bottom - top, 1))
    runs: list[list[AnglePoint]] = [[]]
    for when, reading in points:
        result = reading.result
        day = day_text(when)
        approximate = result.angle_method == "estimated"
        chart.has_approximate = chart.has_approximate or approximate
        if result.symptoms:
            point = AnglePoint(
                x=axis.x(when),
                y=_y(chart, result.onset_angle_deg),
                label=_("%(day)s: %(angle)s, %(interpretation)s")
                % {
                    "day": day,
                    "angle": reading.angle_text,
                    "interpretation": reading.interpretation.label,
                },
                onset=True,
                approximate=approximate,
            )
            runs[-1].append(point)
        else:
            chart.has_no_symptoms = True
            point = AnglePoint(
                x=axis.x(when),
                y=_y(
                    chart, result.max_angle_deg if result.max_angle_deg is not None else MAX_ANGLE
                ),
                label=_("%(day)s: %(angle)s") % {"day": day, "angle": reading.angle_text},
                onset=False,
                approximate=approximate,
            )
            if runs[-1]:
                runs.append([])
        chart.points.append(point)
        chart.rows.append(
            DataRow(
                day,
                reading.angle_text,
                reading.interpretation.label if result.symptoms else _("no symptoms came on"),
            )
        )
    chart.segments = [" ".join(f"{p.x},{p.y}" for p in run) for run in runs if run]
    onsets = [reading for _, reading in points if reading.result.symptoms]
    if onsets:
        chart.description = _(
            "%(count)s straight-leg raises; onset from %(first)s to %(last)s. "
            "Shaded: the classic 30–70° range."
        ) % {
            "count": len(points),
            "first": onsets[0].angle_text,
            "last": onsets[-1].angle_text,
        }
    else:
        chart.description = _(
            "%(count)s straight-leg raises; no symptoms came on in any. "
            "Shaded: the classic 30–70° range."
        ) % {"count": len(points)}
    return chart
