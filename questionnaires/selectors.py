"""Reads of outcome questionnaires: which instruments a clinic may ask for, the MCID it judges
them by, and a patient's scores over time, interpreted.

The caller has already asked the access policy for the patient (clinic/access.py: patient_for),
which is also where the read enters the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT

from clinic.models import Patient
from questionnaires.interpretation import (
    Change,
    Interpreted,
    Mcid,
    Scale,
    ScoreValue,
    interpret_series,
)
from questionnaires.models import (
    ClinicInstrumentSetting,
    Domain,
    Instrument,
    InstrumentQuerySet,
    QuestionnaireRequest,
    QuestionnaireResponse,
    RequestStatus,
)
from questionnaires.scoring import Better, ScoringMethod


def instruments_available(clinic_id: int) -> InstrumentQuerySet:
    """The current instruments the clinic's therapists may ask for: Dorsi's and the clinic's
    own, less those it turned off."""
    turned_off = ClinicInstrumentSetting.objects.filter(
        clinic_id=clinic_id, instrument=OuterRef("pk"), enabled=False
    )
    return Instrument.objects.for_clinic(clinic_id).exclude(Exists(turned_off))


def instruments_readable(clinic_id: int) -> InstrumentQuerySet:
    """Every instrument the clinic may read, any version, retired or turned off included
    (answers given to it stay readable): Dorsi's and the clinic's own, never another
    clinic's."""
    return Instrument.objects.filter(Q(clinic__isnull=True) | Q(clinic_id=clinic_id))


def requests_open(patient: Patient) -> QuerySet[QuestionnaireRequest]:
    """The patient's requests still to answer, soonest due first, each with its instrument and
    the answers saved so far (`saved_response`), in one query."""
    return (
        QuestionnaireRequest.objects.filter(patient=patient, status=RequestStatus.OPEN)
        .select_related("instrument", "requested_by", "response")
        .order_by("due_on", "requested_at", "id")
    )


def saved_response(request: QuestionnaireRequest) -> QuestionnaireResponse | None:
    """The request's response (answers saved so far, or completed), None before the first."""
    try:
        return request.response
    except QuestionnaireResponse.DoesNotExist:
        return None


def request_of_patient(patient: Patient, request_id: int) -> QuestionnaireRequest | None:
    """One of the patient's own requests, any status; None for anyone else's (the caller
    answers 404, never whose it is)."""
    return (
        QuestionnaireRequest.objects.filter(pk=request_id, patient=patient)
        .select_related("instrument", "patient__clinic", "response")
        .first()
    )


def responses_completed(patient: Patient) -> QuerySet[QuestionnaireResponse]:
    """The patient's completed answers, newest first, with who entered paper ones."""
    return (
        QuestionnaireResponse.objects.filter(patient=patient, completed_at__isnull=False)
        .select_related("instrument", "entered_by")
        .order_by("-completed_at", "-id")
    )


def activities_named_first(patient_id: int, instrument: Instrument) -> dict[str, str]:
    """The activities the patient named at their first answers of an instrument (the PSFS's),
    by item id: a follow-up rates the same activities, or its mean is not comparable to the
    baseline's (Stratford 1995). Empty when none was named yet."""
    first = (
        QuestionnaireResponse.objects.filter(
            patient_id=patient_id,
            instrument__slug=instrument.slug,
            instrument__clinic_id=instrument.clinic_id,  # any version of this one instrument
            completed_at__isnull=False,
        )
        .exclude(item_labels={})
        .order_by("completed_at", "id")
        .values_list("item_labels", flat=True)
        .first()
    )
    return {item_id: label for item_id, label in (first or {}).items() if label}


def mcid_for(clinic_id: int, instrument: Instrument) -> Mcid:
    """The clinic's MCID for the instrument when it set one, else the instrument's."""
    return mcids_for(clinic_id, [instrument])[instrument.pk].mcid


def score_series(patient: Patient, instrument: Instrument) -> list[Interpreted]:
    """The patient's completed answers to every version of the instrument (same slug and
    owner), oldest first, interpreted as score_histories does."""
    for history in patient_score_histories(patient=patient):
        if _instrument_key(history.instrument) == _instrument_key(instrument):
            return list(history.series)
    return []


