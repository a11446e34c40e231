"""Server-rendered SVG charts of knee-to-wall distance over time, one per side.

The chart is plain geometry computed here and drawn by a template, so pages need no chart
library and no network. The axes, their ticks and titles come from clinic/charts.py; the
numbers behind the picture are in the chart's own table ("Show the numbers").

A could-not-reach side whose gap was not measured has no height: it is drawn as a marker under
the plot, off the scale ("short of the wall, by how much unknown"), and the clinic line is broken
there rather than drawn through a number nobody recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from assessments.interpretation import UM_PER_UNIT, Thresholds, describe_distance, display
from assessments.selectors import Reading
from clinic.charts import (
    ChartFrame,
    DataRow,
    TimeAxis,
    ValueAxis,
    day_text,
)

HEIGHT = 300
UNMEASURED_DROP = 9  # below the plot's bottom edge, above the date labels
MINUS = "\u2212"


@dataclass
class Point:
    x: float
    y: float
    label: str
    self_test: bool
    reached: bool
    measured: bool = True

    @property
    def marker(self) -> str:
        """A downward triangle for a value that was not measured: it points below the scale."""
        return f"M{self.x - 5},{self.y - 8} L{self.x + 5},{self.y - 8} L{self.x},{self.y} Z"

    @property
    def square(self) -> tuple[float, float]:
        """The corner of the square drawn for a side that could not reach the wall: a shape of
        its own, not only another colour."""
        return (round(self.x - 5, 1), round(self.y - 5, 1))


@dataclass(kw_only=True)
class SideChart(ChartFrame):
    side: str
    height: int = HEIGHT
    points: list[Point] = field(default_factory=list)
    # The clinic line, broken at each test without a number: one polyline per run.
    segments: list[str] = field(default_factory=list)
    has_unmeasured: bool = False
    target_y: float | None = None
    target_label: str = ""
    band: tuple[float, float] | None = None  # (top y, height)
    band_label: str = ""
    has_not_reached: bool = False
    has_self_tests: bool = False


def _number(value: float) -> str:
    return f"{MINUS if value < 0 else ''}{abs(value):g}"


def side_chart(
    readings: list[Reading],
    side: str,
    thresholds: Thresholds,
    unit: str,
    *,
    time_range: tuple[datetime, datetime] | None = None,
) -> SideChart | None:
    """`time_range`: the x axis's first and last moments, when the chart shares its axis with
    others (the questionnaires' beside it); by default the readings' own."""
    if not readings:
        return None
    per_unit = UM_PER_UNIT[unit]
    chart = SideChart(
        side=side,
        title=(
            _("Left knee-to-wall distance over time")
            if side == "left"
            else _("Right knee-to-wall distance over time")
        ),
        description="",
        key=f"ktw-{side}",
        y_title=_("Distance (%(unit)s)") % {"unit": unit},
        value_heading=(_("Left (%(unit)s)") if side == "left" else _("Right (%(unit)s)"))
        % {"unit": unit},
    )
    clinical = [reading for reading in readings if not reading.is_self_test]
    baseline = next((reading for reading in clinical if reading.is_baseline), None)
    # The band needs the baseline's number; without one there is nothing to draw it around.
    base = getattr(baseline, side).distance_um if baseline is not None else None
    values = [
        getattr(reading, side).distance_um
        for reading in readings
        if getattr(reading, side).distance_um is not None
    ]
    chart.has_unmeasured = len(values) < len(readings)

    low = min([0, *values])
    high = max([thresholds.target_um, *values])
    mdc = thresholds.mdc_same_therapist_um  # the wider of the two: no band overstates change
    if base is not None:
        low, high = min(low, base - mdc), max(high, base + mdc)
    # The scale in the unit people read, so that the ticks fall on round numbers of it.
    values_axis, step = ValueAxis.rounded(
        low / per_unit, high / per_unit, top=chart.plot_top, bottom=chart.plot_bottom
    )

    def y_of(um: float) -> float:
        return values_axis.y(um / per_unit)

    times = [reading.revision.measured_at for reading in readings]
    axis = TimeAxis(*(time_range or (min(times), max(times))))
    chart.y_ticks = values_axis.ticks(step, _number)
    chart.x_ticks = axis.ticks()
    chart.x_title = axis.title()

    chart.target_y = y_of(thresholds.target_um)
    chart.target_label = _("target %(distance)s") % {
        "distance": display(thresholds.target_um, unit)
    }
    if base is not None:
        top, bottom = y_of(base + mdc), y_of(base - mdc)
        chart.band = (top, round(bottom - top, 1))
        chart.band_label = _("MDC band: baseline ± %(mdc)s (no real change)") % {
            "mdc": display(mdc, unit)
        }

    for reading in readings:
        value = getattr(reading, side)
        kind = _("self-test") if reading.is_self_test else _("clinic")
        when = day_text(reading.revision.measured_at)
        chart.has_self_tests = chart.has_self_tests or reading.is_self_test
        chart.has_not_reached = chart.has_not_reached or (value.measured and not value.reached)
        chart.points.append(
            Point(
                x=axis.x(reading.revision.measured_at),
                # Under the plot, not on it: any height inside would read as a distance.
                y=y_of(value.distance_um)
                if value.measured
                else chart.plot_bottom + UNMEASURED_DROP,
                label=_("%(day)s: %(value)s (%(kind)s)")
                % {"day": when, "value": describe_distance(value.value, unit), "kind": kind},
                self_test=reading.is_self_test,
                reached=value.reached,
                measured=value.measured,
            )
        )
        note = (
            _("self-test") if reading.is_self_test else _("baseline") if reading.is_baseline else ""
        )
        chart.rows.append(DataRow(when, describe_distance(value.value, unit), note))
    runs: list[list[Point]] = [[]]
    for point in chart.points:
        if point.self_test:
            continue
        if point.measured:
            runs[-1].append(point)
        elif runs[-1]:
            runs.append([])
    chart.segments = [" ".join(f"{p.x},{p.y}" for p in run) for run in runs if run]
    first, last = clinical[0] if clinical else None, clinical[-1] if clinical else None
    if first and last:
        first_value, last_value = getattr(first, side), getattr(last, side)
        chart.description = _(
            "%(count)s clinic tests from %(first)s to %(last)s; target %(target)s."
        ) % {
            "count": len(clinical),
            "first": describe_distance(first_value.value, unit),
            "last": describe_distance(last_value.value, unit),
            "target": display(thresholds.target_um, unit),
        }
    return chart


def angle_chart(
    readings: list[Reading],
    side: str,
    thresholds: Thresholds,
    *,
    time_range: tuple[datetime, datetime] | None = None,
) -> SideChart | None:
    """The measured lunge angle over time, in degrees. Only measured angles are drawn: an
    angle estimated from the distance is the distance chart again, not a second measurement.
    The band is the first measured angle ± the angle's MDC, as the distance chart's."""
    measured = [reading for reading in readings if getattr(reading, side).angle.measured]
    if not measured:
        return None
    chart = SideChart(
        side=side,
        title=(
            _("Left lunge angle over time (degrees from vertical)")
            if side == "left"
            else _("Right lunge angle over time (degrees from vertical)")
        ),
        description="",
        key=f"angle-{side}",
        y_title=_("Lunge angle (°)"),
        value_heading=_("Left (°)") if side == "left" else _("Right (°)"),
    )
    clinical = [reading for reading in measured if not reading.is_self_test]
    base = getattr(clinical[0], side).angle.degrees if clinical else None
    mdc = float(thresholds.angle_mdc_same_therapist_deg)  # the wider: no band overstates change
    values = [float(getattr(reading, side).angle.degrees) for reading in measured]
    low, high = min([0.0, *values]), max([45.0, *values])
    if base is not None:
        low, high = min(low, float(base) - mdc), max(high, float(base) + mdc)
    values_axis, step = ValueAxis.rounded(low, high, top=chart.plot_top, bottom=chart.plot_bottom)
    times = [reading.revision.measured_at for reading in readings]
    axis = TimeAxis(*(time_range or (min(times), max(times))))
    chart.y_ticks = values_axis.ticks(step, _number)
    chart.x_ticks = axis.ticks()
    chart.x_title = axis.title()
    chart.target_y = None
    if base is not None:
        top, bottom = values_axis.y(float(base) + mdc), values_axis.y(float(base) - mdc)
        chart.band = (top, round(bottom - top, 1))
        chart.band_label = _("MDC band: first angle ± %(mdc)s° (no real change)") % {
            "mdc": f"{mdc:g}"
        }
    for reading in measured:
        angle = getattr(reading, side).angle
        kind = _("self-test") if reading.is_self_test else _("clinic")
        when = day_text(reading.revision.measured_at)
        chart.has_self_tests = chart.has_self_tests or reading.is_self_test
        chart.points.append(
            Point(
                x=axis.x(reading.revision.measured_at),
                y=values_axis.y(float(angle.degrees)),
                label=_("%(day)s: %(value)s (%(kind)s)")
                % {"day": when, "value": angle, "kind": kind},
                self_test=reading.is_self_test,
                reached=True,
            )
        )
        chart.rows.append(DataRow(when, str(angle), _("self-test") if reading.is_self_test else ""))
    line = [point for point in chart.points if not point.self_test]
    chart.segments = [" ".join(f"{p.x},{p.y}" for p in line)] if line else []
    if clinical:
        first, last = getattr(clinical[0], side).angle, getattr(clinical[-1], side).angle
        chart.description = _("%(count)s clinic angles from %(first)s to %(last)s.") % {
            "count": len(clinical),
            "first": first,
            "last": last,
        }
    return chart
