"""Knee-to-wall units and interpretation: pure functions on values, no database.

Distances are integers in micrometres. Both units convert exactly: 1 cm = 10,000 µm and
1 in = 25,400 µm. Entry accepts centimetres to two decimals (0.1 mm) and inches to two
decimals or in eighths (4.125 in), all of which are whole numbers of micrometres, so every
accepted value converts back unchanged.

Distances are signed: 0 or more when the knee touched the wall (the greatest toe-to-wall
distance), less than 0 when it could not reach with the toe against the wall (the remaining
knee-to-wall gap). A side that could not reach and whose gap was not measured has no number:
storage keeps a 0 in its column, and SideValue is the one place that reads it back, as None.
Every rule below takes SideValues, so none can compare "not measured" as if it were 0 cm.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinic.labels import Labels

UM_PER_UNIT = {"cm": 10_000, "in": 25_400}
DECIMALS_ALLOWED = {"cm": 2, "in": 2}
PRECISION_HINT = {
    "cm": gettext_lazy("Use at most 2 decimal places for centimetres (0.1 mm)."),
    "in": gettext_lazy("Use inches to 2 decimal places (4.75) or in eighths (4.125)."),
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
        raise UnitError(_("Unit must be cm or in, not %(unit)s.") % {"unit": repr(unit)})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise UnitError(_("%(value)s is not a number.") % {"value": repr(value)}) from None
    if not number.is_finite():
        raise UnitError(_("Enter a finite number."))
    exponent = number.normalize().as_tuple().exponent
    decimals = -exponent if exponent < 0 else 0
    eighths = number * 8
    if decimals > DECIMALS_ALLOWED[unit] and not (
        unit == "in" and eighths == eighths.to_integral_value()
    ):
        raise UnitError(str(PRECISION_HINT[unit]))
    return int(number * UM_PER_UNIT[unit])  # exact: the checks above leave no fraction


def from_micrometres(micrometres: int | None, unit: str) -> Decimal | None:
    """The exact value in `unit` when there is one, else rounded to 4 decimal places. A value
    that was not measured (None) has no number in any unit, so exports write it as empty."""
    if micrometres is None:
        return None
    value = Decimal(micrometres) / UM_PER_UNIT[unit]
    exact = value.normalize()
    exponent = exact.as_tuple().exponent
    if exponent > 0 or exact == 0:
        return exact.quantize(Decimal(1))  # 10, not 1E+1
    if exponent >= -4:
        return exact
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


# A tape reads inches in eighths: a value that is a whole number of eighths is shown as the tape
# shows it (2⅛ in), not rounded to 2.13 in; any other value (converted from cm) to 0.01 in.
UM_PER_EIGHTH_INCH = 3_175
EIGHTHS = {0: "", 1: "⅛", 2: "¼", 3: "⅜", 4: "½", 5: "⅝", 6: "¾", 7: "⅞"}
MINUS = "\u2212"  # a minus sign, not a hyphen


def display(micrometres: int, unit: str) -> str:
    """A distance for people: '11.8 cm', '4¾ in', '3.94 in', '−1 in'."""
    sign = MINUS if micrometres < 0 else ""
    if unit == "in" and micrometres % UM_PER_EIGHTH_INCH == 0:
        whole, eighths = divmod(abs(micrometres) // UM_PER_EIGHTH_INCH, 8)
        number = f"{whole if whole or not eighths else ''}{EIGHTHS[eighths]}"
        return f"{sign}{number} in"
    places = DISPLAY_DECIMALS[unit]
    value = (Decimal(abs(micrometres)) / UM_PER_UNIT[unit]).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )
    if value == 0:
        sign = ""  # no "−0.0"
    # The decimal mark of the reader's language (11,8 cm in Spanish).
    return f"{sign}{formats.number_format(value, decimal_pos=places)} {unit}"


# --- The value of a side ---------------------------------------------------------------------


@dataclass(frozen=True)
class SideValue:
    """What one side's test established: `um` is the signed distance (0 or more: the knee
    touched the wall that far out; below 0: it fell short by that gap), or None when the knee
    could not reach and the gap was not measured. None is not a small number: it is unknown
    below 0, and each rule says what it can and cannot conclude from it."""

    reached: bool
    um: int | None

    def __post_init__(self) -> None:
        # Refused here so that nothing can build the ambiguous "could not reach, 0 cm" that
        # storage uses for "not measured" and carry it around as a distance.
        if self.reached and (self.um is None or self.um < 0):
            raise ValueError("A side that reached the wall has a distance of 0 or more.")
        if not self.reached and self.um is not None and self.um >= 0:
            raise ValueError("A side that could not reach has a gap below 0, or None.")

    @classmethod
    def stored(cls, *, reached: bool, distance_um: int) -> SideValue:
        """A side as stored. Could-not-reach at 0 can only mean the gap was not measured: a
        knee 0 cm from the wall touches it, and entry refuses a gap of 0."""
        if not reached and distance_um == 0:
            return cls(reached=False, um=None)
        return cls(reached=reached, um=distance_um)

    @classmethod
    def of(cls, revision, side: str) -> SideValue:
        """One side of an assessment revision (anything with `<side>_reached` and
        `<side>_distance_um`)."""
        return cls.stored(
            reached=getattr(revision, f"{side}_reached"),
            distance_um=getattr(revision, f"{side}_distance_um"),
        )

    @property
    def measured(self) -> bool:
        return self.um is not None


NOT_MEASURED = SideValue(reached=False, um=None)


def describe_distance(value: SideValue, unit: str) -> str:
    """A side's result for people, could-not-reach spelled out."""
    if value.um is None:
        return _("could not reach the wall (gap not measured)")
    if value.reached:
        return display(value.um, unit)
    return _("could not reach the wall (%(gap)s short)") % {"gap": display(-value.um, unit)}


