"""Reads of outcome questionnaires: which instruments a clinic may ask for, the MCID it judges
them by, and a patient's scores over time, interpreted.

The caller has already asked the access policy for the patient (clinic/access.py: patient_for),
which is also where the read enters the audit trail.
"""

from __future__ import annotations

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
    responses = QuestionnaireResponse.objects.filter(
        patient=patient,
        instrument__slug=instrument.slug,
        instrument__clinic_id=instrument.clinic_id,
        completed_at__isnull=False,
    ).order_by("completed_at", "id")
    values = [
        ScoreValue(response.total, Scale.of(Definition.from_json(response.definition)))
        for response in responses
    ]
    return interpret_series(values, mcid_for(patient.clinic_id, instrument))
