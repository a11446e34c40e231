"""What Dorsi drafts for a progress report: the record over a period, in the interpretation's
own words.

Nothing here judges a change: every statement comes from the function that owns the rule
(`assessments.interpretation.describe_change` against the MDC, `questionnaires.interpretation.
describe_change` against the MCID, the neural tests' own sentences), so a change below the MDC or
MCID is never called progress in a report either. The result is plain JSON, stored with the
report, so a signed report keeps saying what the record said when it was signed.
"""

from __future__ import annotations

import base64
import html
import re
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from assessments.charts import side_chart
from assessments.interpretation import (
    STANDING_LABELS,
    Thresholds,
    describe_angle_change,
    describe_change,
    describe_distance,
    display,
)
from assessments.selectors import patient_readings
from assessments.templatetags.knee_to_wall import asymmetry_text
from clinic.models import Patient
from clinic.times import at_local
from exercises.adherence import describe_days
from exercises.models import SessionLog
from exercises.selectors import adherence_for_patients, current_versions
from exercises.templatetags.routines import dose_text
from neural.selectors import patient_neural_history
from questionnaires import interpretation as questionnaire_words
from questionnaires.scoring import display_total
from questionnaires.selectors import patient_score_histories
from scheduling.models import Appointment, AppointmentStatus

# The charts' colours as SVG attributes: a PDF renderer does not apply a style sheet's `fill` and
# `stroke` to inline SVG, and the page's CSP forbids a <style> inside it. Keyed by CSS class.
CHART_PAINT = {
    "grid": 'stroke="#e3e9ee" stroke-width="1"',
    "axis": 'stroke="#8393a0" stroke-width="1.5"',
    "tick": 'fill="#4a5b68" font-size="13" font-family="DejaVu Sans, sans-serif"',
    "axis-title": 'fill="#14232e" font-size="13" font-weight="600" '
    'font-family="DejaVu Sans, sans-serif"',
    "target": 'stroke="#1d7a3a" stroke-width="2" stroke-dasharray="6 4"',
    "target-label": 'fill="#1d7a3a" font-size="13" font-weight="600" '
    'font-family="DejaVu Sans, sans-serif"',
    "mdc-band": 'fill="#0b6e69" fill-opacity="0.12"',
    "series": 'fill="none" stroke="#0b6e69" stroke-width="2.5" stroke-linejoin="round"',
    "point": 'fill="#0b6e69" stroke="#ffffff" stroke-width="1.5"',
    "not-reached": 'fill="#b42318" stroke="#ffffff" stroke-width="1.5"',
    "self-test": 'fill="#ffffff" stroke="#b4530b" stroke-width="2"',
}
_CLASS = re.compile(r'(<(?:line|text|rect|polyline|circle|path)\b[^>]*?)class="([^"]+)"')


def painted(svg: str) -> str:
    """The chart with each element's colours as attributes (the most specific class wins)."""

    def paint(match: re.Match) -> str:
        classes = match.group(2).split()
        for name in ("self-test", "not-reached", *classes):
            if name in classes and name in CHART_PAINT:
                return f'{match.group(1)}{CHART_PAINT[name]} class="{match.group(2)}"'
        return match.group(0)

    return _CLASS.sub(paint, svg)


def chart_image(figure: str) -> dict:
    """The page's chart as an image (an SVG data address) with its words and legend: as an image
    the PDF lays it out as one box, not as hundreds of elements to style one by one."""
    svg = re.search(r"<svg\b.*?</svg>", figure, re.DOTALL).group(0)
    svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    title = re.search(r"<title[^>]*>(.*?)</title>", svg, re.DOTALL).group(1)
    description = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.DOTALL).group(1)
    caption = re.search(r"<figcaption>(.*?)</figcaption>", figure, re.DOTALL).group(1)
    # Each point's own <title> is a tooltip on screen; on paper it is only work to draw.
    svg = re.sub(r"(<(?:circle|path|rect)\b[^>]*>)<title>.*?</title>", r"\1", svg, flags=re.DOTALL)
    encoded = base64.b64encode(painted(svg).encode()).decode()
    return {
        "src": f"data:image/svg+xml;base64,{encoded}",
        "alt": html.unescape(f"{title}. {description}"),
        "caption": caption.strip(),
    }