def approx_degrees(micrometres: int | None) -> Decimal | None:
    """Tibial angle estimated from distance; always shown as approximate. None for a side
    that was not measured: there is no distance to convert."""
    if micrometres is None:
        return None
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
    angle_mdc_same_therapist_deg: Decimal = Decimal("4.7")
    angle_mdc_other_therapist_deg: Decimal = Decimal("4.6")

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
            angle_mdc_same_therapist_deg=Decimal(clinic.angle_mdc_same_therapist_deg),
            angle_mdc_other_therapist_deg=Decimal(clinic.angle_mdc_other_therapist_deg),
        )


class Standing(StrEnum):
    NEEDS_WORK = "needs_work"
    BELOW_TARGET = "below_target"
    AT_TARGET = "at_target"


STANDING_LABELS = Labels(
    {
        Standing.NEEDS_WORK: gettext_lazy("needs work"),
        Standing.BELOW_TARGET: gettext_lazy("below target"),
        Standing.AT_TARGET: gettext_lazy("at target"),
    }
)


def standing(value: SideValue, thresholds: Thresholds) -> Standing:
    """Where one side stands against the clinic's target. Could-not-reach is always below,
    whether or not its gap was measured: the knee fell short even with the toe at the wall."""
    if value.um is None or value.um < thresholds.needs_work_below_um:
        return Standing.NEEDS_WORK
    if value.um < thresholds.target_um:
        return Standing.BELOW_TARGET
    return Standing.AT_TARGET


@dataclass(frozen=True)
class Asymmetry:
    """The side-to-side difference. `difference_um` is set only when both sides have a number;
    when one side was not measured, `more_than_um` may say how large it is at least."""

    difference_um: int | None
    flagged: bool
    shorter_side: str | None  # "left", "right", or None when equal or not known
    more_than_um: int | None = None
    reason: str = ""  # why the difference is only a bound, or not known

    @property
    def known(self) -> bool:
        return self.difference_um is not None


def _unmeasured_reason(sides: list[str]) -> str:
    if len(sides) == 2:
        return _("The gap was not measured on either side.")
    if sides[0] == "left":
        return _("The left gap was not measured.")
    return _("The right gap was not measured.")


