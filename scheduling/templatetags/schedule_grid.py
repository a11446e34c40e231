"""The schedule grid's body, written in Python: a busy day is 96 rows by 20 or more therapists,
and the template language's loop over every cell was most of the day page's time (issue 19).
The markup is the one templates/scheduling/schedule.html had; tests/scheduling/test_grid_body.py
holds the two together."""

from __future__ import annotations

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from scheduling.grid import Cell, Grid, Row

register = template.Library()

RESPONSE_WORDS = {"confirmed": " · ✓ confirmed", "reschedule": " · ↺ asks to reschedule"}


@register.simple_tag
def grid_body(grid: Grid, *, appointments_url: str, book_url: str) -> SafeString:
    """Every row of the grid, as `<tr>` elements."""
    days: dict = {}  # a column's day, formatted once per day rather than once per cell

    def day_texts(day) -> tuple[str, str]:
        if day not in days:
            days[day] = (day.isoformat(), date_format(day, "l j F"))
        return days[day]

    appointments_url = conditional_escape(appointments_url)
    book_url = conditional_escape(book_url)
    return mark_safe(
        "".join(f"{_row(row, appointments_url, book_url, day_texts)}\n  " for row in grid.rows)
    )


def _row(row: Row, appointments_url: str, book_url: str, day_texts) -> str:
    classes = ("on-hour" if row.on_the_hour else "") + (" is-now" if row.is_now else "")
    label = conditional_escape(row.label)
    time = label if row.on_the_hour else f'<span class="minor">{label}</span>'
    now = '<span class="visually-hidden">, now</span>' if row.is_now else ""
    cells = "".join(
        _cell(cell, label, appointments_url, book_url, day_texts)
        for cell in row.cells
        if cell is not None
    )
    return f'<tr class="{classes}"><th scope="row" class="time-col">{time}{now}</th>{cells}</tr>'


def _cell(cell: Cell, label: str, appointments_url: str, book_url: str, day_texts) -> str:
    if cell.kind == "booked":
        links = "".join(_appointment(a, appointments_url) for a in cell.appointments)
        return f'<td class="booked" rowspan="{cell.span}">{links}</td>'
    if cell.kind == "free":
        therapist = cell.column.therapist
        iso_day, long_day = day_texts(cell.column.day)
        return format_html(
            '<td class="free"><a href="{}&amp;therapist={}&amp;date={}&amp;starts_at={}" '
            'data-slot="{}" data-therapist="{}" aria-label="Book with {}, {}, {}">'
            '<span aria-hidden="true">+ {}</span></a></td>',
            mark_safe(book_url),
            therapist.pk,
            iso_day,
            cell.value,
            cell.value,
            therapist.pk,
            therapist,
            long_day,
            mark_safe(label),
            mark_safe(label),
        )
    return '<td class="off"></td>'


def _appointment(a, appointments_url: str) -> str:
    href = f"{appointments_url}{a.pk}/"
    booked = a.status == "booked"
    move = (
        format_html(
            ' draggable="true" data-move-url="{}" data-therapist="{}" data-who="{}"',
            mark_safe(href),
            a.therapist_id,
            a.patient_name,
        )
        if booked
        else ""
    )
    status = "" if booked else format_html(" · {}", a.status_display)
    return format_html(
        '<a class="appt status-{}" href="{}"{}><span class="who">{}</span> '
        '<span class="time">{}</span> <span class="what">{}{}{}</span>'
        '<span class="visually-hidden">, {}</span></a>',
        a.status,
        mark_safe(href),
        mark_safe(move),
        a.patient_name,
        a.time_text,
        a.type_name,
        mark_safe(status),
        RESPONSE_WORDS.get(a.patient_response, ""),
        "move or open" if booked else "open",
    )
