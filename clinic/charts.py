"""What every server-rendered chart shares: the page width and side margins, the time axis and
round tick steps. The knee-to-wall chart and the questionnaires' charts stack on one page with
one time range, so a date must fall at the same x on each: that rule lives here, once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

WIDTH = 640
LEFT, RIGHT = 52, 16


def nice_step(span: float) -> float:
    """A round tick step giving four or five ticks over the span: 2 for 0-10, 20 for 0-80."""
    raw = span / 5
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


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

    def ticks(self) -> list[tuple[float, str, str]]:
        """(x, label, text-anchor): the first date starts at its point, the last ends at it."""
        first = timezone.localtime(self.start).strftime("%-d %b %Y")
        if not self.seconds:
            return [(self.x(self.start), first, "middle")]
        last = timezone.localtime(self.end).strftime("%-d %b %Y")
        return [(self.x(self.start), first, "start"), (self.x(self.end), last, "end")]
