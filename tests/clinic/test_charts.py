"""The axes every chart shares (clinic/charts.py): evenly spaced date ticks a person can read,
round value ticks that fit the plot's height, titles that say the unit and the years."""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from clinic.charts import MIN_DATE_GAP, MIN_TICK_GAP, TimeAxis, ValueAxis

ZONE = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def _clinic_zone():
    with timezone.override(ZONE):
        yield


def moment(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=ZONE)


@pytest.mark.parametrize(
    ("start", "days", "labels"),
    [
        ("2026-03-02", 3, ["2 Mar", "3 Mar", "4 Mar", "5 Mar"]),
        ("2026-03-02", 8, ["2 Mar", "4 Mar", "6 Mar", "8 Mar", "10 Mar"]),
        ("2026-03-02", 30, ["2 Mar", "9 Mar", "16 Mar", "23 Mar", "30 Mar"]),
        ("2026-03-02", 60, ["2 Mar", "16 Mar", "30 Mar", "13 Apr", "27 Apr"]),
        ("2026-03-02", 100, ["2 Mar", "30 Mar", "27 Apr", "25 May"]),
        ("2026-03-02", 5, ["2 Mar", "3 Mar", "4 Mar", "5 Mar", "6 Mar", "7 Mar"]),
        ("2025-10-10", 150, ["10 Oct", "7 Nov", "5 Dec", "2 Jan", "30 Jan", "27 Feb"]),
        ("2025-10-10", 200, ["10 Oct", "5 Dec", "30 Jan", "27 Mar"]),
        ("2025-10-10", 400, ["Jan 2026", "Apr", "Jul", "Oct"]),
    ],
)
def test_date_ticks_are_evenly_spaced_and_few_enough_to_read(start, days, labels):
    axis = TimeAxis(moment(start), moment(start) + timedelta(days=days))
    ticks = axis.ticks()
    assert [label for _, label in ticks] == labels
    assert 4 <= len(ticks) <= 6
    xs = [x for x, _ in ticks]
    assert all(axis.left <= x <= axis.right for x in xs)
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    # Months differ by a day or three; steps of days are exactly even.
    assert max(gaps) - min(gaps) <= 0.1 * max(gaps)
    assert min(gaps) >= MIN_DATE_GAP  # room for each label at the largest type


def test_the_title_says_the_years_the_ticks_leave_out():
    axis = TimeAxis(moment("2025-10-10"), moment("2026-04-20"))
    assert axis.title() == "Date (2025–2026)"


def test_one_moment_has_one_tick_in_the_middle():
    axis = TimeAxis(moment("2026-03-02"), moment("2026-03-02"))
    assert axis.ticks() == [(axis.x(moment("2026-03-02")), "2 Mar")]
    assert axis.title() == "Date (2026)"


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0, 5, [0, 1, 2, 3, 4, 5]),
        (0, 80, [0, 20, 40, 60, 80]),
        (-2, 14, [-5, 0, 5, 10, 15]),
        (0, 45, [0, 10, 20, 30, 40, 50]),
    ],
)
def test_value_ticks_are_round_and_fit_the_plot(low, high, ticks):
    axis, step = ValueAxis.rounded(low, high, top=40, bottom=226)
    drawn = axis.ticks(step, lambda value: f"{value:g}")
    assert [float(label) for _, label in drawn] == ticks
    ys = [y for y, _ in drawn]
    assert ys[0] == 226
    assert ys[-1] == 40
    assert min(a - b for a, b in itertools.pairwise(ys)) >= MIN_TICK_GAP


def test_a_short_plot_gets_fewer_ticks():
    axis, step = ValueAxis.rounded(0, 10, top=40, bottom=140)
    drawn = axis.ticks(step, str)
    assert len(drawn) <= 4
    assert min(a - b for (a, _), (b, _) in itertools.pairwise(drawn)) >= MIN_TICK_GAP
