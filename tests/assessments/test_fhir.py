"""The FHIR R4 export, validated with fhir.resources' R4 (4.0.1) models."""

import json

import fhir.resources
import pytest
from django.utils import timezone
from fhir.resources.bundle import Bundle

from assessments import services
from assessments.fhir import CODE_SYSTEM, DATA_ABSENT_REASON
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


def observations_of(bundle: dict) -> list[dict]:
    return [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "Observation"
    ]


def references_of(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return own + [ref for value in node.values() for ref in references_of(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in references_of(value)]
    return []


def assert_stands_alone(bundle: dict) -> None:
    """Every reference resolves to an entry: relative ones ("Patient/7") against the fullUrl's
    base, as FHIR resolves them in a Bundle."""
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    for entry in bundle["entry"]:
        base = entry["fullUrl"].rsplit("/", 2)[0]
        for reference in references_of(entry["resource"]):
            assert f"{base}/{reference}" in full_urls, reference
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"].endswith(f"/{resource['resourceType']}/{resource['id']}")


def test_the_export_is_a_valid_fhir_r4_bundle(bundle):
    assert fhir.resources.__fhir_version__ == "4.0.1"
    parsed = Bundle.parse_obj(bundle)
    assert parsed.type == "collection"
    assert len(observations_of(bundle)) == 6  # three tests, two sides each


def test_the_bundle_holds_the_patient_and_practitioner_it_references(bundle, patient, therapist):
    """Issue 12, item 4: the Bundle pointed at Patient/… and Practitioner/… it did not hold."""
    by_reference = {
        f"{entry['resource']['resourceType']}/{entry['resource']['id']}": entry["resource"]
        for entry in bundle["entry"]
    }
    person = by_reference[f"Patient/{patient.pk}"]
    assert person["name"][0]["family"] == patient.last_name
    assert person["birthDate"] == patient.date_of_birth.isoformat()
    assert "telecom" not in person  # contact details are for the full data export only
    clinician = by_reference[f"Practitioner/{therapist.pk}"]
    assert clinician["name"][0] == {"text": "Maya Okafor", "family": "Okafor", "given": ["Maya"]}
    assert [r["resourceType"] for r in by_reference.values()].count("Practitioner") == 1
    assert_stands_alone(bundle)
    Bundle.parse_obj(bundle)


def test_each_side_is_an_exam_observation_in_ucum_cm_on_the_ankle_joint(bundle, patient):
    observations = observations_of(bundle)
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


def test_a_gap_not_measured_has_a_data_absent_reason_not_0_cm(bundle):
    """Issue 12, item 4: the export said 0 cm for a value nobody recorded."""
    first_right = observations_of(bundle)[1]
    components = {c["code"]["coding"][0]["code"]: c for c in first_right["component"]}
    assert components["could-not-reach"]["valueBoolean"] is True
    assert "valueQuantity" not in first_right  # R4 obs-6: a value or a reason, never both
    assert first_right["dataAbsentReason"]["coding"] == [
        {"system": DATA_ABSENT_REASON, "code": "not-performed", "display": "Not Performed"}
    ]
    assert "gap was not measured" in first_right["dataAbsentReason"]["text"]
    Bundle.parse_obj(bundle)


def test_a_measured_gap_is_a_negative_distance(client_as, patient, therapist):
    record_knee_to_wall(patient, therapist, left=None, left_gap="2.5", right="10")
    response = client_as("therapist").get(f"/patients/{patient.pk}/knee-to-wall.fhir.json")
    left = observations_of(json.loads(response.content))[0]
    assert left["valueQuantity"]["value"] == -2.5
    assert "dataAbsentReason" not in left


def test_could_not_reach_corrections_and_self_tests_are_marked(bundle):
    observations = observations_of(bundle)
    corrected_left = observations[2]
    assert corrected_left["status"] == "amended"
    assert corrected_left["valueQuantity"]["value"] == 11.9
    self_left = observations[4]
    assert self_left["method"]["coding"][0]["code"] == "self-test"
    assert self_left["performer"][0]["reference"].startswith("Patient/")
    assert self_left["valueQuantity"]["value"] == 12.7  # 5 in, exactly


def test_the_validator_catches_a_broken_observation(bundle):
    from pydantic import ValidationError

    first_left, first_right = observations_of(bundle)[:2]
    first_left["valueQuantity"]["value"] = "a lot"
    first_right["bodySite"] = "ankle"
    with pytest.raises(ValidationError):
        Bundle.parse_obj(bundle)


def test_the_full_data_export_stands_alone_too(client_as, patient, therapist):
    """The patient's whole record (records.services) names therapists as performers,
    authors and participants: each is a Practitioner in the Bundle."""
    patient.primary_therapist = therapist
    patient.save()
    record_knee_to_wall(patient, therapist, left=None, right="10")
    response = client_as("therapist").get(f"/patients/{patient.pk}/export.fhir.json")
    bundle = json.loads(response.content)
    Bundle.parse_obj(bundle)
    assert_stands_alone(bundle)
    types = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert types.count("Patient") == types.count("Practitioner") == 1
    [person] = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert person["generalPractitioner"][0]["reference"] == f"Practitioner/{therapist.pk}"
    assert {t["system"] for t in person["telecom"]} == {"email", "phone"}
    assert "dataAbsentReason" in observations_of(bundle)[0]
