"""Schedules and adherence: pure functions on dates, no database.

Adherence is the share of prescribed sessions done, per week (Monday to Sunday, in the clinic's
time zone). A day's prescribed sessions come from the prescription version in force that day:
`times_per_day` on the days of the week it names, none before it starts or after it ends. A
session counts as done when the patient did or partly did at least one of its exercises; extra
sessions beyond what was prescribed for a day do not raise the share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EVERY_DAY = 0b1111111


def days_mask(weekdays: Iterable[int]) -> int:
    """A bit mask from weekday numbers (0 = Monday ... 6 = Sunday)."""
    mask = 0
    for weekday in weekdays:
        if not 0 <= int(weekday) <= 6:
            raise ValueError(f"{weekday!r} is not a weekday number 0-6.")
        mask |= 1 << int(weekday)
    return mask


def weekdays_of(mask: int) -> list[int]:
    return [weekday for weekday in range(7) if mask & (1 << weekday)]


def describe_days(mask: int) -> str:
    if mask == EVERY_DAY:
        return gettext("every day")
    # Django's own abbreviations, translated in its catalogues.
    return ", ".join(str(WEEKDAYS_ABBR[day]) for day in weekdays_of(mask))


@dataclass(frozen=True)
class Schedule:
    """One prescription version's schedule, in force from `starts` until `ends` (exclusive)."""

    prescription_id: int
    starts: date
    ends: date | None
    times_per_day: int
    days_mask: int

    def sessions_on(self, day: date) -> int:
        if day < self.starts or (self.ends is not None and day >= self.ends):
            return 0
        return self.times_per_day if self.days_mask & (1 << day.weekday()) else 0


def schedules_from_versions(
    versions: Iterable[tuple[int, date, int, int]], ended_on: dict[int, date | None]
) -> list[Schedule]:
    """Schedules from (prescription id, effective from, times per day, days mask) rows.

    Each version runs until the next version of its prescription takes effect, or until the
    prescription ends.
    """
    by_prescription: dict[int, list[tuple[date, int, int]]] = {}
    for prescription_id, effective_from, times, mask in versions:
        by_prescription.setdefault(prescription_id, []).append((effective_from, times, mask))
    schedules: list[Schedule] = []
    for prescription_id, rows in by_prescription.items():
        rows.sort()
        for index, (starts, times, mask) in enumerate(rows):
            ends = rows[index + 1][0] if index + 1 < len(rows) else ended_on.get(prescription_id)
            if ends is not None and ends <= starts:
                continue  # replaced on the day it started
            schedules.append(Schedule(prescription_id, starts, ends, times, mask))
    return schedules


def prescribed_on(day: date, schedules: Iterable[Schedule]) -> int:
    return sum(schedule.sessions_on(day) for schedule in schedules)


@dataclass(frozen=True)
class WeekAdherence:
    week_start: date
    prescribed: int
    done: int

    @property
    def share(self) -> float | None:
        """Done over prescribed, or None for a week with nothing prescribed."""
        if self.prescribed == 0:
            return None
        return self.done / self.prescribed

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round(share * 100)


def week_start_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def adherence_by_week(
    *,
    schedules: list[Schedule],
    done_per_day: dict[date, int],
    today: date,
    weeks: int,
) -> list[WeekAdherence]:
    """The current week (up to today) and the `weeks - 1` before it, oldest first."""
    first_week = week_start_of(today) - timedelta(weeks=weeks - 1)
    result = []
    for week in range(weeks):
        start = first_week + timedelta(weeks=week)
        prescribed = done = 0
        for offset in range(7):
            day = start + timedelta(days=offset)
            if day > today:
                break
            due = prescribed_on(day, schedules)
            prescribed += due
            done += min(done_per_day.get(day, 0), due)
        result.append(WeekAdherence(start, prescribed, done))
    return result


def streak(*, schedules: list[Schedule], done_per_day: dict[date, int], today: date) -> int:
    """Prescribed days in a row, back from today, with at least one session done.

    Days with nothing prescribed neither break nor extend the streak; today does not break it
    before it is over.
    """
    count = 0
    day = today
    for _ in range(366):
        if prescribed_on(day, schedules) > 0:
            if done_per_day.get(day, 0) > 0:
                count += 1
            elif day != today:
                break
        elif day < min((s.starts for s in schedules), default=today):
            break
        day -= timedelta(days=1)
    return count
