"""The schedule grid's body, written in Python: a busy day is 96 rows by 20 or more therapists,
and the template language's loop over every cell was most of the day page's time (issue 19).
The markup is the one templates/scheduling/schedule.html had; tests/scheduling/test_grid_body.py
holds the two together. Every value goes through format_html or conditional_escape; SafeString
only joins pieces that did."""

from __future__ import annotations

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, pgettext

from scheduling.grid import Cell, Grid, Row

register = template.Library()

OFF = SafeString('<td class="off"></td>')


class _Words:
    """The grid's words in the active language, looked up once per grid rather than per cell."""

    def __init__(self) -> None:
        self.now = format_html(
            '<span class="visually-hidden">, {}</span>', pgettext("schedule grid", "now")
        )
        self.responses = {
            "confirmed": " · ✓ " + gettext("confirmed"),
            "reschedule": " · ↺ " + gettext("asks to reschedule"),
        }
        self.move_or_open = gettext("move or open")
        self.open = pgettext("schedule grid", "open")
        # Escaped once here; the values filled in are escaped in _cell.
        # Translators: keep the commas: static/js/schedule-grid.js reads the day and time after
        # the first one when it asks about a move.
        self.book_with = conditional_escape(gettext("Book with %(therapist)s, %(day)s, %(time)s"))


def _joined(pieces) -> SafeString:
    return SafeString("".join(pieces))


@register.simple_tag
def grid_body(grid: Grid, *, appointments_url: str, book_url: str) -> SafeString:
    """Every row of the grid, as `<tr>` elements."""
    days: dict = {}  # a column's day, formatted once per day rather than once per cell

    def day_texts(day) -> tuple[str, str]:
        if day not in days:
            days[day] = (day.isoformat(), date_format(day, "l j F"))
        return days[day]

    urls = (conditional_escape(appointments_url), conditional_escape(book_url))
    words = _Words()
    return _joined(f"{_row(row, urls, day_texts, words)}\n  " for row in grid.rows)


def _row(row: Row, urls, day_texts, words: _Words) -> SafeString:
    label = conditional_escape(row.label)
    return format_html(
        '<tr class="{}{}"><th scope="row" class="time-col">{}{}</th>{}</tr>',
        "on-hour" if row.on_the_hour else "",
        " is-now" if row.is_now else "",
        label if row.on_the_hour else format_html('<span class="minor">{}</span>', label),
        words.now if row.is_now else "",
        _joined(
            _cell(cell, label, urls, day_texts, words) for cell in row.cells if cell is not None
        ),
    )


def _cell(cell: Cell, label: SafeString, urls, day_texts, words: _Words) -> SafeString:
    appointments_url, book_url = urls
    if cell.kind == "booked":
        return format_html(
            '<td class="booked" rowspan="{}">{}</td>',
            cell.span,
            _joined(_appointment(a, appointments_url, words) for a in cell.appointments),
        )
    if cell.kind == "free":
        therapist = cell.column.therapist
        iso_day, long_day = day_texts(cell.column.day)
        return format_html(
            '<td class="free"><a href="{}&amp;therapist={}&amp;date={}&amp;starts_at={}" '
            'data-slot="{}" data-therapist="{}" aria-label="{}">'
            '<span aria-hidden="true">+ {}</span></a></td>',
            book_url,
            therapist.pk,
            iso_day,
            cell.value,
            cell.value,
            therapist.pk,
            SafeString(
                words.book_with
                % {
                    "therapist": conditional_escape(therapist),
                    "day": conditional_escape(long_day),
                    "time": label,
                }
            ),
            label,
        )
    return OFF


def _appointment(a, appointments_url: SafeString, words: _Words) -> SafeString:
    href = format_html("{}{}/", appointments_url, a.pk)
    booked = a.status == "booked"
    move = (
        format_html(
            ' draggable="true" data-move-url="{}" data-therapist="{}" data-who="{}"',
            href,
            a.therapist_id,
            a.patient_name,
        )
        if booked
        else ""
    )
    return format_html(
        '<a class="appt status-{}" href="{}"{}><span class="who">{}</span> '
        '<span class="time">{}</span> <span class="what">{}{}{}</span>'
        '<span class="visually-hidden">, {}</span></a>',
        a.status,
        href,
        move,
        a.patient_name,
        a.time_text,
        a.type_name,
        "" if booked else format_html(" · {}", a.status_display),
        words.responses.get(a.patient_response, ""),
        words.move_or_open if booked else words.open,
    )
