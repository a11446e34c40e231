"""Server-rendered SVG chart of the pain a patient logged after their sessions, 0 to 10 over
time: geometry here, drawing in templates/exercises/_pain_chart.html, on the axes every chart
shares (clinic/charts.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clinic.charts import (
    ChartFrame,
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


@dataclass(kw_only=True)
class PainChart(ChartFrame):
    key: str = "pain"
    title: str = ""
    y_title: str = ""
    value_heading: str = ""
    height: int = HEIGHT
    points: list[PainPoint] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)


def pain_chart(sessions: list[SessionLog]) -> PainChart | None:
    """`sessions`: the logged sessions with a pain score, oldest first."""
    if not sessions:
        return None
    chart = PainChart(
        title=_("Pain after sessions"), y_title=_("Pain (0–10)"), value_heading=_("Pain (0–10)")
    )
    # A second session of a day sits a little to the right of the first, not on top of it.
    moments = [local_noon(s.session_date) + timedelta(hours=3 * (s.slot - 1)) for s in sessions]
    axis = TimeAxis(min(moments), max(moments))
    values = ValueAxis(0, PAIN_MAX, chart.plot_top, chart.plot_bottom)
    chart.y_ticks = values.ticks(2, lambda tick: f"{tick:g}")
    chart.x_ticks = axis.ticks()
    chart.x_title = axis.title()
    for session, moment in zip(sessions, moments, strict=True):
        when = date_format(session.session_date, "j M Y")
        chart.points.append(
            PainPoint(
                axis.x(moment),
                values.y(session.pain),
                _("%(when)s: pain %(pain)s/10") % {"when": when, "pain": session.pain},
            )
        )
        note = _("session %(slot)s of the day") % {"slot": session.slot} if session.slot > 1 else ""
        chart.rows.append(DataRow(when, f"{session.pain}", note))
    chart.segments = [" ".join(f"{p.x},{p.y}" for p in chart.points)]
    pains = [session.pain for session in sessions]
    chart.description = ngettext(
        "%(count)s session with pain logged, from %(start)s to %(end)s: "
        "first %(first)s, latest %(latest)s, highest %(highest)s of 10.",
        "%(count)s sessions with pain logged, from %(start)s to %(end)s: "
        "first %(first)s, latest %(latest)s, highest %(highest)s of 10.",
        len(sessions),
    ) % {
        "count": len(sessions),
        "start": date_format(sessions[0].session_date, "j M"),
        "end": date_format(sessions[-1].session_date, "j M"),
        "first": pains[0],
        "latest": pains[-1],
        "highest": max(pains),
    }
    return chart
