"""Reads of outcome questionnaires: which instruments a clinic may ask for, the MCID it judges
them by, and a patient's scores over time, interpreted.

The caller has already asked the access policy for the patient (clinic/access.py: patient_for),
which is also where the read enters the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from clinic.models import Patient
from questionnaires.interpretation import Interpreted, Mcid, Scale, ScoreValue, interpret_series
from questionnaires.models import (
    ClinicInstrumentSetting,
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