# A year of weekly rows would run to pages: the report shows the latest weeks of the period.
MAX_WEEKS_SHOWN = 12


def period_bounds(patient: Patient, start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first and last moments in the clinic's time zone, end day included."""
    zone = patient.clinic.zone
    return at_local(start, datetime.min.time(), zone), at_local(
        end + timedelta(days=1), datetime.min.time(), zone
    )


def report_facts(*, patient: Patient, period_start: date, period_end: date) -> dict:
    clinic = patient.clinic
    starts, ends = period_bounds(patient, period_start, period_end)
    return {
        "clinic": {"name": clinic.name},
        # No name or birth date: the document reads them from the patient's row, so that an
        # anonymised patient's signed reports do not keep their identity.
        "patient": {"symptomatic_side": patient.get_symptomatic_side_display()},
        "therapist": str(patient.primary_therapist or ""),
        "visits": _visits(patient, starts, ends),
        "knee_to_wall": _knee_to_wall(patient, ends),
        "questionnaires": _questionnaires(patient, ends),
        "neural": _neural(patient, ends),
        "adherence": _adherence(patient, period_start, period_end),
        "pain": _pain(patient, period_start, period_end),
        "routine": _routine(patient),
    }


def _visits(patient: Patient, starts: datetime, ends: datetime) -> dict:
    clinic = patient.clinic
    appointments = Appointment.objects.filter(
        patient=patient, starts_at__gte=starts, starts_at__lt=ends
    ).select_related("therapist", "appointment_type")
    attended, missed, cancelled = [], 0, 0
    for appointment in appointments.order_by("starts_at"):
        if appointment.status == AppointmentStatus.COMPLETED:
            attended.append(
                {
                    "date": clinic.local_date(appointment.starts_at).isoformat(),
                    "kind": str(appointment.appointment_type),
                    "therapist": str(appointment.therapist),
                }
            )
        elif appointment.status == AppointmentStatus.NO_SHOW:
            missed += 1
        elif appointment.status == AppointmentStatus.CANCELLED:
            cancelled += 1
    return {"attended": attended, "no_shows": missed, "cancelled": cancelled}


def _knee_to_wall(patient: Patient, ends: datetime) -> dict:
    clinic = patient.clinic
    unit = clinic.display_unit
    thresholds = Thresholds.for_clinic(clinic)
    readings = [r for r in patient_readings(patient=patient) if r.revision.measured_at < ends]
    clinic_tests = [r for r in readings if not r.is_self_test]
    if not clinic_tests:
        return {"tested": False}
    latest = clinic_tests[-1]
    sides = []
    for side in latest.sides:
        statement = {
            "side": side.side,
            "now": describe_distance(side.value, unit),
            "standing": STANDING_LABELS[side.standing],
            "angle": str(side.angle),
            "since_baseline": (
                describe_change(side.since_baseline, unit) if side.since_baseline else ""
            ),
            "since_previous": (
                describe_change(side.since_previous, unit) if side.since_previous else ""
            ),
            "angle_since_baseline": (
                describe_angle_change(side.angle_since_baseline)
                if side.angle_since_baseline
                else ""
            ),
        }
        sides.append(statement)
    charts = []
    for side in ("left", "right"):
        chart = side_chart(readings, side, thresholds, unit)
        if chart is not None:
            charts.append(
                chart_image(render_to_string("assessments/_chart.html", {"chart": chart}))
            )
    return {
        "tested": True,
        "baseline_on": clinic.local_date(clinic_tests[0].revision.measured_at).isoformat(),
        "latest_on": clinic.local_date(latest.revision.measured_at).isoformat(),
        "tests": len(clinic_tests),
        "sides": sides,
        "asymmetry": asymmetry_text(latest.asymmetry, unit),
        "asymmetry_flagged": latest.asymmetry.flagged,
        "charts": charts,
        "mdc": _("%(same)s same therapist, %(other)s another")
        % {
            "same": display(thresholds.mdc_same_therapist_um, unit),
            "other": display(thresholds.mdc_other_therapist_um, unit),
        },
    }


def _questionnaires(patient: Patient, ends: datetime) -> list[dict]:
    rows = []
    for history in patient_score_histories(patient=patient):
        pairs = [
            (response, item)
            for response, item in zip(history.responses, history.series, strict=True)
            if response.completed_at is not None and response.completed_at < ends
        ]
        if not pairs:
            continue
        response, item = pairs[-1]
        valid = [(r, i) for r, i in pairs if i.value.valid]
        change = valid[-1][1].since_first if valid else None
        rows.append(
            {
                "instrument": history.instrument.short_name or history.instrument.name,
                "latest": display_total(item.value.total),
                "latest_on": patient.clinic.local_date(response.completed_at).isoformat(),
                "answers": len(pairs),
                "change": questionnaire_words.describe_change(change) if change else "",
                "mcid": history.mcid.describe(),
            }
        )
    return rows


def _neural(patient: Patient, ends: datetime) -> list[dict]:
    latest: dict[tuple[str, str], dict] = {}
    for reading in patient_neural_history(patient=patient):
        exam = reading.exam
        if exam.entered_in_error or exam.measured_at >= ends:
            continue
        for item in reading.results:
            latest[(item.test, item.side)] = {
                "test": item.result.get_test_display(),
                "side": item.side,
                "on": patient.clinic.local_date(exam.measured_at).isoformat(),
                "finding": item.interpretation.label,
                "text": item.interpretation.text,
                "angle": item.angle_text,
                "since_first": item.since_first,
            }
    return [latest[key] for key in sorted(latest)]


def _adherence(patient: Patient, start: date, end: date) -> list[dict]:
    weeks = max(1, min(MAX_WEEKS_SHOWN, (end - start).days // 7 + 1))
    adherence = adherence_for_patients(
        patient_ids=[patient.pk],
        weeks=weeks,
        today={patient.clinic_id: end},
        clinic_of={patient.pk: patient.clinic_id},
    )[patient.pk]
    weeks = [week for week in adherence.weeks if week.week_start >= start - timedelta(days=6)]
    # From the first week with something prescribed: the weeks before say nothing.
    while weeks and weeks[0].prescribed == 0:
        weeks.pop(0)
    return [
        {
            "week_start": week.week_start.isoformat(),
            "done": week.done,
            "prescribed": week.prescribed,
            "percent": week.percent,
        }
        for week in weeks
    ]


def _pain(patient: Patient, start: date, end: date) -> list[dict]:
    """The pain the patient logged with their sessions (0-10), week by week, latest weeks."""
    per_week: dict[date, list[int]] = defaultdict(list)
    logs = SessionLog.objects.filter(
        patient=patient, session_date__gte=start, session_date__lte=end, pain__isnull=False
    ).values_list("session_date", "pain")
    for day, pain in logs:
        per_week[day - timedelta(days=day.weekday())].append(pain)
    weeks = sorted(per_week)[-MAX_WEEKS_SHOWN:]
    return [
        {
            "week_start": week.isoformat(),
            "average": round(sum(per_week[week]) / len(per_week[week]), 1),
            "highest": max(per_week[week]),
            "logged": len(per_week[week]),
        }
        for week in weeks
    ]


def _routine(patient: Patient) -> list[dict]:
    rows = []
    for version in current_versions(patient=patient):
        schedule = _("%(times)s× a day, %(days)s") % {
            "times": version.times_per_day,
            "days": describe_days(version.days_of_week),
        }
        for item in version.items.all():
            rows.append(
                {
                    "exercise": item.exercise.name,
                    "dose": dose_text(item),
                    "schedule": schedule,
                }
            )
    return rows
