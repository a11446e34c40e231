"""The clinic's outcomes: did ankle gains go with back, leg and function gains, on its own
patients? Counting is pure functions on the classes the interpretations already gave (the
knee-to-wall's against the MDC, each questionnaire's against its MCID: nothing is judged
again here); `clinic_outcomes` loads what they count in a fixed number of queries.

Who is counted: a patient with at least two clinic knee-to-wall tests and at least two
questionnaires with a valid score of the instrument (or group) of a row. The ankle's change is
the latest clinic test against the first, per side; the questionnaire's, the latest answers
with a valid score against the first (its baseline).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.interpretation import Thresholds, display
from assessments.selectors import latest_reading
from clinic.models import Clinic, Patient
from dashboard.summaries import current_clinic_revisions
from questionnaires.interpretation import Mcid
from questionnaires.selectors import Domain, ScoreHistory, body_part_of, score_histories

# The columns of every row and of the cross-table: the questionnaire's classes; the
# knee-to-wall's "no real change" (under the MDC) is the ankle's "no important change".
IMPROVED, NO_CHANGE, WORSE, NOT_COMPARABLE = (
    "improved",
    "no_important_change",
    "worse",
    "not_comparable",
)
CLASSES = (IMPROVED, NO_CHANGE, WORSE, NOT_COMPARABLE)
CLASS_LABELS = {
    IMPROVED: gettext_lazy("improved"),
    NO_CHANGE: gettext_lazy("no important change"),
    WORSE: gettext_lazy("worse"),
    NOT_COMPARABLE: gettext_lazy("not comparable"),
}
_ANKLE_CLASSES = {
    "improved": IMPROVED,
    "no_real_change": NO_CHANGE,
    "worse": WORSE,
    "not_comparable": NOT_COMPARABLE,
}
# Under this many patients a row's share is not shown: the counts are cases, not a rate.
SHARE_FROM = 10
MIN_TESTS = 2
MIN_VALID_ANSWERS = 2

# What the cross-table can set against the ankle: (key, label).
VERSUS = {
    "back": gettext_lazy("back pain (NPRS back)"),
    "leg": gettext_lazy("leg pain (NPRS leg)"),
    "function": gettext_lazy("function"),
}


# --- Pure: the classes of one patient, the counts of many ------------------------------------


def combined_class(classes: Iterable[str]) -> str:
    """One class from several (the two sides of the ankle; several function questionnaires):
    worse when any is worse (a decline is never hidden by a gain elsewhere), else improved
    when any improved, else no important change when every one was judged so, else not
    comparable (something could not be judged, and nothing changed that could)."""
    classes = [_ANKLE_CLASSES.get(value, value) for value in classes]
    if not classes:
        return NOT_COMPARABLE
    if WORSE in classes:
        return WORSE
    if IMPROVED in classes:
        return IMPROVED
    if all(value == NO_CHANGE for value in classes):
        return NO_CHANGE
    return NOT_COMPARABLE


@dataclass(frozen=True)
class PatientOutcome:
    """What one patient counts as: the ankle's class (None with fewer than two clinic tests)
    and each questionnaire's (only those with at least two valid scores), by row key."""

    patient_id: int
    therapist_id: int | None
    last_measured_on: date | None  # in the clinic's time zone
    ankle: str | None
    questionnaires: dict[str, str] = field(default_factory=dict)

    def against(self, key: str) -> str | None:
        return self.questionnaires.get(key)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    definition: str
    counts: dict[str, int]

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def shares(self) -> dict[str, int] | None:
        """Per cent of n, when n is large enough for a share to mean something."""
        if self.n < SHARE_FROM:
            return None
        return {key: round(value * 100 / self.n) for key, value in self.counts.items()}

    @property
    def cells(self) -> list[tuple[str, int, int | None]]:
        shares = self.shares
        return [(key, self.counts[key], shares[key] if shares else None) for key in CLASSES]


def count_classes(classes: Iterable[str]) -> dict[str, int]:
    counted = Counter(classes)
    return {key: counted.get(key, 0) for key in CLASSES}


def cross_table(outcomes: Iterable[PatientOutcome], versus: str) -> dict[str, dict[str, int]]:
    """Ankle class (rows) by the other measure's class (columns), over the patients who have
    both."""
    table = {ankle: dict.fromkeys(CLASSES, 0) for ankle in CLASSES}
    for outcome in outcomes:
        other = outcome.against(versus)
        if outcome.ankle is not None and other is not None:
            table[outcome.ankle][other] += 1
    return table


def in_cell(outcomes: Iterable[PatientOutcome], versus: str, ankle: str, other: str) -> list[int]:
    """The patients of one cell of the cross-table: what a count is made of."""
    return [
        outcome.patient_id
        for outcome in outcomes
        if outcome.ankle == ankle and outcome.against(versus) == other
    ]


CELLS = [f"{ankle}.{other}" for ankle in CLASSES for other in CLASSES]


def in_period(outcome: PatientOutcome, since: date | None, until: date | None) -> bool:
    day = outcome.last_measured_on
    if day is None:
        return False
    return (since is None or day >= since) and (until is None or day <= until)


# --- Loading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instrumented:
    """A questionnaire row's key, label and MCID, from the histories that fill it."""

    key: str
    label: str
    mcid: Mcid
    domain: Domain


