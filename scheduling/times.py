"""Time arithmetic of scheduling: pure functions on aware datetimes, no database.

Working hours are wall-clock times in the clinic's zone; every interval here is half-open
[start, end), so an appointment ending at 10:00 and one starting at 10:00 do not overlap.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from clinic.times import UTC, at_local

Interval = tuple[datetime, datetime]


def subtract(intervals: Iterable[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """The parts of `intervals` that no `busy` interval covers."""
    free = sorted(intervals)
    for busy_start, busy_end in sorted(busy):
        remaining: list[Interval] = []
        for start, end in free:
            if busy_end <= start or busy_start >= end:
                remaining.append((start, end))
                continue
            if start < busy_start:
                remaining.append((start, busy_start))
            if busy_end < end:
                remaining.append((busy_end, end))
        free = remaining
    return free


def slot_starts(
    free: Iterable[Interval],
    *,
    minutes: int,
    step_minutes: int,
    not_before: datetime,
    zone: ZoneInfo,
) -> list[datetime]:
    """Starts of `minutes`-long slots inside the free intervals, on the clinic's wall-clock grid
    of `step_minutes` (9:00, 9:15, ...), none before `not_before`."""
    length = timedelta(minutes=minutes)
    starts: list[datetime] = []
    for start, end in free:
        local = max(start, not_before).astimezone(zone)
        past_grid = (local.hour * 60 + local.minute) % step_minutes
        if past_grid or local.second or local.microsecond:
            local = local.replace(second=0, microsecond=0) + timedelta(
                minutes=step_minutes - past_grid
            )
        # Step in UTC: adding minutes to a zone-aware datetime keeps its wall time, which on a
        # DST day is not the same as the time that passes.
        moment = local.astimezone(UTC)
        while moment + length <= end:
            starts.append(moment)
            moment += timedelta(minutes=step_minutes)
    return starts


def series_starts(
    first: datetime, *, count: int, every_days: int, zone: ZoneInfo
) -> list[datetime]:
    """Starts of a series that keeps its local wall time across DST changes.

    Adding 7 × 24 h to 9:00 the week before a change would give 8:00 or 10:00 after it; the
    series is computed on the wall clock instead.
    """
    local = first.astimezone(zone)
    return [
        at_local(local.date() + timedelta(days=every_days * n), local.time(), zone)
        for n in range(count)
    ]


WeeklyHours = tuple[int, time, time]  # weekday (0 is Monday), starts, ends: wall-clock times


def within_weekly_hours(
    starts_at: datetime, ends_at: datetime, *, hours: Iterable[WeeklyHours], zone: ZoneInfo
) -> bool:
    """Whether [starts_at, ends_at) lies inside one of the weekly intervals on its local day:
    the rule a booking is checked by, and by which shorter hours strand an old one."""
    local_start = starts_at.astimezone(zone)
    day = local_start.date()
    for weekday, starts, ends in hours:
        if weekday != local_start.weekday():
            continue
        if at_local(day, starts, zone) <= starts_at and ends_at <= at_local(day, ends, zone):
            return True
    return False
