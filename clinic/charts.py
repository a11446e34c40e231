"""What every server-rendered chart shares: the page width and margins, the time axis and its
date ticks, the value axis and its round ticks, the axis titles and the numbers behind the
picture. The knee-to-wall chart and the questionnaires' charts stack on one page with one time
range, so a date must fall at the same x on each: that rule lives here, once.

The type is sized in static/css/charts.css by the chart's displayed width (a container query),
so that it reads at 13 px or more whether the chart is drawn at phone, tablet or desktop width;
the margins here leave room for the largest of those sizes (26 units of the 640-unit width).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from itertools import pairwise

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

WIDTH = 640
# Left: the y ticks' numbers; right: half of the last date, which is centred on its tick.
LEFT, RIGHT = 72, 46
# Above the plot: the y axis's title. Below it: the date ticks, then the "Date" title.
TOP, BOTTOM = 40, 74
MIN_DATE_GAP = 92  # between two date ticks: "12 Jan" at the largest type, and some air
MIN_TICK_GAP = 33  # between two value ticks: the largest type's line and a little air


def most_intervals(top: int, bottom: int) -> int:
    """How many tick intervals a plot this tall has room for at the largest type."""
    return max(2, (bottom - top) // MIN_TICK_GAP)


def nice_step(span: float, intervals: int = 5) -> float:
    """A round tick step giving about `intervals` steps over the span: 2 for 0-10, 20 for
    0-80; never more steps than that."""
    raw = span / intervals
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def local_noon(day: date) -> datetime:
    """A day as a moment on the time axis, for series recorded by the day (session logs)."""
    return timezone.make_aware(datetime.combine(day, time(12)))


def _months_later(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class TimeAxis:
    """Moments from `start` to `end` across the plot, from x `left` to x `right`; a single
    moment sits in the middle."""

    start: datetime
    end: datetime
    left: int = LEFT
    right: int = WIDTH - RIGHT

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def x(self, moment: datetime) -> float:
        span = self.right - self.left
        if self.seconds == 0:
            return round(self.left + span / 2, 1)
        return round(self.left + (moment - self.start).total_seconds() / self.seconds * span, 1)

    def _day_ticks(self, step: int) -> list[tuple[datetime, str]]:
        # From the first moment at the same time of day, so that the spacing is even.
        days = (timezone.localtime(self.end).date() - timezone.localtime(self.start).date()).days
        moments = [self.start + timedelta(days=step * n) for n in range(days // step + 1)]
        return [(m, _local(m, "j M")) for m in moments]

    def _month_ticks(self, step: int) -> list[tuple[datetime, str]]:
        # The first of every `step` months (January, July... for six) inside the range.
        first = timezone.localtime(self.start).date()
        last = timezone.localtime(self.end).date()
        month = _months_later(first, 1)
        month = _months_later(month, -((month.month - 1) % step))
        while month <= first:
            month = _months_later(month, step)
        ticks = []
        while month <= last:
            moment = timezone.make_aware(datetime.combine(month, time()))
            ticks.append((moment, dateformat.format(month, "M Y" if month.month == 1 else "M")))
            month = _months_later(month, step)
        return ticks

    def _tick_moments(self) -> list[tuple[datetime, str]]:
        """The finest spacing, from days to years, that gives four ticks or more with room
        for each label; for a range too short for four, the finest with room."""
        candidates = [
            *(partial(self._day_ticks, step) for step in (1, 2, 7, 14, 28)),
            partial(self._month_ticks, 1),
            partial(self._day_ticks, 56),
            *(partial(self._month_ticks, step) for step in (2, 3, 6, 12, 24, 60)),
        ]
        roomy = []
        for candidate in candidates:
            ticks = candidate()
            xs = [self.x(moment) for moment, _ in ticks]
            if all(b - a >= MIN_DATE_GAP for a, b in pairwise(xs)):
                if len(ticks) >= 4:
                    return ticks
                roomy.append(ticks)
        return roomy[0] if roomy else []

    def ticks(self) -> list[tuple[float, str]]:
        """(x, label), evenly spaced, four to six where the range allows it: "12 Jan" for
        steps of days, "Feb" (January with its year) for months; the years are in the title."""
        if not self.seconds:
            return [(self.x(self.start), _local(self.start, "j M"))]
        return [(self.x(moment), label) for moment, label in self._tick_moments()]

    def title(self) -> str:
        first, last = timezone.localtime(self.start).year, timezone.localtime(self.end).year
        if first == last:
            return _("Date (%(year)s)") % {"year": first}
        return _("Date (%(first)s–%(last)s)") % {"first": first, "last": last}


@dataclass(frozen=True)
class ValueAxis:
    """Values from `low` (at the plot's bottom) to `high` (at its top), in any unit."""

    low: float
    high: float
    top: int
    bottom: int

    @classmethod
    def rounded(cls, low: float, high: float, *, top: int, bottom: int) -> tuple[ValueAxis, float]:
        """The axis widened to round numbers, and its tick step: as many ticks as the plot's
        height has room for, fewer when widening to round numbers added one."""
        intervals = most_intervals(top, bottom)
        step = nice_step(high - low or 1, intervals)
        while True:
            rounded_low, rounded_high = math.floor(low / step) * step, math.ceil(high / step) * step
            if rounded_high == rounded_low:
                rounded_high = rounded_low + step
            if (rounded_high - rounded_low) / step <= intervals + 1e-9:
                return cls(rounded_low, rounded_high, top, bottom), step
            step = nice_step(step * intervals * 1.01, intervals)

    def y(self, value: float) -> float:
        share = (float(value) - self.low) / (self.high - self.low)
        return round(self.bottom - share * (self.bottom - self.top), 1)

    def ticks(self, step: float, label: Callable[[float], str]) -> list[tuple[float, str]]:
        ticks, count = [], 0
        while self.low + count * step <= self.high + step / 1000:
            value = self.low + count * step
            ticks.append((self.y(value), label(value)))
            count += 1
        return ticks


@dataclass(frozen=True)
class DataRow:
    """One point of a chart in words, for the table under it ("Show the numbers")."""

    when: str
    value: str
    note: str = ""


@dataclass(kw_only=True)
class ChartFrame:
    """What every chart's template reads besides its series: its names (the ids of its title
    and description come from `key`), the axis titles, the frame the plot sits in (the shared
    margins above, inside `width` × `height`), the ticks and the numbers behind the picture."""

    title: str
    description: str = ""
    key: str = ""
    y_title: str = ""
    x_title: str = ""
    value_heading: str = ""
    width: int = WIDTH
    height: int
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    rows: list[DataRow] = field(default_factory=list)

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    @property
    def plot_top(self) -> int:
        return TOP

    @property
    def plot_bottom(self) -> int:
        return self.height - BOTTOM

    @property
    def plot_width(self) -> int:
        return self.width - RIGHT - LEFT


def day_text(moment: datetime) -> str:
    """How a chart's table and tooltips name the day of a point."""
    return _local(moment, "j M Y")


def _local(moment: datetime, letters: str) -> str:
    # Django's format letters, so month names follow the reader's language ("1 dic").
    return dateformat.format(timezone.localtime(moment), letters)
