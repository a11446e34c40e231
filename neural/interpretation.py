"""What a straight-leg raise (SLR) or a slump test says, as pure functions on values.

The rules are the clinical brief's ("Neural tests of the chain"):
- SLR: classically positive for nerve-root involvement when radiating pain below the knee comes
  on between 30° and 70° of hip flexion; structural differentiation at that angle (ankle
  dorsiflexion, Bragard; hip internal rotation) tells neural from hamstring: if it changes the
  symptoms they are neural (Pesonen 2021: the extended SLR with differentiation had inter-rater
  kappa 0.85 against 0.50-0.54 for the plain SLR). A crossed SLR is rarely positive but specific.
- Slump: positive when the patient's symptoms are reproduced and eased by neck extension.

No minimal detectable change for the SLR angle is in the brief, so a change of angle is shown in
degrees and never called real or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CLASSIC_LOW = Decimal(30)
CLASSIC_HIGH = Decimal(70)
MAX_ANGLE = Decimal(110)
# The phone widget's spread of readings over its capture window: more means it was moving.
MAX_PHONE_SPREAD = Decimal("1.0")

LOCATION_WORDS = {
    "back": gettext_lazy("in the back"),
    "buttock": gettext_lazy("in the buttock"),
    "thigh": gettext_lazy("in the thigh"),
    "below_knee": gettext_lazy("below the knee"),
}
METHOD_WORDS = {
    "phone": gettext_lazy("phone tilt sensor"),
    "inclinometer": gettext_lazy("inclinometer"),
    "goniometer": gettext_lazy("goniometer"),
    "estimated": gettext_lazy("estimated by eye"),
}
NO_MDC_NOTE = gettext_lazy(
    "No minimal detectable change for the SLR angle is known, so a change is shown in degrees "
    "and not judged real or not."
)


class SlrFinding(StrEnum):
    POSITIVE = "positive"  # the classic positive, neural by differentiation
    NEURAL_ATYPICAL = "neural_atypical"  # neural by differentiation, not the classic picture
    NOT_NEURAL = "not_neural"  # differentiation did not change the symptoms
    UNDIFFERENTIATED = "undifferentiated"  # symptoms, differentiation not tested
    NEGATIVE = "negative"  # no symptoms up to the end of range


class SlumpFinding(StrEnum):
    POSITIVE = "positive"
    NOT_EASED = "not_eased"
    UNDIFFERENTIATED = "undifferentiated"
    NEGATIVE = "negative"


FINDING_LABELS: dict[str, str] = {
    SlrFinding.POSITIVE: gettext_lazy("positive for neural involvement"),
    SlrFinding.NEURAL_ATYPICAL: gettext_lazy("neural, not the classic picture"),
    SlrFinding.NOT_NEURAL: gettext_lazy("not neural by differentiation"),
    SlrFinding.UNDIFFERENTIATED: gettext_lazy("not differentiated"),
    SlrFinding.NEGATIVE: gettext_lazy("negative"),
    SlumpFinding.NOT_EASED: gettext_lazy("not eased by neck extension"),
}
# A slump's own badge words: "positive", "negative" (str(finding) before, the code itself).
SLUMP_LABELS: dict[str, str] = {
    SlumpFinding.POSITIVE: gettext_lazy("positive"),
    SlumpFinding.NEGATIVE: gettext_lazy("negative"),
}


@dataclass(frozen=True)
class SlrValues:
    symptoms: bool
    onset_angle_deg: Decimal | None = None
    max_angle_deg: Decimal | None = None
    method: str = ""
    location: str = ""
    bragard: str = ""  # changed / unchanged / not_tested ("" when no symptoms)
    hip_internal_rotation: str = ""
    crossed: str = ""  # yes / no / not_tested


@dataclass(frozen=True)
class Interpretation:
    finding: str
    sentence: str
    notes: tuple[str, ...] = ()
    test: str = "slr"

    @property
    def label(self) -> str:
        """A badge's words: a slump is "positive", an SLR "positive for neural involvement"."""
        if self.test == "slump" and self.finding in (SlumpFinding.POSITIVE, SlumpFinding.NEGATIVE):
            return str(SLUMP_LABELS[self.finding])
        return str(FINDING_LABELS[self.finding])

    @property
    def text(self) -> str:
        return " ".join((self.sentence, *self.notes))


def describe_angle(angle: Decimal | None, method: str = "") -> str:
    """45.0°, or ≈45° when it was estimated by eye (always labelled approximate)."""
    if angle is None:
        return _("not recorded")
    if method == "estimated":
        return _("≈%(angle)s° (approximate)") % {"angle": angle.quantize(Decimal(1))}
    return f"{angle.quantize(Decimal('0.1'))}°"


def in_classic_range(angle: Decimal) -> bool:
    return CLASSIC_LOW <= angle <= CLASSIC_HIGH


