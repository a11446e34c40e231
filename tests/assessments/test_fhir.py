"""The FHIR R4 export, validated with fhir.resources' R4 (4.0.1) models."""

import json

import fhir.resources
import pytest
from django.utils import timezone
from fhir.resources.bundle import Bundle

from assessments import services
from assessments.fhir import CODE_SYSTEM
from tests.factories import record_knee_to_wall

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle(client_as, patient, therapist):
    record_knee_to_wall(
        patient,
        therapist,
        left="9.5",
        right=None,
        days_ago=21,
        left_tibia_angle_deg="34.5",
        left_pain=3,
    )
    first = record_knee_to_wall(patient, therapist, left="11.8", right="10.4")
    services.assessment_correct(
        assessment=first.assessment,
        corrected_by=therapist,
        measured_by=therapist,
        unit="cm",
        reason="typo",
        data={"measured_at": first.measured_at, "left_distance": "11.9", "right_distance": "10.4"},
    )
    services.self_test_record(
        patient=patient,
        unit="in",
        data={"measured_at": timezone.now(), "left_distance": "5", "right_distance": "4.5"},
    )
    response = client_as("therapist").get(f"/patients/{patient.pk}/knee-to-wall.fhir.json")
    assert response["Content-Type"] == "application/fhir+json"
    return json.loads(response.content)


def test_the_export_is_a_valid_fhir_r4_bundle(bundle):
    assert fhir.resources.__fhir_version__ == "4.0.1"
    parsed = Bundle.parse_obj(bundle)
    assert parsed.type == "collection"
    assert len(parsed.entry) == 6  # three tests, two sides each


def test_each_side_is_an_exam_observation_in_ucum_cm_on_the_ankle_joint(bundle, patient):
    observations = [entry["resource"] for entry in bundle["entry"]]
    first_left = observations[0]
    assert first_left["category"][0]["coding"][0]["code"] == "exam"
    assert first_left["code"]["coding"][0]["system"] == CODE_SYSTEM
    assert first_left["valueQuantity"] == {
        "value": 9.5,
        "unit": "cm",
        "system": "http://unitsofmeasure.org",
        "code": "cm",
    }
    assert first_left["bodySite"]["coding"][0]["code"] == "70258002"
    assert first_left["subject"]["reference"] == f"Patient/{patient.pk}"
    components = {c["code"]["coding"][0]["code"]: c for c in first_left["component"]}
    assert components["272741003"]["valueCodeableConcept"]["coding"][0]["code"] == "7771000"
    assert components["tibia-angle"]["valueQuantity"]["code"] == "deg"
    assert components["tibia-angle"]["valueQuantity"]["value"] == 34.5
    assert components["pain-during-test"]["valueInteger"] == 3


def test_could_not_reach_corrections_and_self_tests_are_marked(bundle):
    observations = [entry["resource"] for entry in bundle["entry"]]
    first_right = observations[1]
    components = {c["code"]["coding"][0]["code"]: c for c in first_right["component"]}
    assert components["could-not-reach"]["valueBoolean"] is True
    assert first_right["valueQuantity"]["value"] == 0
    corrected_left = observations[2]
    assert corrected_left["status"] == "amended"
    assert corrected_left["valueQuantity"]["value"] == 11.9
    self_left = observations[4]
    assert self_left["method"]["coding"][0]["code"] == "self-test"
    assert self_left["performer"][0]["reference"].startswith("Patient/")
    assert self_left["valueQuantity"]["value"] == 12.7  # 5 in, exactly


def test_the_validator_catches_a_broken_observation(bundle):
    from pydantic import ValidationError

    bundle["entry"][0]["resource"]["valueQuantity"]["value"] = "a lot"
    bundle["entry"][1]["resource"]["bodySite"] = "ankle"
    with pytest.raises(ValidationError):
        Bundle.parse_obj(bundle)
