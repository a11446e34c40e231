"""Changes judged against the MCID, table-driven at every boundary, plus property tests."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from questionnaires.interpretation import (
    ChangeClass,
    Mcid,
    McidError,
    McidRule,
    Scale,
    ScoreValue,
    classify_change,
    describe_change,
    interpret_series,
)
from questionnaires.scoring import Better, ScoringMethod

IMPROVED = ChangeClass.IMPROVED
NO_CHANGE = ChangeClass.NO_IMPORTANT_CHANGE
WORSE = ChangeClass.WORSE
NOT_COMPARABLE = ChangeClass.NOT_COMPARABLE

NPRS = Scale(ScoringMethod.SUM, Decimal(0), Decimal(10), Better.LOWER)
LEFS = Scale(ScoringMethod.SUM, Decimal(0), Decimal(80), Better.HIGHER)
PSFS = Scale(ScoringMethod.MEAN, Decimal(0), Decimal(10), Better.HIGHER)
PERCENT = Scale(ScoringMethod.PERCENT_OF_MAX, Decimal(0), Decimal(100), Better.LOWER)

NPRS_MCID = Mcid(McidRule.EITHER, points=Decimal(2), percent=Decimal(30))  # the brief's default
POINTS_2 = Mcid(McidRule.ABSOLUTE, points=Decimal(2))
PERCENT_30 = Mcid(McidRule.RELATIVE, percent=Decimal(30))
BOTH_2_30 = Mcid(McidRule.BOTH, points=Decimal(2), percent=Decimal(30))
LEFS_MCID = Mcid(McidRule.ABSOLUTE, points=Decimal(9))
ODI_MCID = Mcid(McidRule.EITHER, points=Decimal(10), percent=Decimal(30))


def on(scale: Scale, total) -> ScoreValue:
    return ScoreValue(None if total is None else Decimal(str(total)), scale)


def classified(scale: Scale, before, after, mcid: Mcid) -> ChangeClass:
    return classify_change(on(scale, before), on(scale, after), mcid).classification


@pytest.mark.parametrize(
    ("before", "after", "mcid", "expected"),
    [
        # NPRS, lower is better, 2 points: a change of exactly 2 counts, 1 does not.
        (8, 6, POINTS_2, IMPROVED),
        (8, 7, POINTS_2, NO_CHANGE),
        (8, 8, POINTS_2, NO_CHANGE),
        (8, 9, POINTS_2, NO_CHANGE),
        (6, 8, POINTS_2, WORSE),
        ("8", "6.01", POINTS_2, NO_CHANGE),
        (10, 0, POINTS_2, IMPROVED),
        # 2 points or 30 %, whichever is reached: from 8, 1 point is 12.5 %, 2 points 25 %.
        (8, 7, NPRS_MCID, NO_CHANGE),
        (8, 6, NPRS_MCID, IMPROVED),
        (8, 9, NPRS_MCID, NO_CHANGE),
        (8, 10, NPRS_MCID, WORSE),
        # ... from a small baseline of 3, 1 point is 33 %: reached by the percentage.
        (3, 2, NPRS_MCID, IMPROVED),
        (3, 4, NPRS_MCID, WORSE),
        (3, 2, POINTS_2, NO_CHANGE),
        (3, 2, BOTH_2_30, NO_CHANGE),
        (3, 1, BOTH_2_30, IMPROVED),
        # ... from 4, 1 point is 25 %: neither.
        (4, 3, NPRS_MCID, NO_CHANGE),
        # 30 % alone: exactly 30 % counts, just under does not.
        (10, 7, PERCENT_30, IMPROVED),
        ("10", "7.01", PERCENT_30, NO_CHANGE),
        (10, 13, PERCENT_30, WORSE),
        (1, 0, PERCENT_30, IMPROVED),  # 1 point from 1 is 100 %
        # Both: 2 points and 30 %: from 8, 2 points is only 25 %.
        (8, 6, BOTH_2_30, NO_CHANGE),
        ("8", "5.6", BOTH_2_30, IMPROVED),
        (6, 8, BOTH_2_30, WORSE),
    ],
)
def test_nprs_changes_against_the_mcid(before, after, mcid, expected):
    assert classified(NPRS, before, after, mcid) == expected


@pytest.mark.parametrize(
    ("scale", "before", "after", "mcid", "expected"),
    [
        # LEFS, higher is better, 9 points.
        (LEFS, 40, 49, LEFS_MCID, IMPROVED),
        (LEFS, 40, 48, LEFS_MCID, NO_CHANGE),
        (LEFS, 40, 32, LEFS_MCID, NO_CHANGE),
        (LEFS, 40, 31, LEFS_MCID, WORSE),
        ("lefs", "40", "41.05", LEFS_MCID, NO_CHANGE),  # a prorated total
        # PSFS, higher is better, 2 points on the mean.
        (PSFS, 3, 5, POINTS_2, IMPROVED),
        (PSFS, "3", "4.67", POINTS_2, NO_CHANGE),
        (PSFS, 5, 3, POINTS_2, WORSE),
        # A disability percentage, lower is better, 10 points or 30 %.
        (PERCENT, 40, 30, ODI_MCID, IMPROVED),
        (PERCENT, 40, 31, ODI_MCID, NO_CHANGE),  # 9 points, 22.5 %
        (PERCENT, 20, 14, ODI_MCID, IMPROVED),  # 6 points, 30 %
        (PERCENT, 20, 26, ODI_MCID, WORSE),
    ],
)
def test_the_direction_of_better_decides_improved_or_worse(scale, before, after, mcid, expected):
    scale = LEFS if scale == "lefs" else scale
    assert classified(scale, before, after, mcid) == expected


def test_from_a_score_at_the_bottom_a_relative_only_mcid_is_not_comparable():
    change = classify_change(on(NPRS, 0), on(NPRS, 5), PERCENT_30)
    assert change.classification == NOT_COMPARABLE
    assert change.percent is None
    assert "no percentage change from a score at the bottom" in change.reason


@pytest.mark.parametrize(
    ("after", "mcid", "expected"),
    [
        (2, NPRS_MCID, WORSE),
        (1, NPRS_MCID, NO_CHANGE),
        (2, BOTH_2_30, WORSE),
        (1, BOTH_2_30, NO_CHANGE),
    ],
)
def test_from_a_score_at_the_bottom_points_and_percent_are_judged_by_the_points(
    after, mcid, expected
):
    change = classify_change(on(NPRS, 0), on(NPRS, after), mcid)
    assert change.classification == expected
    assert change.note == (
        "There is no percentage change from a score at the bottom of the scale: judged by the "
        "points alone."
    )


def test_a_function_score_at_the_bottom_can_still_improve_by_points():
    assert classified(PSFS, 0, 2, POINTS_2) == IMPROVED


@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        (None, 5, "The earlier answers have no valid score (too many questions unanswered)."),
        (5, None, "These answers have no valid score (too many questions unanswered)."),
        (None, None, "Neither set of answers has a valid score (too many questions unanswered)."),
    ],
)
def test_answers_without_a_valid_score_are_not_comparable_never_a_change(before, after, reason):
    change = classify_change(on(NPRS, before), on(NPRS, after), NPRS_MCID)
    assert (change.classification, change.reason, change.delta) == (NOT_COMPARABLE, reason, None)


def test_totals_on_another_scale_are_not_comparable():
    rescored = Scale(ScoringMethod.MEAN, Decimal(0), Decimal(10), Better.LOWER)
    change = classify_change(on(NPRS, 8), on(rescored, 2), NPRS_MCID)
    assert change.classification == NOT_COMPARABLE
    assert change.reason == (
        "The questionnaire was scored differently then, so the totals do not compare."
    )


def test_delta_gain_and_percent_say_which_way_is_better():
    pain = classify_change(on(NPRS, 8), on(NPRS, 6), NPRS_MCID)
    assert (pain.delta, pain.gain, pain.percent) == (Decimal(-2), Decimal(2), Decimal(25))
    function = classify_change(on(LEFS, 40), on(LEFS, 50), LEFS_MCID)
    assert (function.delta, function.gain, function.percent) == (10, 10, 25)


def test_changes_in_plain_words():
    assert describe_change(classify_change(on(NPRS, 6), on(NPRS, 3), NPRS_MCID)) == (
        "6 → 3, an important improvement (MCID 2 points or 30 %)"
    )
    assert describe_change(classify_change(on(LEFS, 40), on(LEFS, 44), LEFS_MCID)) == (
        "40 → 44, no important change (MCID 9 points)"
    )
    assert describe_change(classify_change(on(PSFS, 5), on(PSFS, 3), POINTS_2)) == (
        "5 → 3, an important worsening (MCID 2 points)"
    )
    assert describe_change(classify_change(on(NPRS, None), on(NPRS, 3), NPRS_MCID)) == (
        "no valid score → 3, not comparable. The earlier answers have no valid score "
        "(too many questions unanswered)."
    )
    assert describe_change(classify_change(on(NPRS, 0), on(NPRS, 1), BOTH_2_30)).startswith(
        "0 → 1, no important change (MCID 2 points and 30 %). There is no percentage"
    )


def test_the_series_compares_with_the_first_valid_score_and_the_one_before():
    series = interpret_series([on(NPRS, None), on(NPRS, 8), on(NPRS, 7), on(NPRS, 5)], NPRS_MCID)
    assert [entry.is_baseline for entry in series] == [False, True, False, False]
    assert [entry.since_first for entry in series[:2]] == [None, None]
    assert series[1].since_previous.classification == NOT_COMPARABLE  # after the invalid one
    assert series[2].since_first.classification == NO_CHANGE  # 8 → 7
    assert series[3].since_first.classification == IMPROVED  # 8 → 5
    assert series[3].since_previous.classification == IMPROVED  # 7 → 5: 2 points
    assert interpret_series([], NPRS_MCID) == []


@pytest.mark.parametrize(
    ("rule", "points", "percent", "message"),
    [
        (McidRule.ABSOLUTE, None, None, "needs number of points"),
        (McidRule.ABSOLUTE, Decimal(2), Decimal(30), "takes no percentage"),
        (McidRule.RELATIVE, None, None, "needs percentage"),
        (McidRule.EITHER, Decimal(2), None, "needs percentage"),
        (McidRule.BOTH, None, Decimal(30), "needs number of points"),
        (McidRule.ABSOLUTE, Decimal(0), None, "more than 0"),
        (McidRule.RELATIVE, None, Decimal(101), "at most 100"),
    ],
)
def test_an_mcid_must_fit_its_rule(rule, points, percent, message):
    with pytest.raises(McidError, match=message):
        Mcid(rule, points, percent)


def test_a_clinic_setting_with_a_rule_replaces_the_instruments_mcid():
    class Row:
        def __init__(self, rule, points, percent):
            self.mcid_rule, self.mcid_absolute, self.mcid_relative_percent = rule, points, percent

    instrument = Row("either", Decimal(2), Decimal(30))
    assert Mcid.for_instrument(instrument) == NPRS_MCID
    assert Mcid.for_instrument(instrument, Row("", None, None)) == NPRS_MCID
    assert Mcid.for_instrument(instrument, Row("absolute", Decimal(3), None)).describe() == (
        "3 points"
    )


totals = st.decimals(min_value=0, max_value=10, places=2)
points = st.decimals(min_value=Decimal("0.5"), max_value=5, places=2)


@given(before=totals, after=totals, threshold=points)
def test_swapping_before_and_after_swaps_improved_and_worse(before, after, threshold):
    mcid = Mcid(McidRule.ABSOLUTE, points=threshold)
    forward = classified(NPRS, before, after, mcid)
    backward = classified(NPRS, after, before, mcid)
    swap = {IMPROVED: WORSE, WORSE: IMPROVED, NO_CHANGE: NO_CHANGE}
    assert backward == swap[forward]


@given(before=totals, after=totals)
def test_a_change_smaller_than_the_mcid_is_never_progress_or_regression(before, after):
    for mcid in (NPRS_MCID, BOTH_2_30, POINTS_2):
        change = classify_change(on(NPRS, before), on(NPRS, after), mcid)
        below_points = abs(after - before) < mcid.points
        below_percent = (
            mcid.percent is None or before == 0 or abs(after - before) * 100 < mcid.percent * before
        )
        if below_points and below_percent:
            assert change.classification == NO_CHANGE