def asymmetry(left: SideValue, right: SideValue, thresholds: Thresholds) -> Asymmetry:
    """A side-to-side difference over the threshold is a prompt to look, not a finding."""
    if left.um is not None and right.um is not None:
        difference = abs(left.um - right.um)
        shorter = None if left.um == right.um else ("left" if left.um < right.um else "right")
        return Asymmetry(difference, difference > thresholds.asymmetry_over_um, shorter)
    unmeasured = [name for name, value in (("left", left), ("right", right)) if not value.measured]
    reason = _unmeasured_reason(unmeasured)
    other = right if unmeasured == ["left"] else left
    if len(unmeasured) == 1 and other.reached:
        # The unmeasured side is below 0 and the other at or beyond it: the sides are more than
        # the other side's distance apart. Over the threshold only if that bound already is.
        return Asymmetry(
            difference_um=None,
            flagged=other.um >= thresholds.asymmetry_over_um,
            shorter_side=unmeasured[0],
            more_than_um=other.um,
            reason=reason,
        )
    # Both short of the wall, at least one by an unknown gap: no size, no order.
    return Asymmetry(difference_um=None, flagged=False, shorter_side=None, reason=reason)


class ChangeClass(StrEnum):
    IMPROVED = "improved"
    NO_REAL_CHANGE = "no_real_change"
    WORSE = "worse"
    NOT_COMPARABLE = "not_comparable"


CHANGE_LABELS = Labels(
    {
        ChangeClass.IMPROVED: gettext_lazy("a real improvement"),
        ChangeClass.NO_REAL_CHANGE: gettext_lazy("no real change"),
        ChangeClass.WORSE: gettext_lazy("a real decline"),
        ChangeClass.NOT_COMPARABLE: gettext_lazy("not comparable"),
    }
)
# The same classes as a therapist would say them face to face: the staff words stay exact, a
# patient reading their own page alone is not told "a real decline" in bold.
PATIENT_CHANGE_LABELS = Labels(
    {
        ChangeClass.IMPROVED: gettext_lazy("more movement than before, a real gain"),
        ChangeClass.NO_REAL_CHANGE: gettext_lazy("about the same as before"),
        ChangeClass.WORSE: gettext_lazy(
            "a little less than before, something your therapist will go through with you"
        ),
        ChangeClass.NOT_COMPARABLE: gettext_lazy("cannot be compared"),
    }
)


@dataclass(frozen=True)
class Change:
    before: SideValue
    after: SideValue
    mdc_um: int
    classification: ChangeClass
    reason: str = ""  # set when not comparable: why, in plain words

    @property
    def delta_um(self) -> int | None:
        if self.before.um is None or self.after.um is None:
            return None
        return self.after.um - self.before.um


def mdc_for(*, same_therapist: bool, thresholds: Thresholds) -> int:
    """Powden 2015: 1.9 cm when the same therapist measured both times, 1.6 cm otherwise."""
    if same_therapist:
        return thresholds.mdc_same_therapist_um
    return thresholds.mdc_other_therapist_um


def _not_comparable_reason(before: SideValue, after: SideValue) -> str:
    if not before.measured and not after.measured:
        return _("The gap was not measured at either test, so there is no number to compare.")
    if not before.measured:
        return _("The gap was not measured at the earlier test, so there is no number to compare.")
    if not after.measured:
        return _("The gap was not measured at this test, so there is no number to compare.")
    return ""


def classify_change(before: SideValue, after: SideValue, mdc_um: int) -> Change:
    """Improved or worse only when the change reaches the MDC; anything smaller is no change.
    A side that was not measured is not comparable: never a decline against a value nobody
    recorded, nor a gain from one."""
    reason = _not_comparable_reason(before, after)
    if reason:
        return Change(before, after, mdc_um, ChangeClass.NOT_COMPARABLE, reason)
    delta = after.um - before.um
    if delta >= mdc_um:
        classification = ChangeClass.IMPROVED
    elif delta <= -mdc_um:
        classification = ChangeClass.WORSE
    else:
        classification = ChangeClass.NO_REAL_CHANGE
    return Change(before, after, mdc_um, classification)


def change_between(
    *,
    before: SideValue,
    before_therapist_id: int | None,
    after: SideValue,
    after_therapist_id: int | None,
    thresholds: Thresholds,
) -> Change:
    same = before_therapist_id is not None and before_therapist_id == after_therapist_id
    return classify_change(before, after, mdc_for(same_therapist=same, thresholds=thresholds))


