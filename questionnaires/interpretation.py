"""Questionnaire scores interpreted against the minimal clinically important difference (MCID):
pure functions on values, no database.

The knee-to-wall is judged by its minimal detectable change (assessments/interpretation.py);
a questionnaire by its MCID, the same way: a change is **improved** or **worse** only when it
reaches the MCID in the instrument's better or worse direction, anything smaller is **no
important change**, and answers without a valid score are **not comparable**, never a change
against a number nobody gave.

An MCID is absolute (points), relative (per cent of the earlier score), or both, combined as the
instrument says: `either` threshold is enough, or `both` must be reached. A relative change is
measured from the bottom of the scale (for every instrument Dorsi ships that is 0, so it is the
plain percentage of the earlier score); from a score at the bottom of the scale there is no
percentage: a relative-only MCID is then not comparable, and `either` or `both` are judged by
the points alone, with a note saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinic.labels import Labels
from questionnaires.scoring import Better, Definition, ScoringMethod, display_total


class McidRule(StrEnum):
    ABSOLUTE = "absolute"  # points
    RELATIVE = "relative"  # per cent of the earlier score
    EITHER = "either"  # points or per cent: "2 points or 30 %"
    BOTH = "both"  # points and per cent


MCID_RULE_LABELS = {
    McidRule.ABSOLUTE: gettext_lazy("points"),
    McidRule.RELATIVE: gettext_lazy("per cent"),
    McidRule.EITHER: gettext_lazy("points or per cent, whichever is reached"),
    McidRule.BOTH: gettext_lazy("points and per cent, both reached"),
}


class McidError(ValueError):
    """An MCID whose numbers do not fit its rule, with a sentence saying why."""


@dataclass(frozen=True)
class Mcid:
    rule: McidRule
    points: Decimal | None = None
    percent: Decimal | None = None

    def __post_init__(self) -> None:
        needs_points = self.rule in {McidRule.ABSOLUTE, McidRule.EITHER, McidRule.BOTH}
        needs_percent = self.rule in {McidRule.RELATIVE, McidRule.EITHER, McidRule.BOTH}
        if needs_points != (self.points is not None):
            message = (
                _("An MCID of %(rule)s needs number of points.")
                if needs_points
                else _("An MCID of %(rule)s takes no number of points.")
            )
            raise McidError(message % {"rule": MCID_RULE_LABELS[self.rule]})
        if needs_percent != (self.percent is not None):
            message = (
                _("An MCID of %(rule)s needs percentage.")
                if needs_percent
                else _("An MCID of %(rule)s takes no percentage.")
            )
            raise McidError(message % {"rule": MCID_RULE_LABELS[self.rule]})
        if self.points is not None and self.points <= 0:
            raise McidError(_("The MCID in points is more than 0."))
        if self.percent is not None and not 0 < self.percent <= 100:
            raise McidError(_("The MCID in per cent is more than 0 and at most 100."))

    @classmethod
    def of(cls, rule: str, points: Decimal | None, percent: Decimal | None) -> Mcid:
        return cls(McidRule(rule), points, percent)

    @classmethod
    def for_instrument(cls, instrument, setting=None) -> Mcid:
        """The instrument's MCID (anything with `mcid_rule`, `mcid_absolute`,
        `mcid_relative_percent`), or the clinic's own when its setting gives a rule."""
        source = setting if setting is not None and setting.mcid_rule else instrument
        return cls.of(source.mcid_rule, source.mcid_absolute, source.mcid_relative_percent)

    def describe(self) -> str:
        """'2 points or 30 %', '9 points'."""
        points = (
            _("%(points)s points") % {"points": display_total(self.points)}
            if self.points is not None
            else ""
        )
        percent = f"{display_total(self.percent)} %" if self.percent is not None else ""
        if self.rule == McidRule.EITHER:
            return _("%(points)s or %(percent)s") % {"points": points, "percent": percent}
        if self.rule == McidRule.BOTH:
            return _("%(points)s and %(percent)s") % {"points": points, "percent": percent}
        return points or percent


@dataclass(frozen=True)
class Scale:
    """What a total means: two totals compare only on the same scale (a new version of an
    instrument scored another way is not the same scale)."""

    scoring_method: ScoringMethod
    score_min: Decimal
    score_max: Decimal
    better: Better

    @classmethod
    def of(cls, definition: Definition) -> Scale:
        return cls(
            definition.scoring_method, definition.score_min, definition.score_max, definition.better
        )


@dataclass(frozen=True)
class ScoreValue:
    """One completed questionnaire's total; None when the answers had no valid score."""

    total: Decimal | None
    scale: Scale

    @property
    def valid(self) -> bool:
        return self.total is not None


class ChangeClass(StrEnum):
    IMPROVED = "improved"
    NO_IMPORTANT_CHANGE = "no_important_change"
    WORSE = "worse"
    NOT_COMPARABLE = "not_comparable"


CHANGE_LABELS = Labels(
    {
        ChangeClass.IMPROVED: gettext_lazy("an important improvement"),
        ChangeClass.NO_IMPORTANT_CHANGE: gettext_lazy("no important change"),
        ChangeClass.WORSE: gettext_lazy("an important worsening"),
        ChangeClass.NOT_COMPARABLE: gettext_lazy("not comparable"),
    }
)
# The same classes as a therapist would say them face to face: the staff words stay exact, a
# patient reading their own page alone is not told "an important worsening" in bold.
PATIENT_CHANGE_LABELS = Labels(
    {
        ChangeClass.IMPROVED: gettext_lazy("clearly better than before"),
        ChangeClass.NO_IMPORTANT_CHANGE: gettext_lazy("about the same as before"),
        ChangeClass.WORSE: gettext_lazy(
            "harder than before, something to talk over with your therapist"
        ),
        ChangeClass.NOT_COMPARABLE: gettext_lazy("cannot be compared"),
    }
)


