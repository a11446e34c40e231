"""Reads of outcome questionnaires: which instruments a clinic may ask for, the MCID it judges
them by, and a patient's scores over time, interpreted.

The caller has already asked the access policy for the patient (clinic/access.py: patient_for),
which is also where the read enters the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

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
from questionnaires.scoring import Definition


def instruments_available(clinic_id: int) -> InstrumentQuerySet:
    """The current instruments the clinic's therapists may ask for: Dorsi's and the clinic's
    own, less those it turned off."""
    turned_off = ClinicInstrumentSetting.objects.filter(
        clinic_id=clinic_id, instrument=OuterRef("pk"), enabled=False
    )
    return Instrument.objects.for_clinic(clinic_id).exclude(Exists(turned_off))


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


def mcid_for(clinic_id: int, instrument: Instrument) -> Mcid:
    """The clinic's MCID for the instrument when it set one, else the instrument's."""
    setting = ClinicInstrumentSetting.objects.filter(
        clinic_id=clinic_id, instrument=instrument
    ).first()
    return Mcid.for_instrument(instrument, setting)


def score_series(patient: Patient, instrument: Instrument) -> list[Interpreted]:
    """The patient's completed answers to every version of the instrument (same slug and
    owner), oldest first, each compared with the baseline and the previous answers by the
    clinic's MCID for the instrument as it is now."""
    return list(interpretations_by_response(patient, instrument).values())


@dataclass(frozen=True)
class ClinicMcid:
    mcid: Mcid
    source: str
    is_clinic_own: bool


def mcids_for(clinic_id: int, instruments: list[Instrument]) -> dict[int, ClinicMcid]:
    """Each instrument's MCID as the clinic judges by it, with its source, in one query: the
    clinic's own when it set one, else the instrument's."""
    settings = {
        setting.instrument_id: setting
        for setting in ClinicInstrumentSetting.objects.filter(
            clinic_id=clinic_id, instrument__in=[instrument.pk for instrument in instruments]
        )
    }
    found = {}
    for instrument in instruments:
        setting = settings.get(instrument.pk)
        own = setting is not None and bool(setting.mcid_rule)
        source = setting.mcid_source if own else instrument.mcid_source
        found[instrument.pk] = ClinicMcid(Mcid.for_instrument(instrument, setting), source, own)
    return found


def interpretations_by_response(patient: Patient, instrument: Instrument) -> dict[int, Interpreted]:
    """score_series keyed by the id of each completed response it interprets, oldest first
    (the API shows each response with its own interpretation)."""
    responses = list(
        QuestionnaireResponse.objects.filter(
            patient=patient,
            instrument__slug=instrument.slug,
            instrument__clinic_id=instrument.clinic_id,
            completed_at__isnull=False,
        ).order_by("completed_at", "id")
    )
    return _interpret(responses, mcid_for(patient.clinic_id, instrument))


def _interpret(responses: list[QuestionnaireResponse], mcid: Mcid) -> dict[int, Interpreted]:
    """One series (completed, oldest first) interpreted by the one rule."""
    values = [
        ScoreValue(response.total, Scale.of(Definition.from_json(response.definition)))
        for response in responses
    ]
    interpreted = interpret_series(values, mcid)
    return {response.pk: item for response, item in zip(responses, interpreted, strict=True)}


def interpretations_of(
    responses: list[QuestionnaireResponse], clinic_id: int
) -> dict[int, Interpreted]:
    """Every completed response of one patient (with their instruments loaded) interpreted in
    its series, as score_series does, in one query (the clinic's MCIDs) however many series:
    for a whole record (the data-rights export)."""
    series: dict[tuple[str, int | None], list[QuestionnaireResponse]] = {}
    for response in sorted(
        (response for response in responses if response.is_completed),
        key=lambda response: (response.completed_at, response.pk),
    ):
        key = (response.instrument.slug, response.instrument.clinic_id)
        series.setdefault(key, []).append(response)
    # Judged by the MCID of the version answered last, as score_series is by the current one.
    latest = [answers[-1].instrument for answers in series.values()]
    mcids = mcids_for(clinic_id, latest)
    found: dict[int, Interpreted] = {}
    for answers in series.values():
        found.update(_interpret(answers, mcids[answers[-1].instrument_id].mcid))
    return found


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
    each interpreted against the baseline and the previous answers."""

    instrument: Instrument  # the current version: names, source, terms
    mcid: Mcid
    responses: tuple[QuestionnaireResponse, ...]
    series: tuple[Interpreted, ...]  # one per response, in the same order

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

    @property
    def latest_change_since_first(self) -> Change | None:
        """The change from the baseline to the latest answers with a valid score: what the
        outcomes page counts (None with fewer than two valid scores)."""
        for item in reversed(self.series):
            if item.value.valid and item.since_first is not None:
                return item.since_first
        return None


def _instrument_key(instrument: Instrument) -> tuple[str, int | None]:
    return (instrument.slug, instrument.clinic_id)


def score_histories(*, patient_ids: list[int]) -> dict[int, list[ScoreHistory]]:
    """Every patient's score histories, one per instrument they answered, in three queries
    whatever the number of patients or answers: the completed responses, the current
    versions of their instruments, and the clinics' MCID settings. Each is judged by the
    clinic's MCID for the instrument as it is now (as score_series does)."""
    responses = list(
        QuestionnaireResponse.objects.filter(patient_id__in=patient_ids, completed_at__isnull=False)
        .select_related("instrument", "patient")
        .order_by("patient_id", "completed_at", "id")
    )
    if not responses:
        return {}
    keys = {_instrument_key(response.instrument) for response in responses}
    clinic_ids = {response.patient.clinic_id for response in responses}
    current: dict[tuple[str, int | None], Instrument] = {}
    for instrument in (
        Instrument.objects.filter(slug__in={slug for slug, _ in keys}, is_active=True)
        .filter(Q(clinic__isnull=True) | Q(clinic_id__in=clinic_ids))
        .order_by("created_at", "id")
    ):
        current[_instrument_key(instrument)] = instrument
    for response in responses:  # a retired instrument with no current version: its own
        current.setdefault(_instrument_key(response.instrument), response.instrument)
    settings = {
        (setting.clinic_id, setting.instrument_id): setting
        for setting in ClinicInstrumentSetting.objects.filter(
            clinic_id__in=clinic_ids, instrument__in=[i.pk for i in current.values()]
        )
    }

    grouped: dict[int, dict[tuple[str, int | None], list[QuestionnaireResponse]]] = {}
    for response in responses:
        per_patient = grouped.setdefault(response.patient_id, {})
        per_patient.setdefault(_instrument_key(response.instrument), []).append(response)
    histories: dict[int, list[ScoreHistory]] = {}
    for patient_id, per_instrument in grouped.items():
        clinic_id = per_instrument[next(iter(per_instrument))][0].patient.clinic_id
        for key, answered in per_instrument.items():
            instrument = current[key]
            mcid = Mcid.for_instrument(instrument, settings.get((clinic_id, instrument.pk)))
            values = [
                ScoreValue(response.total, Scale.of(Definition.from_json(response.definition)))
                for response in answered
            ]
            histories.setdefault(patient_id, []).append(
                ScoreHistory(
                    instrument=instrument,
                    mcid=mcid,
                    responses=tuple(answered),
                    series=tuple(interpret_series(values, mcid)),
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
