"""Dorsi's own code systems are documented by CodeSystem resources in docs/fhir/, which validate
and say what the exports say."""

import json

import pytest

from assessments.fhir_codes import DORSI_CODE_SYSTEMS
from exercises import services as exercise_services
from exercises.models import Exercise
from records import services as data_rights
from records.code_systems import DOCS, code_system_path, code_systems
from tests.factories import shipped_instruments_seed
from tests.fhir_checks import assert_valid_r4

pytestmark = pytest.mark.django_db


def test_the_committed_code_systems_are_what_the_code_defines(exercise_library):
    """When this fails, a code was added or renamed: rewrite the documents with
    `DEBUG=true .venv/bin/python manage.py fhir_code_systems` and commit them. (The fixture
    puts back the library a transactional test may have flushed; the seed, the instruments.)"""
    shipped_instruments_seed()
    made = code_systems()
    assert [c["url"] for c in made] == list(DORSI_CODE_SYSTEMS)
    assert sorted(DOCS.glob("CodeSystem-*.json")) == sorted(map(code_system_path, made))
    for code_system in made:
        assert json.loads(code_system_path(code_system).read_text()) == code_system


@pytest.mark.parametrize("path", sorted(DOCS.glob("CodeSystem-*.json")), ids=lambda p: p.name)
def test_each_code_system_is_a_valid_r4_code_system(path):
    code_system = json.loads(path.read_text())
    assert_valid_r4(code_system)
    assert code_system["url"].startswith("https://dorsi.dev/fhir/CodeSystem/")
    assert code_system["count"] == len(code_system["concept"]) > 0
    codes = [concept["code"] for concept in code_system["concept"]]
    assert len(codes) == len(set(codes))


def test_a_clinics_own_exercise_is_named_not_coded(patient, therapist, prescribed):
    """Its slug is unique within the clinic only: as a code it would mean different exercises
    in different clinics."""
    own = exercise_services.exercise_create(
        clinic=patient.clinic,
        fields={
            "name": "Wall calf raise",
            "purpose": "Strength through range.",
            "instructions": "Rise slowly.",
            "seconds_per_bout": 60,
            "bouts": 3,
            "per_side": True,
            "style": "static",
        },
    )
    exercise_services.prescription_change(
        prescription=prescribed.prescription,
        changed_by=therapist,
        items=[
            {
                "exercise": own,
                "seconds_per_bout": 60,
                "bouts": 3,
                "per_side": True,
                "style": "static",
            }
        ],
        times_per_day=1,
        days_of_week=0b1111111,
    )
    bundle = data_rights.patient_export_fhir(patient=patient)
    activities = [
        activity["detail"]["code"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "CarePlan"
        for activity in entry["resource"]["activity"]
    ]
    assert {"text": "Wall calf raise"} in activities
    library = {e.slug for e in Exercise.objects.filter(clinic__isnull=True)}
    coded = [a["coding"][0]["code"] for a in activities if "coding" in a]
    assert coded
    assert set(coded) <= library
