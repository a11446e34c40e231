"""The dashboard's flag rules, pure: what about a patient needs attention, and how urgently.

Flags are bits of one integer so that the dashboard can filter on any of them in SQL; the
urgency is a weighted sum, so "most urgent first" is an ORDER BY on an indexed column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntFlag

from django.utils.translation import gettext_lazy as _

from assessments.interpretation import SideValue, Standing, Thresholds, asymmetry, standing

ADHERENCE_DAYS = 14
ADHERENCE_FLAG_BELOW = 50  # percent
PAIN_FLAG_FROM = 7
PAIN_RECENT_DAYS = 14


class Flag(IntFlag):
    REGRESSION = 1
    HIGH_PAIN = 2
    FAILED_REMINDER = 4
    RETEST_OVERDUE = 8
    LOW_ADHERENCE = 16
    NO_FOLLOW_UP = 32
    ASYMMETRY = 64
    BELOW_TARGET = 128
    NOT_COMPARABLE = 256
    # Outcome questionnaires (issue 15), judged against the instrument's MCID.
    PAIN_WORSE = 512
    FUNCTION_WORSE = 1024
    QUESTIONNAIRE_OVERDUE = 2048
    # Progress reports (issue 18): visits in the episode since the last signed report.
    REPORT_DUE = 4096
    REPORT_DUE_SOON = 8192


# The flags that time alone can set or clear (a date passing, an appointment ending, a failed
# reminder growing old), each read from facts the summary row stores or the ageing reloads
# (dashboard.summaries.patient_summaries_age); every other flag changes only with a write.
TIME_FLAGS = (
    Flag.HIGH_PAIN
    | Flag.QUESTIONNAIRE_OVERDUE
    | Flag.FAILED_REMINDER
    | Flag.RETEST_OVERDUE
    | Flag.LOW_ADHERENCE
    | Flag.NO_FOLLOW_UP
)

# In urgency order: the dashboard lists a row's flags in this order.
FLAG_LABELS = {
    Flag.REGRESSION: _("worse beyond the MDC"),
    Flag.PAIN_WORSE: _("pain worse beyond the MCID"),
    Flag.FUNCTION_WORSE: _("function worse beyond the MCID"),
    Flag.HIGH_PAIN: _("pain 7+"),
    Flag.FAILED_REMINDER: _("reminder failed"),
    Flag.RETEST_OVERDUE: _("re-test overdue"),
    Flag.LOW_ADHERENCE: _("adherence < 50%"),
    Flag.REPORT_DUE: _("progress report due"),
    Flag.NO_FOLLOW_UP: _("no follow-up booked"),
    Flag.QUESTIONNAIRE_OVERDUE: _("questionnaire overdue"),
    Flag.ASYMMETRY: _("asymmetry"),
    Flag.BELOW_TARGET: _("below target"),
    Flag.NOT_COMPARABLE: _("change not comparable"),
    Flag.REPORT_DUE_SOON: _("progress report due soon"),
}
WEIGHTS = {
    Flag.REGRESSION: 50,
    # The pain the patient came for (back or leg, NPRS) worse by at least the MCID: as real a
    # change as the ankle's regression beyond the MDC, and closer to why they came, so the
    # same weight; with pain 7+ it outranks an ankle regression alone.
    Flag.PAIN_WORSE: 50,
    # Disability or function (LEFS, PSFS, a clinic's Oswestry) worse by at least the MCID:
    # what the patient can no longer do. Just under pain: these are answered less often, so
    # the worsening they show is older news by the time it is seen.
    Flag.FUNCTION_WORSE: 45,
    Flag.HIGH_PAIN: 40,
    Flag.FAILED_REMINDER: 25,
    Flag.RETEST_OVERDUE: 20,
    Flag.LOW_ADHERENCE: 15,
    # Paperwork the payer asks for, not a clinical finding: under the reminders that keep the
    # patient coming, over a prompt to look.
    Flag.REPORT_DUE: 12,
    Flag.NO_FOLLOW_UP: 10,
    # An answer past its due date: the patient has had their reminder, and a nudge at the next
    # visit (or paper answers) is enough; under no follow-up booked, which loses the patient,
    # over the prompts that only ask to look (asymmetry, below target).
    Flag.QUESTIONNAIRE_OVERDUE: 8,
    Flag.ASYMMETRY: 5,
    Flag.BELOW_TARGET: 3,
    # A prompt to measure the gap next time, not a finding: and without it the row would read
    # "on track" for a patient whose progress nobody can judge.
    Flag.NOT_COMPARABLE: 2,
    Flag.REPORT_DUE_SOON: 1,
}


@dataclass(frozen=True)
class Facts:
    """What is known about one patient, as the flag rules read it."""

    left: SideValue | None  # None: not tested yet
    right: SideValue | None
    changes: tuple[str, ...]  # since baseline, per side: a ChangeClass value, or ""
    thresholds: Thresholds
    adherence_percent: int | None
    last_pain: int | None
    last_pain_on: date | None
    retest_due_on: date | None
    has_upcoming_appointment: bool
    has_failed_reminder: bool
    today: date
    # Since the previous clinic test, per side: whether the latest test can be compared at all.
    previous_changes: tuple[str, ...] = ()
    # Outcome questionnaires: the change since the baseline of each pain instrument (NPRS
    # back, leg) and of each disability or function instrument (the latest answers with a
    # valid score against the first, as the ankle's regression is the latest test against its
    # baseline): questionnaires.interpretation.ChangeClass values.
    pain_changes: tuple[str, ...] = ()
    function_changes: tuple[str, ...] = ()
    questionnaire_due_on: date | None = None  # the earliest open request's due date
    report_due: str = ""  # reports.due: "due", "soon" or ""


def flags_for(facts: Facts) -> Flag:
    flags = Flag(0)
    if "worse" in facts.changes:
        flags |= Flag.REGRESSION
    # From the latest test, not the baseline: once the gap is measured at two tests running,
    # the prompt has done its work, even if the baseline itself can never be compared.
    unmeasured = any(side is not None and not side.measured for side in (facts.left, facts.right))
    if unmeasured or "not_comparable" in facts.previous_changes:
        flags |= Flag.NOT_COMPARABLE
    if (
        facts.last_pain is not None
        and facts.last_pain >= PAIN_FLAG_FROM
        and facts.last_pain_on is not None
        and facts.last_pain_on >= facts.today - timedelta(days=PAIN_RECENT_DAYS)
    ):
        flags |= Flag.HIGH_PAIN
    if "worse" in facts.pain_changes:
        flags |= Flag.PAIN_WORSE
    if "worse" in facts.function_changes:
        flags |= Flag.FUNCTION_WORSE
    if facts.questionnaire_due_on is not None and facts.questionnaire_due_on < facts.today:
        flags |= Flag.QUESTIONNAIRE_OVERDUE
    if facts.has_failed_reminder:
        flags |= Flag.FAILED_REMINDER
    if facts.retest_due_on is not None and facts.retest_due_on < facts.today:
        flags |= Flag.RETEST_OVERDUE
    if facts.adherence_percent is not None and facts.adherence_percent < ADHERENCE_FLAG_BELOW:
        flags |= Flag.LOW_ADHERENCE
    if not facts.has_upcoming_appointment:
        flags |= Flag.NO_FOLLOW_UP
    if facts.report_due == "due":
        flags |= Flag.REPORT_DUE
    elif facts.report_due == "soon":
        flags |= Flag.REPORT_DUE_SOON
    # The interpretation's own rules, so that a side whose gap was not measured is judged here
    # as everywhere else: below target, and asymmetric only when the bound says so.
    if (
        facts.left is not None
        and facts.right is not None
        and asymmetry(facts.left, facts.right, facts.thresholds).flagged
    ):
        flags |= Flag.ASYMMETRY
    if any(
        side is not None and standing(side, facts.thresholds) != Standing.AT_TARGET
        for side in (facts.left, facts.right)
    ):
        flags |= Flag.BELOW_TARGET
    return flags


def urgency_of(flags: Flag, facts: Facts) -> int:
    score = sum(weight for flag, weight in WEIGHTS.items() if flags & flag)
    if flags & Flag.RETEST_OVERDUE:
        score += min((facts.today - facts.retest_due_on).days, 30)  # longer overdue, higher
    return score
