"""Knee-to-wall units and interpretation: pure functions on values, no database.

Distances are integers in micrometres. Both units convert exactly: 1 cm = 10,000 µm and
1 in = 25,400 µm. Entry accepts centimetres to two decimals (0.1 mm) and inches to two
decimals or in eighths (4.125 in), all of which are whole numbers of micrometres, so every
accepted value converts back unchanged.

Distances are signed: 0 or more when the knee touched the wall (the greatest toe-to-wall
distance), 0 or less when it could not reach with the toe against the wall (the remaining
knee-to-wall gap, or 0 when the gap was not measured).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

UM_PER_UNIT = {"cm": 10_000, "in": 25_400}
DECIMALS_ALLOWED = {"cm": 2, "in": 2}
PRECISION_HINT = {
    "cm": "Use at most 2 decimal places for centimetres (0.1 mm).",
    "in": "Use inches to 2 decimal places (4.75) or in eighths (4.125).",
}
DISPLAY_DECIMALS = {"cm": 1, "in": 2}

# Plausibility, not clinical judgement: about 25 cm / 10 in forward, 15 cm / 6 in short.
MAX_DISTANCE_UM = 254_000
MAX_GAP_UM = 150_000
# Bennell 1998: 1 cm of distance is about 3.6 degrees of tibial inclination.
DEGREES_PER_CM = Decimal("3.6")


class UnitError(ValueError):
    """A value that is not a number in the given unit, with a sentence saying why."""


def to_micrometres(value: Decimal | str | int | float, unit: str) -> int:
    if unit not in UM_PER_UNIT:
        raise UnitError(f"Unit must be cm or in, not {unit!r}.")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise UnitError(f"{value!r} is not a number.") from None
    if not number.is_finite():
        raise UnitError("Enter a finite number.")
    exponent = number.normalize().as_tuple().exponent
    decimals = -exponent if exponent < 0 else 0
    eighths = number * 8
    if decimals > DECIMALS_ALLOWED[unit] and not (
        unit == "in" and eighths == eighths.to_integral_value()
    ):
        raise UnitError(PRECISION_HINT[unit])
    return int(number * UM_PER_UNIT[unit])  # exact: the checks above leave no fraction


def from_micrometres(micrometres: int, unit: str) -> Decimal:
    """The exact value in `unit` when there is one, else rounded to 4 decimal places."""
    value = Decimal(micrometres) / UM_PER_UNIT[unit]
    exact = value.normalize()
    exponent = exact.as_tuple().exponent
    if exponent > 0 or exact == 0:
        return exact.quantize(Decimal(1))  # 10, not 1E+1
    if exponent >= -4:
        return exact
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def display(micrometres: int, unit: str) -> str:
    """A distance for people: '11.8 cm', '4.75 in'."""
    places = DISPLAY_DECIMALS[unit]
    value = (Decimal(micrometres) / UM_PER_UNIT[unit]).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )
    if value == 0:
        value = abs(value)  # no "-0.0"
    text = f"{value.normalize():f}" if unit == "in" else f"{value:f}"
    return f"{text} {unit}"


def describe_distance(distance_um: int, *, reached: bool, unit: str) -> str:
    """A side's result for people, could-not-reach spelled out."""
    if reached:
        return display(distance_um, unit)
    if distance_um == 0:
        return "could not reach the wall"
    return f"could not reach the wall ({display(-distance_um, unit)} short)"


def approx_degrees(micrometres: int) -> Decimal:
    """Tibial angle estimated from distance; always shown as approximate."""
    degrees = Decimal(micrometres) / UM_PER_UNIT["cm"] * DEGREES_PER_CM
    return degrees.quantize(Decimal(1), rounding=ROUND_HALF_UP)


