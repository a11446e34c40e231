"""Many patients' score histories at once: the same interpretation as one patient's series,
by the clinic's MCID, in two queries however many patients and answers."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from questionnaires.interpretation import ChangeClass
from questionnaires.models import ClinicInstrumentSetting
from questionnaires.selectors import (
    Domain,
    body_part_of,
    oldest_open_due_dates,
    score_histories,
    score_series,
)
from tests.factories import PatientFactory
from tests.questionnaire_answers import (
    answer_on_paper,
    answer_own_on_paper,
    own_pain_scale,
    shipped,
)

pytestmark = pytest.mark.django_db


def test_the_histories_read_as_each_patients_series(patient, other_patient, therapist):
    answer_on_paper(patient, therapist, "nprs-back", 6, days_ago=20)
    answer_on_paper(patient, therapist, "nprs-back", 4, days_ago=10)
    answer_on_paper(patient, therapist, "lefs", 2, days_ago=10)
    answer_on_paper(other_patient, therapist, "nprs-leg", 3, days_ago=5)
    histories = score_histories(patient_ids=[patient.pk, other_patient.pk])
    back, lefs = histories[patient.pk]  # pain first
    assert (back.domain, lefs.domain) == (Domain.PAIN, Domain.FUNCTION)
    assert list(back.series) == score_series(patient, shipped("nprs-back"))
    assert back.change_since_baseline.classification == ChangeClass.IMPROVED  # 2 points
    assert lefs.change_since_baseline is None  # one answer: no change yet
    assert [h.instrument.slug for h in histories[other_patient.pk]] == ["nprs-leg"]


def test_a_clinics_own_pain_scale_is_pain_listed_after_the_shipped_ones(patient, therapist, clinic):
    own = own_pain_scale(clinic)
    answer_own_on_paper(patient, therapist, own, 5, days_ago=20)
    answer_on_paper(patient, therapist, "lefs", 2, days_ago=20)
    answer_on_paper(patient, therapist, "nprs-leg", 5, days_ago=20)
    answer_on_paper(patient, therapist, "nprs-back", 5, days_ago=20)
    histories = score_histories(patient_ids=[patient.pk])[patient.pk]
    assert [(h.instrument.short_name, h.domain) for h in histories] == [
        ("NPRS back", Domain.PAIN),
        ("NPRS leg", Domain.PAIN),
        ("Own pain", Domain.PAIN),
        ("LEFS", Domain.FUNCTION),
    ]
    # The part of the body is known for the shipped NPRS only.
    assert [body_part_of(h.instrument) for h in histories] == ["back", "leg", None, None]


def test_the_clinics_own_mcid_judges_the_change(patient, therapist, clinic):
    ClinicInstrumentSetting.objects.create(
        clinic=clinic,
        instrument=shipped("nprs-back"),
        mcid_rule="absolute",
        mcid_absolute=Decimal(3),
        mcid_source="Our own audit.",
    )
    answer_on_paper(patient, therapist, "nprs-back", 6, days_ago=20)
    answer_on_paper(patient, therapist, "nprs-back", 4, days_ago=10)  # 2 points: under 3
    (back,) = score_histories(patient_ids=[patient.pk])[patient.pk]
    assert back.mcid.describe() == "3 points"
    assert back.change_since_baseline.classification == ChangeClass.NO_IMPORTANT_CHANGE


def test_three_queries_however_many_patients(clinic, therapist):
    def add(count):
        for _ in range(count):
            someone = PatientFactory(clinic=clinic, primary_therapist=therapist)
            answer_on_paper(someone, therapist, "nprs-back", 5, days_ago=9)
            answer_on_paper(someone, therapist, "psfs", 5, days_ago=9)
        return list(clinic.patients.values_list("pk", flat=True))

    def queries(ids) -> int:
        with CaptureQueriesContext(connection) as context:
            score_histories(patient_ids=ids)
            oldest_open_due_dates(patient_ids=ids)
        return len(context)

    few = queries(add(2))
    assert queries(add(20)) == few == 3


def test_the_histories_load_no_answers_and_no_definitions(patient, therapist):
    """What the outcomes page and the dashboard read for every patient: the totals and the
    scales, not the answers, the named activities or the copied definitions."""
    answer_on_paper(patient, therapist, "psfs", 5, days_ago=9)
    (psfs,) = score_histories(patient_ids=[patient.pk])[patient.pk]
    assert {"answers", "item_labels", "definition"} <= psfs.latest_response.get_deferred_fields()
    assert psfs.latest.value.scale.better == "higher"