@dataclass(frozen=True)
class Change:
    before: ScoreValue
    after: ScoreValue
    mcid: Mcid
    classification: ChangeClass
    reason: str = ""  # set when not comparable: why, in plain words
    note: str = ""  # set when the MCID could only be applied in part: how it was judged

    @property
    def delta(self) -> Decimal | None:
        """After minus before, in points: negative is lower, whichever direction is better."""
        if self.before.total is None or self.after.total is None:
            return None
        return self.after.total - self.before.total

    @property
    def gain(self) -> Decimal | None:
        """The change in points towards better (negative: towards worse)."""
        if self.delta is None:
            return None
        return self.delta if self.after.scale.better == Better.HIGHER else -self.delta

    @property
    def percent(self) -> Decimal | None:
        """The gain as a percentage of the earlier score (from the bottom of the scale); None
        when there is no earlier score, or it was at the bottom."""
        if self.gain is None:
            return None
        base = self.before.total - self.before.scale.score_min
        return None if base == 0 else self.gain * 100 / base


def _not_comparable_reason(before: ScoreValue, after: ScoreValue) -> str:
    if not before.valid and not after.valid:
        return _("Neither set of answers has a valid score (too many questions unanswered).")
    if not before.valid:
        return _("The earlier answers have no valid score (too many questions unanswered).")
    if not after.valid:
        return _("These answers have no valid score (too many questions unanswered).")
    if before.scale != after.scale:
        return _("The questionnaire was scored differently then, so the totals do not compare.")
    return ""


NO_PERCENT_FROM_BOTTOM = "There is no percentage change from a score at the bottom of the scale"


def classify_change(before: ScoreValue, after: ScoreValue, mcid: Mcid) -> Change:
    """Improved or worse only when the change reaches the MCID in the better or the worse
    direction; anything smaller is no important change. Reaching it exactly counts."""
    reason = _not_comparable_reason(before, after)
    if reason:
        return Change(before, after, mcid, ChangeClass.NOT_COMPARABLE, reason)
    gain = after.total - before.total
    if after.scale.better == Better.LOWER:
        gain = -gain
    base = before.total - before.scale.score_min

    # Compared multiplied out (gain × 100 against percent × base): exact, no rounding.
    by_points = by_percent = None
    if mcid.points is not None:
        by_points = (gain >= mcid.points, gain <= -mcid.points)
    note = ""
    if mcid.percent is not None:
        if base == 0:
            if mcid.rule == McidRule.RELATIVE:
                return Change(
                    before,
                    after,
                    mcid,
                    ChangeClass.NOT_COMPARABLE,
                    f"{NO_PERCENT_FROM_BOTTOM}, and this MCID is a percentage.",
                )
            note = f"{NO_PERCENT_FROM_BOTTOM}: judged by the points alone."
        else:
            by_percent = (gain * 100 >= mcid.percent * base, gain * 100 <= -mcid.percent * base)

    reached = [result for result in (by_points, by_percent) if result is not None]
    combine = all if mcid.rule == McidRule.BOTH else any
    if combine(improved for improved, _ in reached):
        classification = ChangeClass.IMPROVED
    elif combine(worse for _, worse in reached):
        classification = ChangeClass.WORSE
    else:
        classification = ChangeClass.NO_IMPORTANT_CHANGE
    return Change(before, after, mcid, classification, note=note)


def describe_change(change: Change, *, for_patient: bool = False) -> str:
    """Plain words: '6 → 3, an important improvement (MCID 2 points or 30 %)'; for the patient
    themselves: '6 → 3, clearly better than before', without the MCID."""
    before = display_total(change.before.total)
    after = display_total(change.after.total)
    labels = PATIENT_CHANGE_LABELS if for_patient else CHANGE_LABELS
    text = f"{before} → {after}, {labels[change.classification]}"
    if for_patient:
        return f"{text}. {change.reason}" if change.reason else text
    if change.classification != ChangeClass.NOT_COMPARABLE:
        text += f" (MCID {change.mcid.describe()})"
    extra = change.reason or change.note
    return f"{text}. {extra}" if extra else text


@dataclass(frozen=True)
class Interpreted:
    """One completed questionnaire in a patient's series, with its changes."""

    value: ScoreValue
    is_baseline: bool = False
    since_first: Change | None = None
    since_previous: Change | None = None


def interpret_series(values: Sequence[ScoreValue], mcid: Mcid) -> list[Interpreted]:
    """Each score (oldest first) compared with the first valid score, the baseline, and with
    the one just before it. Answers without a valid score cannot be a baseline; they are still
    the previous answers of the next ones, which are then not comparable with them and say so."""
    interpreted: list[Interpreted] = []
    baseline: ScoreValue | None = None
    previous: ScoreValue | None = None
    for value in values:
        is_baseline = baseline is None and value.valid
        interpreted.append(
            Interpreted(
                value=value,
                is_baseline=is_baseline,
                since_first=(
                    classify_change(baseline, value, mcid) if baseline is not None else None
                ),
                since_previous=(
                    classify_change(previous, value, mcid) if previous is not None else None
                ),
            )
        )
        if is_baseline:
            baseline = value
        previous = value
    return interpreted