@dataclass(frozen=True)
class ClinicMcid:
    mcid: Mcid
    source: str
    is_clinic_own: bool

    @classmethod
    def of(cls, instrument: Instrument, setting: ClinicInstrumentSetting | None) -> ClinicMcid:
        """The clinic's own MCID when its setting gives a rule, else the instrument's."""
        own = setting is not None and bool(setting.mcid_rule)
        source = setting.mcid_source if own else instrument.mcid_source
        return cls(Mcid.for_instrument(instrument, setting), source, own)


def mcids_for(clinic_id: int, instruments: list[Instrument]) -> dict[int, ClinicMcid]:
    """Each instrument's MCID as the clinic judges by it, with its source, in one query: the
    clinic's own when it set one, else the instrument's."""
    settings = {
        setting.instrument_id: setting
        for setting in ClinicInstrumentSetting.objects.filter(
            clinic_id=clinic_id, instrument__in=[instrument.pk for instrument in instruments]
        )
    }
    return {
        instrument.pk: ClinicMcid.of(instrument, settings.get(instrument.pk))
        for instrument in instruments
    }


# --- Many patients at once: the pages beside the ankle, the dashboard, the outcomes page ------

# The pain scales Dorsi ships, by the part of the body they rate: the outcomes page gives each
# its own row ("back pain", "leg pain"), first. Whether an instrument rates pain at all is its
# own `domain` (data): a clinic's licensed pain scale counts as pain, in a row of its own.
PAIN_INSTRUMENTS = {"nprs-back": "back", "nprs-leg": "leg"}
_PAIN_ORDER = {part: order for order, part in enumerate(PAIN_INSTRUMENTS.values())}


def domain_of(instrument: Instrument) -> Domain:
    """Pain intensity, or disability and function: the instrument's `domain`."""
    return Domain(instrument.domain)


def body_part_of(instrument: Instrument) -> str | None:
    """The part of the body ("back", "leg") of the NPRS Dorsi ships; None for any other
    instrument (a clinic's own pain scale included: which part it rates is not recorded)."""
    if instrument.is_shipped and domain_of(instrument) == Domain.PAIN:
        return PAIN_INSTRUMENTS.get(instrument.slug)
    return None


@dataclass(frozen=True)
class ScoreHistory:
    """A patient's completed answers to one instrument (every version of it), oldest first,
    each interpreted against the baseline and the previous answers.

    A series that spans versions is read through the version of its latest answers (the scale
    they were scored on): its names, range, source and terms, and the MCID that judges the
    whole series, the clinic's own when it set one for that version, else that version's."""

    instrument: Instrument  # the version of the latest answers
    clinic_mcid: ClinicMcid  # the MCID that judged the series, with its source
    responses: tuple[QuestionnaireResponse, ...]  # answers, item_labels, definition deferred
    series: tuple[Interpreted, ...]  # one per response, in the same order

    @property
    def mcid(self) -> Mcid:
        return self.clinic_mcid.mcid

    @property
    def domain(self) -> Domain:
        return domain_of(self.instrument)

    @property
    def latest(self) -> Interpreted:
        return self.series[-1]

    @property
    def latest_response(self) -> QuestionnaireResponse:
        return self.responses[-1]

    @property
    def valid_count(self) -> int:
        return sum(1 for item in self.series if item.value.valid)

    def _latest_valid_index(self) -> int | None:
        for index in range(len(self.series) - 1, -1, -1):
            if self.series[index].value.valid:
                return index
        return None

    @property
    def latest_valid_response(self) -> QuestionnaireResponse | None:
        """The latest answers with a valid score (None when none has one)."""
        index = self._latest_valid_index()
        return None if index is None else self.responses[index]

    @property
    def change_since_baseline(self) -> Change | None:
        """THE change of the series: the latest answers with a valid score against the
        baseline (the first valid score), by the MCID; None with fewer than two valid scores.
        Answers without a valid score neither make nor clear it. The dashboard's flags and
        words, the outcomes page and the score panels all read this one, as the knee-to-wall's
        regression flag reads the latest test against its baseline."""
        index = self._latest_valid_index()
        return None if index is None else self.series[index].since_first

    def interpretations(self) -> dict[int, Interpreted]:
        """Each response's interpretation, by response id."""
        return {
            response.pk: item for response, item in zip(self.responses, self.series, strict=True)
        }


