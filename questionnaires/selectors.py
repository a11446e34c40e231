"""Reads of outcome questionnaires: which instruments a clinic may ask for, the MCID it judges
them by, and a patient's scores over time, interpreted.

The caller has already asked the access policy for the patient (clinic/access.py: patient_for),
which is also where the read enters the audit trail.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from clinic.models import Patient
from questionnaires.interpretation import Interpreted, Mcid, Scale, ScoreValue, interpret_series
from questionnaires.models import (
    ClinicInstrumentSetting,
    Instrument,
    InstrumentQuerySet,
    QuestionnaireResponse,
)
from questionnaires.scoring import Definition


def instruments_available(clinic_id: int) -> InstrumentQuerySet:
    """The current instruments the clinic's therapists may ask for: Dorsi's and the clinic's
    own, less those it turned off."""
    turned_off = ClinicInstrumentSetting.objects.filter(
        clinic_id=clinic_id, instrument=OuterRef("pk"), enabled=False
    )
    return Instrument.objects.for_clinic(clinic_id).exclude(Exists(turned_off))


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