def _differentiations(values: SlrValues, answer: str) -> list[str]:
    names = []
    if values.bragard == answer:
        names.append(_("ankle dorsiflexion (Bragard)"))
    if values.hip_internal_rotation == answer:
        names.append(_("hip internal rotation"))
    return names


def _both(names: list[str]) -> str:
    if len(names) == 2:
        return _("%(first)s and %(second)s") % {"first": names[0], "second": names[1]}
    return names[0]


def interpret_slr(values: SlrValues) -> Interpretation:
    """One side's SLR in a sentence for people, with notes (range, crossed SLR, estimate)."""
    notes: list[str] = []
    if values.crossed == "yes":
        notes.append(
            _(
                "Crossed SLR positive (raising this leg brought on the symptoms in the other leg): "
                "rarely positive, but specific."
            )
        )
    if not values.symptoms:
        sentence = (
            _("Negative: no symptoms came on up to the end of range (greatest angle %(angle)s).")
            % {"angle": describe_angle(values.max_angle_deg, values.method)}
            if values.max_angle_deg is not None
            else _("Negative: no symptoms came on up to the end of range.")
        )
        return Interpretation(SlrFinding.NEGATIVE, sentence, tuple(notes))
    angle = values.onset_angle_deg
    where = str(LOCATION_WORDS.get(values.location, _("where not recorded")))
    onset = describe_angle(angle, values.method)
    below_knee = values.location == "below_knee"
    classic_range = angle is not None and in_classic_range(angle)
    if angle is not None and not classic_range:
        notes.insert(
            0, _("Onset at %(onset)s is outside the classic 30–70° range.") % {"onset": onset}
        )
    if values.method == "estimated":
        notes.append(_("The angle was estimated by eye: approximate."))
    changed = _differentiations(values, "changed")
    unchanged = _differentiations(values, "unchanged")
    if changed:
        by = _both(changed)
        if below_knee and classic_range:
            return Interpretation(
                SlrFinding.POSITIVE,
                _(
                    "Positive for neural involvement: pain below the knee from %(onset)s, "
                    "changed by %(by)s."
                )
                % {"onset": onset, "by": by},
                tuple(notes),
            )
        why = (
            _("the classic positive needs radiating pain below the knee")
            if not below_knee
            else _("the onset is outside the classic 30–70° range")
        )
        return Interpretation(
            SlrFinding.NEURAL_ATYPICAL,
            _(
                "Neural by differentiation (changed by %(by)s), symptoms %(where)s from "
                "%(onset)s; not the classic positive SLR: %(why)s."
            )
            % {"by": by, "where": where, "onset": onset, "why": why},
            tuple(notes),
        )
    if unchanged:
        return Interpretation(
            SlrFinding.NOT_NEURAL,
            _(
                "Not neural by differentiation (hamstring?): %(by)s did not change the symptoms "
                "(%(where)s, from %(onset)s)."
            )
            % {"by": _both(unchanged), "where": where, "onset": onset},
            tuple(notes),
        )
    return Interpretation(
        SlrFinding.UNDIFFERENTIATED,
        _(
            "Symptoms %(where)s from %(onset)s, not differentiated: differentiate (ankle "
            "dorsiflexion or hip internal rotation) to tell neural from hamstring."
        )
        % {"where": where, "onset": onset},
        tuple(notes),
    )


def interpret_slump(*, reproduced: bool, neck_extension: str) -> Interpretation:
    """One side's slump test: positive when the symptoms are reproduced and eased by neck
    extension."""
    if not reproduced:
        return Interpretation(
            SlumpFinding.NEGATIVE,
            _("Negative: the patient's symptoms were not reproduced."),
            test="slump",
        )
    if neck_extension == "yes":
        return Interpretation(
            SlumpFinding.POSITIVE,
            _("Positive: the patient's symptoms were reproduced and eased by neck extension."),
            test="slump",
        )
    if neck_extension == "no":
        return Interpretation(
            SlumpFinding.NOT_EASED,
            _("Symptoms reproduced but not eased by neck extension: not a positive slump test."),
            test="slump",
        )
    return Interpretation(
        SlumpFinding.UNDIFFERENTIATED,
        _(
            "Symptoms reproduced; neck extension not tested: release the neck to tell whether "
            "the slump test is positive."
        ),
        test="slump",
    )


def describe_angle_change(
    before: Decimal | None, after: Decimal | None, *, approximate: bool = False
) -> str:
    """The change of SLR onset angle in degrees, never judged real or not (no MDC is known)."""
    if before is None or after is None:
        return _("not comparable: no symptoms came on at one of the two tests")
    delta = (after - before).quantize(Decimal("0.1"))
    words = _("no change in degrees") if delta == 0 else f"{'+' if delta > 0 else '−'}{abs(delta)}°"
    prefix = "≈" if approximate and delta != 0 else ""
    return _("%(change)s (%(before)s° → %(after)s°); no MDC is known for this angle") % {
        "change": f"{prefix}{words}",
        "before": before.quantize(Decimal("0.1")),
        "after": after.quantize(Decimal("0.1")),
    }