def _instrument_key(instrument: Instrument) -> tuple[str, int | None]:
    return (instrument.slug, instrument.clinic_id)


def score_histories(*, patient_ids: Iterable[int]) -> dict[int, list[ScoreHistory]]:
    """Every patient's score histories, one per instrument they answered (all its versions),
    in two queries whatever the number of patients or answers: the completed responses with
    their instruments (without the answers and the definitions: each scale is read from the
    definition's keys in the database), and the clinics' MCID settings. The one place a
    series is built and judged: pages, API, export, dashboard and outcomes read it."""
    responses = list(
        QuestionnaireResponse.objects.filter(patient_id__in=patient_ids, completed_at__isnull=False)
        .select_related("instrument")
        .defer("answers", "item_labels", "definition", "instrument__items")
        .annotate(
            clinic_of_patient=F("patient__clinic_id"),
            scoring_method_answered=KT("definition__scoring_method"),
            better_answered=KT("definition__better"),
        )
        .order_by("patient_id", "completed_at", "id")
    )
    if not responses:
        return {}
    grouped: dict[int, dict[tuple[str, int | None], list[QuestionnaireResponse]]] = {}
    for response in responses:
        per_patient = grouped.setdefault(response.patient_id, {})
        per_patient.setdefault(_instrument_key(response.instrument), []).append(response)
    settings = {
        (setting.clinic_id, setting.instrument_id): setting
        for setting in ClinicInstrumentSetting.objects.filter(
            clinic_id__in={response.clinic_of_patient for response in responses},
            instrument__in={
                answered[-1].instrument_id
                for per_instrument in grouped.values()
                for answered in per_instrument.values()
            },
        )
    }

    histories: dict[int, list[ScoreHistory]] = {}
    for patient_id, per_instrument in grouped.items():
        for answered in per_instrument.values():
            latest = answered[-1]
            instrument = latest.instrument
            clinic_mcid = ClinicMcid.of(
                instrument, settings.get((latest.clinic_of_patient, instrument.pk))
            )
            values = [ScoreValue(item.total, _scale_answered(item)) for item in answered]
            histories.setdefault(patient_id, []).append(
                ScoreHistory(
                    instrument=instrument,
                    clinic_mcid=clinic_mcid,
                    responses=tuple(answered),
                    series=tuple(interpret_series(values, clinic_mcid.mcid)),
                )
            )
    for patient_histories in histories.values():
        # Pain first (back, then leg), then disability and function, by name.
        patient_histories.sort(
            key=lambda h: (
                h.domain != Domain.PAIN,
                _PAIN_ORDER.get(body_part_of(h.instrument), len(_PAIN_ORDER)),
                h.instrument.short_name,
            )
        )
    return histories


def _scale_answered(response: QuestionnaireResponse) -> Scale:
    """The scale of the definition the response was answered with (as Scale.of reads it),
    from the keys score_histories annotates and the range columns, without loading it."""
    return Scale(
        ScoringMethod(response.scoring_method_answered),
        response.score_min,
        response.score_max,
        Better(response.better_answered),
    )


def score_interpretations(*, patient_ids: Iterable[int]) -> dict[int, Interpreted]:
    """Each completed response of these patients interpreted in its series (score_histories),
    by response id: what the API and the data-rights export show with each response."""
    found: dict[int, Interpreted] = {}
    for patient_histories in score_histories(patient_ids=patient_ids).values():
        for history in patient_histories:
            found.update(history.interpretations())
    return found


def patient_score_histories(*, patient: Patient) -> list[ScoreHistory]:
    return score_histories(patient_ids=[patient.pk]).get(patient.pk, [])


def oldest_open_due_dates(*, patient_ids: list[int]) -> dict[int, date]:
    """For each patient with an open questionnaire request, the earliest due date (in the
    clinic's time zone): one query."""
    due: dict[int, date] = {}
    for patient_id, due_on in (
        QuestionnaireRequest.objects.filter(patient_id__in=patient_ids, status=RequestStatus.OPEN)
        .order_by("patient_id", "due_on")
        .values_list("patient_id", "due_on")
    ):
        due.setdefault(patient_id, due_on)
    return due