def _row_key(history: ScoreHistory) -> str:
    part = body_part_of(history.instrument)
    if part is not None:
        return part  # "back", "leg"
    return f"instrument:{history.instrument.slug}:{history.instrument.clinic_id or ''}"


@dataclass(frozen=True)
class Outcomes:
    patients: list[PatientOutcome]
    instruments: list[Instrumented]
    thresholds: Thresholds


def clinic_outcomes(*, clinic: Clinic) -> Outcomes:
    """Every patient of the clinic with at least two clinic tests, classed, in four queries
    whatever their number: the patients (ids only), their current clinic revisions, and
    their score histories (two, without the answers or the definitions)."""
    patients = list(Patient.objects.filter(clinic=clinic).values_list("pk", "primary_therapist_id"))
    ids = [pk for pk, _ in patients]
    revisions = current_clinic_revisions(ids)
    histories = score_histories(patient_ids=ids)
    thresholds = Thresholds.for_clinic(clinic)
    instruments: dict[str, Instrumented] = {}
    outcomes = []
    for pk, therapist_id in patients:
        tests = revisions.get(pk, [])
        ankle = None
        last_days = []
        if len(tests) >= MIN_TESTS:
            latest = latest_reading(tests, thresholds)
            ankle = combined_class(
                side.since_baseline.classification.value for side in latest.sides
            )
            last_days.append(clinic.local_date(latest.revision.measured_at))
        classes: dict[str, str] = {}
        function: list[str] = []
        for history in histories.get(pk, []):
            change = history.change_since_baseline
            if history.valid_count < MIN_VALID_ANSWERS or change is None:
                continue
            key = _row_key(history)
            instruments.setdefault(
                key,
                Instrumented(key, history.instrument.short_name, history.mcid, history.domain),
            )
            classes[key] = change.classification.value
            if history.domain == Domain.FUNCTION:
                function.append(change.classification.value)
            last_days.append(clinic.local_date(history.latest_response.completed_at))
        if function:
            classes["function"] = combined_class(function)
        outcomes.append(
            PatientOutcome(
                patient_id=pk,
                therapist_id=therapist_id,
                last_measured_on=max(last_days) if last_days else None,
                ankle=ankle,
                questionnaires=classes,
            )
        )
    order = sorted(
        instruments.values(),
        key=lambda i: (i.domain != Domain.PAIN, i.key not in ("back", "leg"), i.key, i.label),
    )
    return Outcomes(patients=outcomes, instruments=order, thresholds=thresholds)


def outcome_rows(
    outcomes: Outcomes,
    *,
    therapist_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    unit: str = "cm",
) -> tuple[list[PatientOutcome], list[Row]]:
    """The cohort (two clinic tests and two valid answers of at least one questionnaire,
    whose last measurement falls in the period, of the therapist when one is chosen) and one
    row per measure: the ankle, each questionnaire, function as a whole."""
    cohort = [
        outcome
        for outcome in outcomes.patients
        if outcome.ankle is not None
        and outcome.questionnaires
        and (therapist_id is None or outcome.therapist_id == therapist_id)
        and in_period(outcome, since, until)
    ]
    mdc = outcomes.thresholds
    rows = [
        Row(
            key="ankle",
            label=_("Ankle (knee-to-wall)"),
            definition=(
                _(
                    "The latest clinic test against the first, each side judged against the "
                    "minimal detectable change (%(same)s by the same therapist, %(other)s by "
                    "another); worse when either side is worse, improved when a side improved "
                    "and none is worse."
                )
                % {
                    "same": display(mdc.mdc_same_therapist_um, unit),
                    "other": display(mdc.mdc_other_therapist_um, unit),
                }
            ),
            counts=count_classes(outcome.ankle for outcome in cohort),
        )
    ]
    function_labels = []
    for instrument in outcomes.instruments:
        classes = [o.against(instrument.key) for o in cohort if o.against(instrument.key)]
        if instrument.domain == Domain.FUNCTION:
            function_labels.append(instrument.label)
        rows.append(
            Row(
                key=instrument.key,
                label=(
                    f"{PAIN_INSTRUMENTS_LABELS.get(instrument.key, instrument.label)}"
                    f" ({instrument.label})"
                    if instrument.key in PAIN_INSTRUMENTS_LABELS
                    else instrument.label
                ),
                definition=(
                    _(
                        "The latest answers with a valid score against the first, judged "
                        "against the MCID (%(mcid)s)."
                    )
                    % {"mcid": instrument.mcid.describe()}
                ),
                counts=count_classes(classes),
            )
        )
    if function_labels:
        rows.append(
            Row(
                key="function",
                label=_("Disability or function, any questionnaire"),
                definition=(
                    _(
                        "Each of %(questionnaires)s judged against its own MCID, then one class "
                        "per patient: worse when any is worse, improved when any improved and "
                        "none is worse."
                    )
                    % {"questionnaires": ", ".join(str(label) for label in function_labels)}
                ),
                counts=count_classes(
                    o.against("function") for o in cohort if o.against("function")
                ),
            )
        )
    return cohort, rows


PAIN_INSTRUMENTS_LABELS = {"back": gettext_lazy("Back pain"), "leg": gettext_lazy("Leg pain")}
