"""Units and interpretation rules, table-driven at their boundaries, plus property tests."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.interpretation import (
    NOT_MEASURED,
    ChangeClass,
    SideValue,
    Standing,
    Thresholds,
    UnitError,
    approx_degrees,
    asymmetry,
    change_between,
    classify_change,
    describe_change,
    describe_distance,
    display,
    from_micrometres,
    mdc_for,
    standing,
    to_micrometres,
)

DEFAULTS = Thresholds()


def at(um: int) -> SideValue:
    """The knee touched the wall with the toe this far out."""
    return SideValue(reached=True, um=um)


def short_by(um: int) -> SideValue:
    """The knee could not reach with the toe at the wall; the gap was measured."""
    return SideValue(reached=False, um=-um)


def side(um: int) -> SideValue:
    """A measured side from a signed distance, as the older tables write it."""
    return at(um) if um >= 0 else short_by(-um)


@pytest.mark.parametrize(
    ("value", "unit", "micrometres"),
    [
        ("5", "in", 127_000),
        ("1", "in", 25_400),
        ("4.125", "in", 104_775),
        ("0.01", "in", 254),
        ("4.875", "in", 123_825),
        ("12.7", "cm", 127_000),
        ("0.01", "cm", 100),
        ("0", "cm", 0),
        ("-2.5", "cm", -25_000),
        (Decimal("7.62"), "cm", 76_200),
        (3, "in", 76_200),
    ],
)
def test_values_convert_to_exact_micrometres(value, unit, micrometres):
    assert to_micrometres(value, unit) == micrometres


@pytest.mark.parametrize(
    ("value", "unit", "message"),
    [
        ("4.0625", "in", "2 decimal places .4.75. or in eighths"),
        ("0.001", "in", "in eighths"),
        ("12.345", "cm", "at most 2 decimal places for centimetres"),
        ("abc", "cm", "not a number"),
        ("", "cm", "not a number"),
        ("NaN", "cm", "finite"),
        ("Infinity", "in", "finite"),
        ("5", "mm", "Unit must be cm or in"),
    ],
)
def test_bad_values_are_refused_with_a_reason(value, unit, message):
    with pytest.raises(UnitError, match=message):
        to_micrometres(value, unit)


@pytest.mark.parametrize(
    ("micrometres", "unit", "shown", "exact"),
    [
        (127_000, "in", "5 in", Decimal("5")),
        (127_000, "cm", "12.7 cm", Decimal("12.7")),
        (120_650, "in", "4¾ in", Decimal("4.75")),  # eighths as a tape reads them
        (53_975, "in", "2⅛ in", Decimal("2.125")),  # not rounded to 2.13 in
        (3_175, "in", "⅛ in", Decimal("0.125")),
        (106_934, "in", "4.21 in", Decimal("4.21")),  # not an eighth: to 0.01 in
        (106_680, "in", "4.20 in", Decimal("4.2")),  # the same places as its neighbours
        (254_000, "in", "10 in", Decimal("10")),
        (100_000, "in", "3.94 in", Decimal("3.937")),  # 10 cm in inches: rounded for display
        (0, "cm", "0.0 cm", Decimal("0")),
        (-25_400, "in", "\u22121 in", Decimal("-1")),  # a minus sign, not a hyphen
        (-5_000, "cm", "\u22120.5 cm", Decimal("-0.5")),
        (-40, "cm", "0.0 cm", Decimal("-0.004")),  # rounds to 0: no "−0.0"
    ],
)
def test_display_and_exact_values(micrometres, unit, shown, exact):
    assert display(micrometres, unit) == shown
    assert from_micrometres(micrometres, unit).quantize(Decimal("0.001")) == exact.quantize(
        Decimal("0.001")
    )


@given(st.decimals(min_value=-15, max_value=25, places=2, allow_nan=False, allow_infinity=False))
def test_centimetres_round_trip_exactly(value):
    assert from_micrometres(to_micrometres(value, "cm"), "cm") == value


@given(st.decimals(min_value=-6, max_value=10, places=2, allow_nan=False, allow_infinity=False))
def test_inches_round_trip_exactly(value):
    assert from_micrometres(to_micrometres(value, "in"), "in") == value


@given(st.integers(min_value=-48, max_value=80))
def test_eighths_of_an_inch_round_trip_exactly(eighths):
    value = Decimal(eighths) / 8
    assert from_micrometres(to_micrometres(value, "in"), "in") == value


@given(st.integers(min_value=-1_500, max_value=2_540), st.sampled_from(["cm", "in"]))
def test_stored_values_convert_out_and_back_unchanged(steps, unit):
    # Every value entry accepts is a multiple of 100 µm (cm) or 254 µm / 3175 µm (in).
    micrometres = steps * (100 if unit == "cm" else 254)
    assert to_micrometres(from_micrometres(micrometres, unit), unit) == micrometres


@pytest.mark.parametrize(
    ("distance_um", "expected"),
    [
        (-20_000, Standing.NEEDS_WORK),  # could not reach
        (0, Standing.NEEDS_WORK),
        (76_199, Standing.NEEDS_WORK),
        (76_200, Standing.BELOW_TARGET),  # 3 in: no longer "needs work"
        (126_999, Standing.BELOW_TARGET),
        (127_000, Standing.AT_TARGET),  # 5 in / 12.7 cm: at target
        (200_000, Standing.AT_TARGET),
    ],
)
def test_standing_against_the_target(distance_um, expected):
    assert standing(side(distance_um), DEFAULTS) == expected


def test_a_gap_not_measured_needs_work_but_has_no_number():
    assert standing(NOT_MEASURED, DEFAULTS) == Standing.NEEDS_WORK
    assert approx_degrees(NOT_MEASURED.um) is None
    assert from_micrometres(NOT_MEASURED.um, "cm") is None


@pytest.mark.parametrize(
    ("reached", "stored_um", "expected"),
    [
        (True, 95_000, SideValue(reached=True, um=95_000)),
        (True, 0, SideValue(reached=True, um=0)),  # touched with the toe at the wall
        (False, -25_000, SideValue(reached=False, um=-25_000)),  # 2.5 cm short
        (False, 0, SideValue(reached=False, um=None)),  # could not reach, gap not measured
    ],
)
def test_the_stored_side_becomes_a_value_or_not_measured(reached, stored_um, expected):
    assert SideValue.stored(reached=reached, distance_um=stored_um) == expected


@pytest.mark.parametrize(("reached", "um"), [(False, 0), (False, 10_000), (True, None), (True, -1)])
def test_a_side_value_cannot_hold_an_ambiguous_number(reached, um):
    with pytest.raises(ValueError, match=r"reached the wall|could not reach"):
        SideValue(reached=reached, um=um)


@pytest.mark.parametrize(
    ("left", "right", "flagged", "shorter"),
    [
        (100_000, 115_000, False, "left"),  # exactly 1.5 cm: not over
        (100_000, 115_001, True, "left"),
        (115_001, 100_000, True, "right"),
        (100_000, 100_000, False, None),
        (-10_000, 6_000, True, "left"),
    ],
)
def test_asymmetry_is_flagged_only_over_the_threshold(left, right, flagged, shorter):
    result = asymmetry(side(left), side(right), DEFAULTS)
    assert result.flagged is flagged
    assert result.shorter_side == shorter
    assert result.difference_um == abs(left - right)
    assert result.more_than_um is None


@pytest.mark.parametrize(
    ("left", "right", "more_than", "flagged", "shorter"),
    [
        # The other side reached: more than its distance apart, the unmeasured side shorter.
        (NOT_MEASURED, at(120_000), 120_000, True, "left"),
        (at(15_000), NOT_MEASURED, 15_000, True, "right"),  # > 1.5 cm: over the threshold
        (NOT_MEASURED, at(14_999), 14_999, False, "left"),  # > 1.4999 cm: may or may not be
        (NOT_MEASURED, at(0), 0, False, "left"),
        # Both short of the wall, one or both by an unknown gap: nothing is known.
        (NOT_MEASURED, short_by(25_000), None, False, None),
        (short_by(5_000), NOT_MEASURED, None, False, None),
        (NOT_MEASURED, NOT_MEASURED, None, False, None),
    ],
)
def test_an_asymmetry_with_a_gap_not_measured_is_a_lower_bound_or_unknown(
    left, right, more_than, flagged, shorter
):
    result = asymmetry(left, right, DEFAULTS)
    assert result.difference_um is None  # never a number computed from a missing value
    assert not result.known
    assert result.more_than_um == more_than
    assert result.flagged is flagged
    assert result.shorter_side == shorter
    assert "not measured" in result.reason


@pytest.mark.parametrize(
    ("before", "after", "mdc", "expected"),
    [
        (95_000, 113_999, 19_000, ChangeClass.NO_REAL_CHANGE),  # 1.8999 cm < MDC
        (95_000, 114_000, 19_000, ChangeClass.IMPROVED),  # exactly the MDC is real
        (95_000, 76_001, 19_000, ChangeClass.NO_REAL_CHANGE),
        (95_000, 76_000, 19_000, ChangeClass.WORSE),
        (95_000, 95_000, 19_000, ChangeClass.NO_REAL_CHANGE),
        (95_000, 110_999, 16_000, ChangeClass.NO_REAL_CHANGE),
        (95_000, 111_000, 16_000, ChangeClass.IMPROVED),
        (-20_000, 0, 19_000, ChangeClass.IMPROVED),  # from a 2 cm gap to touching the wall
    ],
)
def test_changes_below_the_mdc_are_never_progress_or_regression(before, after, mdc, expected):
    change = classify_change(side(before), side(after), mdc)
    assert change.classification == expected
    assert change.delta_um == after - before
    assert change.reason == ""


@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        # Issue 12, item 4: not measured, then a 2.5 cm gap. Not "-2.5 cm, a real decline".
        (NOT_MEASURED, short_by(25_000), "at the earlier test"),
        (NOT_MEASURED, at(60_000), "at the earlier test"),  # nor a gain from nothing
        (at(30_000), NOT_MEASURED, "at this test"),
        (short_by(25_000), NOT_MEASURED, "at this test"),
        (NOT_MEASURED, NOT_MEASURED, "at either test"),
    ],
)
def test_a_side_not_measured_is_not_comparable_with_the_reason(before, after, reason):
    change = classify_change(before, after, 19_000)
    assert change.classification == ChangeClass.NOT_COMPARABLE
    assert change.delta_um is None
    assert change.mdc_um == 19_000
    assert change.reason == f"The gap was not measured {reason}, so there is no number to compare."


@pytest.mark.parametrize(
    ("before_therapist", "after_therapist", "mdc"),
    [(7, 7, 19_000), (7, 8, 16_000), (None, 8, 16_000), (None, None, 16_000)],
)
def test_the_mdc_depends_on_who_measured(before_therapist, after_therapist, mdc):
    change = change_between(
        before=at(100_000),
        before_therapist_id=before_therapist,
        after=at(117_000),
        after_therapist_id=after_therapist,
        thresholds=DEFAULTS,
    )
    assert change.mdc_um == mdc
    # 1.7 cm: real between two therapists (MDC 1.6), not for the same one (MDC 1.9).
    expected = ChangeClass.NO_REAL_CHANGE if mdc == 19_000 else ChangeClass.IMPROVED
    assert change.classification == expected


def test_mdc_for_uses_the_clinic_settings():
    custom = Thresholds(mdc_same_therapist_um=10_000, mdc_other_therapist_um=12_000)
    assert mdc_for(same_therapist=True, thresholds=custom) == 10_000
    assert mdc_for(same_therapist=False, thresholds=custom) == 12_000


@pytest.mark.parametrize(
    ("micrometres", "degrees"), [(0, 0), (100_000, 36), (127_000, 46), (-10_000, -4)]
)
def test_degrees_from_distance_are_approximate(micrometres, degrees):
    assert approx_degrees(micrometres) == degrees


def test_plain_words_for_patients():
    change = classify_change(at(95_000), at(118_000), 19_000)
    assert describe_change(change, "cm") == "9.5 cm → 11.8 cm, a real improvement"
    assert describe_distance(short_by(25_400), "in") == "could not reach the wall (1 in short)"
    assert describe_distance(NOT_MEASURED, "cm") == "could not reach the wall (gap not measured)"
    assert describe_distance(at(0), "cm") == "0.0 cm"
    unknown = classify_change(NOT_MEASURED, short_by(25_000), 19_000)
    assert describe_change(unknown, "cm") == (
        "could not reach the wall (gap not measured) → could not reach the wall (2.5 cm short), "
        "not comparable. The gap was not measured at the earlier test, so there is no number "
        "to compare."
    )
    assert "decline" not in describe_change(unknown, "cm")


def test_thresholds_come_from_the_clinic(db):
    from tests.factories import ClinicFactory

    clinic = ClinicFactory(target_distance_mm=Decimal("152.40"), asymmetry_over_mm=Decimal("10"))
    thresholds = Thresholds.for_clinic(clinic)
    assert thresholds.target_um == 152_400
    assert thresholds.asymmetry_over_um == 10_000
    assert thresholds.mdc_same_therapist_um == 19_000
