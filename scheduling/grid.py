"""The schedule as a time grid: wall-clock rows down the side, a column per therapist (a day)
or per day (one therapist's week), appointments placed at their time and height. Pure
functions on values, no database: the selector gathers the facts, the template draws them.

Which slot is free is not decided here: the free slots come from `selectors.free_slots`, the
one home of that rule (working hours, time off, bookings, the past). The grid only places
them, so a cell the grid offers is a slot the booking page would offer too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from clinic.times import at_local
from scheduling.times import WeeklyHours

FREE, OFF, BOOKED = "free", "off", "booked"


@dataclass(frozen=True)
class Column:
    therapist: Any  # a User; Any so the layout is testable with plain values
    day: date
    # Has weekly working hours: a column that can be booked at all. A clinic admin who does
    # not treat has none and gets no column (see `treating`); a therapist without hours yet
    # keeps theirs, shaded, so the front desk sees why nothing is offered.
    bookable: bool = True


@dataclass
class Cell:
    kind: str  # FREE, OFF or BOOKED
    column: Column
    starts_at: datetime | None  # the slot's moment; None for a wall time a DST change skips
    value: str  # the slot as a datetime-local input holds it: 2026-12-01T09:30
    appointments: list = field(default_factory=list)
    span: int = 1  # rows it covers (rowspan)


@dataclass
class Row:
    wall: time
    label: str  # 09:30
    on_the_hour: bool
    cells: list[Cell | None]  # None: covered by an appointment that starts higher up
    is_now: bool = False  # the row the clock is in, on a grid that shows today


@dataclass
class Grid:
    columns: list[Column]
    rows: list[Row]
    step_minutes: int


def grid_hours(
    hours: Iterable[WeeklyHours],
    appointments: Iterable[tuple[time, time]] = (),
    *,
    default: tuple[time, time] = (time(8), time(18)),
) -> tuple[time, time]:
    """The grid's first and last wall-clock time, on whole hours: from the earliest working
    hour to the latest, widened to every appointment shown (one booked before hours shrank)."""
    starts = [row[1] for row in hours] + [pair[0] for pair in appointments]
    ends = [row[2] for row in hours] + [pair[1] for pair in appointments]
    if not starts:
        return default
    first = min(starts).hour
    last_end = max(ends)
    last = last_end.hour + (1 if (last_end.minute or last_end.second) else 0)
    if last <= first:
        last = 24
    return time(first), time(last) if last < 24 else time(23, 59)


def _minutes(wall: time) -> int:
    return wall.hour * 60 + wall.minute


def _row_walls(first: time, last: time, step_minutes: int) -> list[time]:
    end = 24 * 60 if last == time(23, 59) else _minutes(last)
    return [time(minute // 60, minute % 60) for minute in range(_minutes(first), end, step_minutes)]


def treating(
    people: Iterable[Any], *, hours_of: dict[int, list], booked: set[int], therapist_role: str
) -> list[Any]:
    """The people who get a column: therapists, and anyone with working hours or an
    appointment in view. A clinic admin who does not treat (no hours, nothing booked) is
    left out, so the front desk is not offered a column nobody can be booked into."""
    return [
        person
        for person in people
        if person.role == therapist_role or hours_of.get(person.pk) or person.pk in booked
    ]


def grid_layout(
    *,
    columns: list[Column],
    appointments: Iterable[Any],
    free: set[tuple[int, datetime]],
    first: time,
    last: time,
    step_minutes: int,
    zone: ZoneInfo,
    now: datetime | None = None,
) -> Grid:
    """Rows of `step_minutes` from `first` to `last` (wall clock in `zone`), one cell per column
    and row: FREE when (therapist id, the row's moment) is in `free`, OFF otherwise, and BOOKED
    where an appointment starts, spanning the rows it lasts (the rows it covers below are
    None, as an HTML table's rowspan wants). Appointments that share a row share its cell.

    On a DST day a wall time the clocks skip is OFF and has no moment; a repeated one means
    its first occurrence, as `at_local` reads it everywhere else.
    """
    walls = _row_walls(first, last, step_minutes)
    first_minute = _minutes(walls[0]) if walls else 0
    by_column: dict[tuple[int, date], list] = defaultdict(list)
    for appointment in appointments:
        by_column[(appointment.therapist_id, appointment.starts_at.astimezone(zone).date())].append(
            appointment
        )
    grid_cells: list[list[Cell | None]] = []
    for column in columns:
        cells: list[Cell | None] = []
        for wall in walls:
            moment = at_local(column.day, wall, zone)
            exists = moment.astimezone(zone).time() == wall
            value = f"{column.day.isoformat()}T{wall:%H:%M}"
            if not exists:
                cells.append(Cell(OFF, column, None, value))
                continue
            kind = FREE if (column.therapist.pk, moment) in free else OFF
            cells.append(Cell(kind, column, moment, value))
        here = by_column[(column.therapist.pk, column.day)]
        _place(cells, here, first_minute, step_minutes, zone)
        grid_cells.append(cells)
    now_row = None
    if now is not None and any(column.day == now.astimezone(zone).date() for column in columns):
        now_row = (_minutes(now.astimezone(zone).time()) - first_minute) // step_minutes
    rows = [
        Row(
            wall=wall,
            label=wall.strftime("%H:%M"),  # a clock time: the same in every language
            on_the_hour=wall.minute == 0,
            cells=[cells[index] for cells in grid_cells],
            is_now=index == now_row,
        )
        for index, wall in enumerate(walls)
    ]
    return Grid(columns=columns, rows=rows, step_minutes=step_minutes)


def _place(
    cells: list[Cell | None], appointments: list, first_minute: int, step: int, zone: ZoneInfo
) -> None:
    if not cells:
        return
    for appointment in sorted(appointments, key=lambda a: a.starts_at):
        local_start = appointment.starts_at.astimezone(zone)
        local_end = appointment.ends_at.astimezone(zone)
        top = max(0, (_minutes(local_start.time()) - first_minute) // step)
        top = min(top, len(cells) - 1)
        if local_end.date() > local_start.date():
            bottom = len(cells)
        else:
            bottom = -(-(_minutes(local_end.time()) - first_minute) // step)  # ceiling
        bottom = min(max(bottom, top + 1), len(cells))
        while cells[top] is None:  # starts inside the previous appointment's last row
            top -= 1
        cell = cells[top]
        if cell.kind != BOOKED:
            cell.kind, cell.appointments, cell.span = BOOKED, [], 1
        cell.appointments.append(appointment)
        for index in range(top + cell.span, bottom):
            cells[index] = None
        cell.span = max(cell.span, bottom - top)


@dataclass
class RosterDay:
    day: date
    booked: int  # appointments that hold time (cancelled ones do not)
    free_minutes: int

    @property
    def free_text(self) -> str:
        """2 h 30, 3 h, 45 min."""
        hours, minutes = divmod(self.free_minutes, 60)
        if not hours:
            return _("%(minutes)s min") % {"minutes": minutes}
        if minutes:
            return _("%(hours)s h %(minutes)s") % {"hours": hours, "minutes": f"{minutes:02d}"}
        return _("%(hours)s h") % {"hours": hours}


def roster(
    *,
    therapists: list[Any],
    days: list[date],
    booked: dict[tuple[int, date], int],
    free_minutes: dict[tuple[int, date], int],
) -> list[tuple[Any, list[RosterDay]]]:
    """Everyone's week at a glance: per therapist and day, how many appointments and how much
    time is free to book, by (therapist id, day). A count, not the appointments: a busy clinic's
    week is thousands of them, and each day's cell links to the day that shows them."""
    return [
        (
            person,
            [
                RosterDay(
                    day, booked.get((person.pk, day), 0), free_minutes.get((person.pk, day), 0)
                )
                for day in days
            ],
        )
        for person in therapists
    ]