def describe_change(change: Change, unit: str, *, for_patient: bool = False) -> str:
    """Plain words: '9.5 cm → 11.8 cm, a real improvement'; for the patient themselves, the
    words a therapist would use face to face (PATIENT_CHANGE_LABELS)."""
    before = describe_distance(change.before, unit)
    after = describe_distance(change.after, unit)
    labels = PATIENT_CHANGE_LABELS if for_patient else CHANGE_LABELS
    text = f"{before} → {after}, {labels[change.classification]}"
    return f"{text}. {change.reason}" if change.reason else text


# --- The lunge angle ----------------------------------------------------------------------------

ESTIMATED = "estimated"
ANGLE_METHOD_LABELS = Labels(
    {
        "phone": gettext_lazy("phone tilt sensor"),
        "inclinometer": gettext_lazy("inclinometer"),
        "goniometer": gettext_lazy("goniometer"),
        "unrecorded": gettext_lazy("method not recorded"),
        ESTIMATED: gettext_lazy("estimated from distance, approximate"),
    }
)


@dataclass(frozen=True)
class AngleValue:
    """A side's tibia angle from vertical, in degrees, with how it was obtained. An angle
    estimated from the distance is shown (always as approximate) but never compared: the
    distance it came from is compared already, against its own MDC."""

    degrees: Decimal | None
    method: str = ""

    @classmethod
    def of(cls, *, measured_deg, method: str, distance_um: int | None) -> AngleValue:
        if measured_deg is not None:
            return cls(Decimal(measured_deg), method)
        estimate = approx_degrees(distance_um)
        return cls(estimate, ESTIMATED if estimate is not None else "")

    @property
    def measured(self) -> bool:
        return self.degrees is not None and self.method != ESTIMATED

    @property
    def approximate(self) -> bool:
        return self.method == ESTIMATED

    @property
    def method_label(self) -> str:
        return ANGLE_METHOD_LABELS.get(self.method, self.method)

    def __str__(self) -> str:
        if self.degrees is None:
            return _("no angle")
        degrees = formats.localize(self.degrees)
        if self.approximate:
            return f"≈ {degrees}° ({self.method_label})"
        return f"{degrees}° ({self.method_label})"


@dataclass(frozen=True)
class AngleChange:
    before: AngleValue
    after: AngleValue
    mdc_deg: Decimal
    classification: ChangeClass
    note: str = ""  # e.g. the two angles came from different instruments

    @property
    def delta_deg(self) -> Decimal:
        return self.after.degrees - self.before.degrees


def angle_mdc_for(*, same_therapist: bool, thresholds: Thresholds) -> Decimal:
    """Powden 2015: 4.7° when the same therapist measured both times, 4.6° otherwise."""
    if same_therapist:
        return thresholds.angle_mdc_same_therapist_deg
    return thresholds.angle_mdc_other_therapist_deg


def angle_change_between(
    *,
    before: AngleValue,
    before_therapist_id: int | None,
    after: AngleValue,
    after_therapist_id: int | None,
    thresholds: Thresholds,
) -> AngleChange | None:
    """The same rules as the distance: improved or worse only at the MDC. None unless both
    angles were measured: an estimate or a missing angle is never compared."""
    if not (before.measured and after.measured):
        return None
    same = before_therapist_id is not None and before_therapist_id == after_therapist_id
    mdc = angle_mdc_for(same_therapist=same, thresholds=thresholds)
    delta = after.degrees - before.degrees
    if delta >= mdc:
        classification = ChangeClass.IMPROVED
    elif delta <= -mdc:
        classification = ChangeClass.WORSE
    else:
        classification = ChangeClass.NO_REAL_CHANGE
    note = ""
    if before.method != after.method:
        note = f"instruments differ: {before.method_label}, then {after.method_label}"
    return AngleChange(before, after, mdc, classification, note)


def describe_angle_change(change: AngleChange, *, for_patient: bool = False) -> str:
    """'38.0° → 44.5°, a real improvement (MDC 4.6°)'; for the patient, their words."""
    if for_patient:
        label = PATIENT_CHANGE_LABELS[change.classification]
        before, after = (
            formats.localize(change.before.degrees),
            formats.localize(change.after.degrees),
        )
        return f"{before}° → {after}°, {label}"
    text = (
        f"{change.before.degrees}° → {change.after.degrees}°, "
        f"{CHANGE_LABELS[change.classification]} (MDC {change.mdc_deg}°)"
    )
    return f"{text}; {change.note}" if change.note else text
