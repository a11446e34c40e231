"""Server-rendered SVG chart of the pain a patient logged after their sessions, 0 to 10 over
time: geometry here, drawing in templates/exercises/_pain_chart.html, on the axes every chart
shares (clinic/charts.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from clinic.charts import (
    BOTTOM,
    LEFT,
    RIGHT,
    TOP,
    WIDTH,
    DataRow,
    TimeAxis,
    ValueAxis,
    local_noon,
)
from exercises.models import SessionLog

HEIGHT = 280
PAIN_MAX = 10


@dataclass
class PainPoint:
    x: float
    y: float
    label: str


@dataclass
class PainChart:
    key: str = "pain"
    title: str = "Pain after sessions"
    description: str = ""
    y_title: str = "Pain (0–10)"
    x_title: str = ""
    value_heading: str = "Pain (0–10)"
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM
    plot_width: int = WIDTH - RIGHT - LEFT
    points: list[PainPoint] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    rows: list[DataRow] = field(default_factory=list)


def pain_chart(sessions: list[SessionLog]) -> PainChart | None:
    """`sessions`: the logged sessions with a pain score, oldest first."""
    if not sessions:
        return None
    chart = PainChart()
    # A second session of a day sits a little to the right of the first, not on top of it.
    moments = [local_noon(s.session_date) + timedelta(hours=3 * (s.slot - 1)) for s in sessions]
    axis = TimeAxis(min(moments), max(moments))
    values = ValueAxis(0, PAIN_MAX, chart.plot_top, chart.plot_bottom)
    chart.y_ticks = values.ticks(2, lambda tick: f"{tick:g}")
    chart.x_ticks = axis.ticks()
    chart.x_title = axis.title()
    for session, moment in zip(sessions, moments, strict=True):
        when = session.session_date.strftime("%-d %b %Y")
        chart.points.append(
            PainPoint(axis.x(moment), values.y(session.pain), f"{when}: pain {session.pain}/10")
        )
        note = f"session {session.slot} of the day" if session.slot > 1 else ""
        chart.rows.append(DataRow(when, f"{session.pain}", note))
    chart.segments = [" ".join(f"{p.x},{p.y}" for p in chart.points)]
    pains = [session.pain for session in sessions]
    chart.description = (
        f"{len(sessions)} session{'s' if len(sessions) > 1 else ''} with pain logged, "
        f"from {sessions[0].session_date:%-d %b} to {sessions[-1].session_date:%-d %b}: "
        f"first {pains[0]}, latest {pains[-1]}, highest {max(pains)} of 10."
    )
    return chart
