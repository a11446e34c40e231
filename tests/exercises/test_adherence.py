"""Schedules, weekly adherence and streaks: pure functions, table-driven."""

from datetime import date, timedelta

import pytest

from exercises.adherence import (
    EVERY_DAY,
    Schedule,
    adherence_by_week,
    days_mask,
    describe_days,
    schedules_from_versions,
    streak,
    weekdays_of,
)

MONDAY = date(2026, 11, 16)


def test_days_of_the_week_as_a_mask():
    assert days_mask([0, 2, 4]) == 0b10101
    assert weekdays_of(0b10101) == [0, 2, 4]
    assert describe_days(EVERY_DAY) == "every day"
    assert describe_days(days_mask([0, 3])) == "Mon, Thu"
    with pytest.raises(ValueError, match="weekday"):
        days_mask([7])


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (MONDAY - timedelta(days=1), 0),  # before the start
        (MONDAY, 2),  # a Monday: prescribed, twice a day
        (MONDAY + timedelta(days=1), 0),  # a Tuesday: not a prescribed day
        (MONDAY + timedelta(days=2), 2),  # Wednesday
        (MONDAY + timedelta(days=7), 0),  # the schedule ended
    ],
)
def test_a_schedule_prescribes_on_its_days_between_start_and_end(day, expected):
    schedule = Schedule(1, MONDAY, MONDAY + timedelta(days=7), 2, days_mask([0, 2, 4]))
    assert schedule.sessions_on(day) == expected


def test_a_new_version_ends_the_one_before():
    schedules = schedules_from_versions(
        [(1, MONDAY, 1, EVERY_DAY), (1, MONDAY + timedelta(days=3), 2, EVERY_DAY)],
        {1: None},
    )
    first, second = schedules
    assert (first.starts, first.ends, first.times_per_day) == (MONDAY, second.starts, 1)
    assert second.ends is None


def test_a_prescription_that_ended_prescribes_nothing_after():
    (schedule,) = schedules_from_versions([(1, MONDAY, 1, EVERY_DAY)], {1: MONDAY + timedelta(3)})
    assert schedule.sessions_on(MONDAY + timedelta(days=3)) == 0
    assert schedule.sessions_on(MONDAY + timedelta(days=2)) == 1


@pytest.mark.parametrize(
    ("done_days", "prescribed", "done", "percent"),
    [
        ([], 7, 0, 0),
        ([0, 1, 2, 3, 4, 5, 6], 7, 7, 100),
        ([0, 2, 4], 7, 3, 43),
        ([0, 0, 0], 7, 1, 14),  # three sessions on one day count once when one was due
    ],
)
def test_weekly_adherence_is_the_share_of_prescribed_sessions_done(
    done_days, prescribed, done, percent
):
    schedules = [Schedule(1, MONDAY, None, 1, EVERY_DAY)]
    per_day: dict[date, int] = {}
    for offset in done_days:
        day = MONDAY + timedelta(days=offset)
        per_day[day] = per_day.get(day, 0) + 1
    (week,) = adherence_by_week(
        schedules=schedules, done_per_day=per_day, today=MONDAY + timedelta(days=6), weeks=1
    )
    assert (week.prescribed, week.done, week.percent) == (prescribed, done, percent)


def test_the_current_week_counts_only_up_to_today_and_weeks_before_the_start_are_empty():
    schedules = [Schedule(1, MONDAY, None, 2, EVERY_DAY)]
    weeks = adherence_by_week(
        schedules=schedules,
        done_per_day={MONDAY: 2, MONDAY + timedelta(days=7): 1},
        today=MONDAY + timedelta(days=8),  # the Tuesday of the next week
        weeks=3,
    )
    assert [w.prescribed for w in weeks] == [0, 14, 4]
    assert weeks[0].share is None
    assert weeks[0].percent is None
    assert [w.done for w in weeks] == [0, 2, 1]


@pytest.mark.parametrize(
    ("done_offsets", "today_offset", "expected"),
    [
        ([0, 1, 2, 3], 3, 4),
        ([0, 1, 2], 3, 3),  # today not done yet: the streak holds
        ([0, 2, 3], 3, 2),  # a missed day breaks it
        ([], 3, 0),
    ],
)
def test_the_streak_counts_prescribed_days_done_in_a_row(done_offsets, today_offset, expected):
    schedules = [Schedule(1, MONDAY, None, 1, EVERY_DAY)]
    per_day = {MONDAY + timedelta(days=offset): 1 for offset in done_offsets}
    today = MONDAY + timedelta(days=today_offset)
    assert streak(schedules=schedules, done_per_day=per_day, today=today) == expected


def test_days_off_neither_break_nor_extend_the_streak():
    schedules = [Schedule(1, MONDAY, None, 1, days_mask([0, 2, 4]))]  # Mon, Wed, Fri
    per_day = {MONDAY: 1, MONDAY + timedelta(days=2): 1, MONDAY + timedelta(days=4): 1}
    assert streak(schedules=schedules, done_per_day=per_day, today=MONDAY + timedelta(6)) == 3
