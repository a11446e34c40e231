"""Units and interpretation rules, table-driven at their boundaries, plus property tests."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.interpretation import (
    ChangeClass,
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
        (120_650, "in", "4.75 in", Decimal("4.75")),
        (254_000, "in", "10 in", Decimal("10")),
        (100_000, "in", "3.94 in", Decimal("3.937")),  # 10 cm in inches: rounded for display
        (0, "cm", "0.0 cm", Decimal("0")),
        (-25_400, "in", "-1 in", Decimal("-1")),
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
    assert standing(distance_um, DEFAULTS) == expected


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
    result = asymmetry(left, right, DEFAULTS)
    assert result.flagged is flagged
    assert result.shorter_side == shorter
    assert result.difference_um == abs(left - right)


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
    assert classify_change(before, after, mdc).classification == expected


@pytest.mark.parametrize(
    ("before_therapist", "after_therapist", "mdc"),
    [(7, 7, 19_000), (7, 8, 16_000), (None, 8, 16_000), (None, None, 16_000)],
)
def test_the_mdc_depends_on_who_measured(before_therapist, after_therapist, mdc):
    change = change_between(
        before_um=100_000,
        before_therapist_id=before_therapist,
        after_um=117_000,
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
    change = classify_change(95_000, 118_000, 19_000)
    assert describe_change(change, "cm") == "9.5 cm → 11.8 cm, a real improvement"
    assert describe_distance(-25_400, reached=False, unit="in") == (
        "could not reach the wall (1 in short)"
    )
    assert describe_distance(0, reached=False, unit="cm") == "could not reach the wall"
    assert describe_distance(0, reached=True, unit="cm") == "0.0 cm"


def test_thresholds_come_from_the_clinic(db):
    from tests.factories import ClinicFactory

    clinic = ClinicFactory(target_distance_mm=Decimal("152.40"), asymmetry_over_mm=Decimal("10"))
    thresholds = Thresholds.for_clinic(clinic)
    assert thresholds.target_um == 152_400
    assert thresholds.asymmetry_over_um == 10_000
    assert thresholds.mdc_same_therapist_um == 19_000