# --- Interpretation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """A clinic's settings, in micrometres."""

    target_um: int = 127_000
    needs_work_below_um: int = 76_200
    asymmetry_over_um: int = 15_000
    mdc_same_therapist_um: int = 19_000
    mdc_other_therapist_um: int = 16_000

    @classmethod
    def for_clinic(cls, clinic) -> Thresholds:
        def um(mm: Decimal) -> int:
            return int(Decimal(mm) * 1000)

        return cls(
            target_um=um(clinic.target_distance_mm),
            needs_work_below_um=um(clinic.needs_work_below_mm),
            asymmetry_over_um=um(clinic.asymmetry_over_mm),
            mdc_same_therapist_um=um(clinic.mdc_same_therapist_mm),
            mdc_other_therapist_um=um(clinic.mdc_other_therapist_mm),
        )


class Standing(StrEnum):
    NEEDS_WORK = "needs_work"
    BELOW_TARGET = "below_target"
    AT_TARGET = "at_target"


STANDING_LABELS = {
    Standing.NEEDS_WORK: "needs work",
    Standing.BELOW_TARGET: "below target",
    Standing.AT_TARGET: "at target",
}


def standing(distance_um: int, thresholds: Thresholds) -> Standing:
    """Where one side stands against the clinic's target. Could-not-reach is always below."""
    if distance_um < thresholds.needs_work_below_um:
        return Standing.NEEDS_WORK
    if distance_um < thresholds.target_um:
        return Standing.BELOW_TARGET
    return Standing.AT_TARGET


@dataclass(frozen=True)
class Asymmetry:
    difference_um: int
    flagged: bool
    shorter_side: str | None  # "left", "right", or None when equal


def asymmetry(left_um: int, right_um: int, thresholds: Thresholds) -> Asymmetry:
    """A side-to-side difference over the threshold is a prompt to look, not a finding."""
    difference = abs(left_um - right_um)
    shorter = None if left_um == right_um else ("left" if left_um < right_um else "right")
    return Asymmetry(difference, difference > thresholds.asymmetry_over_um, shorter)


class ChangeClass(StrEnum):
    IMPROVED = "improved"
    NO_REAL_CHANGE = "no_real_change"
    WORSE = "worse"


CHANGE_LABELS = {
    ChangeClass.IMPROVED: "a real improvement",
    ChangeClass.NO_REAL_CHANGE: "no real change",
    ChangeClass.WORSE: "a real decline",
}


@dataclass(frozen=True)
class Change:
    before_um: int
    after_um: int
    mdc_um: int
    classification: ChangeClass

    @property
    def delta_um(self) -> int:
        return self.after_um - self.before_um


def mdc_for(*, same_therapist: bool, thresholds: Thresholds) -> int:
    """Powden 2015: 1.9 cm when the same therapist measured both times, 1.6 cm otherwise."""
    if same_therapist:
        return thresholds.mdc_same_therapist_um
    return thresholds.mdc_other_therapist_um


def classify_change(before_um: int, after_um: int, mdc_um: int) -> Change:
    """Improved or worse only when the change reaches the MDC; anything smaller is no change."""
    delta = after_um - before_um
    if delta >= mdc_um:
        classification = ChangeClass.IMPROVED
    elif delta <= -mdc_um:
        classification = ChangeClass.WORSE
    else:
        classification = ChangeClass.NO_REAL_CHANGE
    return Change(before_um, after_um, mdc_um, classification)


def change_between(
    *,
    before_um: int,
    before_therapist_id: int | None,
    after_um: int,
    after_therapist_id: int | None,
    thresholds: Thresholds,
) -> Change:
    same = before_therapist_id is not None and before_therapist_id == after_therapist_id
    return classify_change(before_um, after_um, mdc_for(same_therapist=same, thresholds=thresholds))


def describe_change(change: Change, unit: str) -> str:
    """Plain words for patients: 'Left: 9.5 cm → 11.8 cm, a real improvement'."""
    before = display(change.before_um, unit)
    after = display(change.after_um, unit)
    return f"{before} → {after}, {CHANGE_LABELS[change.classification]}"
