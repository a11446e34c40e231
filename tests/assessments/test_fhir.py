"""The FHIR R4 export, validated with fhir.resources' R4 (4.0.1) models and HL7's R4 JSON schema,
and read as a receiving system would: by following its references."""

import json
import re
import uuid
from datetime import UTC, datetime

import pytest
from django.utils import timezone
from fhir.resources.bundle import Bundle

from assessments import services
from assessments.fhir import resource_uuid
from assessments.fhir_codes import (
    CODE_SYSTEM_BASE,
    DATA_ABSENT_REASON,
    KNEE_TO_WALL,
    KNEE_TO_WALL_INTERPRETATION,
    OBSERVATION_INTERPRETATION,
    URI_IDENTIFIER,
)
from tests.conftest import ROOT, project_sources
from tests.factories import record_knee_to_wall
from tests.fhir_checks import (
    assert_codes_documented,
    assert_stands_alone,
    assert_valid_r4,
    by_full_url,
    resolve,
    schema_errors,
)

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
        left_angle_method="inclinometer",
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
    return _export(client_as, patient)


def _export(client_as, patient) -> dict:
    response = client_as("therapist").get(f"/patients/{patient.pk}/knee-to-wall.fhir.json")
    assert response["Content-Type"] == "application/fhir+json"
    return json.loads(response.content)


def observations_of(bundle: dict) -> list[dict]:
    return [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "Observation"
        and "tibia-angle" not in str(entry["resource"].get("code"))
    ]


def _interpretations(observation: dict) -> dict[str, set[str]]:
    """Interpretation codes by system."""
    found: dict[str, set[str]] = {}
    for concept in observation["interpretation"]:
        for coding in concept["coding"]:
            found.setdefault(coding["system"], set()).add(coding["code"])
    return found


def test_the_export_is_a_valid_fhir_r4_bundle(bundle):
    Bundle.parse_obj(bundle)
    assert_valid_r4(bundle)
    assert_codes_documented(bundle)
    assert bundle["type"] == "collection"
    assert len(observations_of(bundle)) == 6  # three tests, two sides each


def test_hl7s_json_schema_catches_what_fhir_resources_catches(bundle):
    """The second validator is not a rubber stamp."""
    first_left, first_right = observations_of(bundle)[:2]
    first_left["valueQuantity"]["value"] = "a lot"
    first_right["status"] = "done"  # not an R4 ObservationStatus
    first_right["interpretaton"] = []  # misspelt: the schema allows no unknown element
    del observations_of(bundle)[2]["code"]
    errors = schema_errors(bundle)
    assert "entry/1/resource/valueQuantity/value: 'a lot' is not of type 'number'" in errors
    assert any(e.startswith("entry/2/resource/status: 'done' is not one of") for e in errors)
    assert any("'interpretaton' was unexpected" in error for error in errors), errors
    assert "entry/3/resource: 'code' is a required property" in errors
    assert schema_errors(observations_of(bundle)[3]) == []


def test_the_validator_catches_a_broken_observation(bundle):
    from pydantic import ValidationError

    first_left, first_right = observations_of(bundle)[:2]
    first_left["valueQuantity"]["value"] = "a lot"
    first_right["bodySite"] = "ankle"
    with pytest.raises(ValidationError):
        Bundle.parse_obj(bundle)


def test_the_bundle_has_an_identity_and_a_time(bundle):
    """Issue 14 §3: no id, identifier or meta.lastUpdated."""
    assert uuid.UUID(bundle["id"])
    assert bundle["identifier"] == {"system": URI_IDENTIFIER, "value": f"urn:uuid:{bundle['id']}"}
    stamp = datetime.strptime(bundle["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((timezone.now() - stamp).total_seconds()) < 60
    assert bundle["meta"]["lastUpdated"] == bundle["timestamp"]


def test_every_reference_resolves_to_an_entry_named_by_urn_uuid(bundle, patient, therapist):
    """Issue 14 §3: fullUrls were http://<site>/fhir/..., which answers 404 (Dorsi has no FHIR
    endpoint); issue 12: the Bundle pointed at a Patient and Practitioner it did not hold."""
    assert_stands_alone(bundle)
    observations = observations_of(bundle)
    person = resolve(bundle, observations[0]["subject"])
    assert person["resourceType"] == "Patient"
    assert person["name"][0]["family"] == patient.last_name
    assert person["birthDate"] == patient.date_of_birth.isoformat()
    assert "telecom" not in person  # contact details are for the full data export only
    clinician = resolve(bundle, observations[0]["performer"][0])
    assert clinician["resourceType"] == "Practitioner"
    assert clinician["name"][0] == {"text": "Maya Okafor", "family": "Okafor", "given": ["Maya"]}
    assert observations[0]["performer"][0]["display"] == "Maya Okafor"
    types = [resource["resourceType"] for resource in by_full_url(bundle).values()]
    assert types.count("Practitioner") == types.count("Patient") == 1
    assert resolve(bundle, observations[4]["performer"][0]) is person  # a self-test


def test_a_resource_has_the_same_full_url_in_every_export(client_as, bundle, patient, therapist):
    """The name is uuid5 of the installation's namespace and the resource's Dorsi id, so a
    receiving system recognises a resource it was sent before; each Bundle is new."""
    again = _export(client_as, patient)
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in bundle["entry"]]
    assert again["id"] != bundle["id"]
    patient.primary_therapist = therapist
    patient.save()
    response = client_as("therapist").get(f"/patients/{patient.pk}/export.fhir.json")
    full = json.loads(response.content)
    assert {e["fullUrl"] for e in bundle["entry"]} <= {e["fullUrl"] for e in full["entry"]}
    assert bundle["entry"][0]["fullUrl"] == f"urn:uuid:{resource_uuid(f'Patient/{patient.pk}')}"


def test_another_installation_names_the_same_ids_differently(bundle, patient, settings):
    here = resource_uuid(f"Patient/{patient.pk}")
    settings.FHIR_NAMESPACE = uuid.uuid4()
    assert resource_uuid(f"Patient/{patient.pk}") != here


def test_each_side_is_an_exam_observation_in_ucum_cm_on_the_ankle_joint(bundle):
    observations = observations_of(bundle)
    first_left = observations[0]
    assert first_left["category"][0]["coding"][0]["code"] == "exam"
    assert first_left["code"]["coding"][0]["system"] == KNEE_TO_WALL
    assert KNEE_TO_WALL == "https://dorsi.dev/fhir/CodeSystem/knee-to-wall"
    assert first_left["valueQuantity"] == {
        "value": 9.5,
        "unit": "cm",
        "system": "http://unitsofmeasure.org",
        "code": "cm",
    }
    assert first_left["bodySite"]["coding"][0]["code"] == "70258002"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first_left["effectiveDateTime"])
    components = {c["code"]["coding"][0]["code"]: c for c in first_left["component"]}
    assert components["272741003"]["valueCodeableConcept"]["coding"][0]["code"] == "7771000"
    assert "tibia-angle" not in components  # its own Observation, which can carry the method
    assert components["pain-during-test"]["valueInteger"] == 3


def test_a_measured_angle_is_an_observation_in_ucum_deg_with_its_method_and_laterality(bundle):
    """Issue 16 §2: the angle in UCUM `deg`, how it was measured in Observation.method."""
    angles = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "Observation"
        and entry["resource"]["code"]["coding"][0]["code"] == "tibia-angle"
    ]
    assert len(angles) == 1  # one side of one test measured an angle; estimates are not exported
    angle = angles[0]
    assert angle["valueQuantity"] == {
        "value": 34.5,
        "unit": "deg",
        "system": "http://unitsofmeasure.org",
        "code": "deg",
    }
    assert angle["method"]["coding"][0] == {
        "system": KNEE_TO_WALL,
        "code": "inclinometer",
        "display": "Inclinometer",
    }
    laterality = angle["component"][0]
    assert laterality["valueCodeableConcept"]["coding"][0]["code"] == "7771000"  # left
    assert angle["bodySite"]["coding"][0]["code"] == "70258002"


def test_the_standing_against_the_target_is_exported(bundle):
    """Issue 14 §3: Dorsi's conclusions stayed in Dorsi. HL7's N/L beside Dorsi's own code, and
    the clinic's target as the reference range."""
    baseline_left, baseline_right, _, _, self_left, _ = observations_of(bundle)
    assert _interpretations(baseline_left) == {
        OBSERVATION_INTERPRETATION: {"L"},
        KNEE_TO_WALL_INTERPRETATION: {"below_target"},
    }
    # Could not reach, gap not measured: no value, but it still needs work.
    assert _interpretations(baseline_right) == {
        OBSERVATION_INTERPRETATION: {"L"},
        KNEE_TO_WALL_INTERPRETATION: {"needs_work"},
    }
    assert _interpretations(self_left) == {  # 5 in = 12.7 cm, the default target
        OBSERVATION_INTERPRETATION: {"N"},
        KNEE_TO_WALL_INTERPRETATION: {"at_target"},
    }
    [reference_range] = baseline_left["referenceRange"]
    assert reference_range["low"]["value"] == 12.7
    assert reference_range["text"] == "Clinic target: 12.7 cm or more; under 7.6 cm needs work."
    assert baseline_left["note"][0]["text"].startswith("Baseline")
    assert self_left["note"][0]["text"].startswith("Self-test")


def test_the_change_against_the_mdc_is_exported_as_dorsi_classified_it(bundle):
    """9.5 -> 11.9 cm by the same therapist is 2.4 cm, beyond the 1.9 cm MDC: HL7's B (Better:
    significant as the test defines it) and Dorsi's "improved". Against a gap nobody measured,
    the change is "not comparable", for which HL7 has no code."""
    _, _, second_left, second_right, _, _ = observations_of(bundle)
    [change] = [c for c in second_left["interpretation"] if "baseline" in c["text"]]
    assert [coding["code"] for coding in change["coding"]] == ["B", "improved"]
    assert "9.5 cm → 11.9 cm, a real improvement" in second_left["note"][0]["text"]
    assert "minimal detectable change 1.9 cm" in second_left["note"][0]["text"]
    assert _interpretations(second_right)[KNEE_TO_WALL_INTERPRETATION] == {
        "below_target",
        "not_comparable",
    }
    assert "B" not in _interpretations(second_right)[OBSERVATION_INTERPRETATION]
    assert "gap was not measured at the earlier test" in second_right["note"][0]["text"]


def test_a_decline_is_worse(client_as, patient, therapist):
    record_knee_to_wall(patient, therapist, left="12", right="10", days_ago=7)
    record_knee_to_wall(patient, therapist, left="9.9", right="9")
    latest_left = observations_of(_export(client_as, patient))[2]
    assert _interpretations(latest_left)[OBSERVATION_INTERPRETATION] == {"W", "L"}
    assert "worse" in _interpretations(latest_left)[KNEE_TO_WALL_INTERPRETATION]


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


def test_a_measured_gap_is_a_negative_distance(client_as, patient, therapist):
    record_knee_to_wall(patient, therapist, left=None, left_gap="2.5", right="10")
    left = observations_of(_export(client_as, patient))[0]
    assert left["valueQuantity"]["value"] == -2.5
    assert "dataAbsentReason" not in left


def test_could_not_reach_corrections_and_self_tests_are_marked(bundle):
    observations = observations_of(bundle)
    corrected_left = observations[2]
    assert corrected_left["status"] == "amended"
    assert corrected_left["meta"]["versionId"] == "2"
    assert corrected_left["valueQuantity"]["value"] == 11.9
    self_left = observations[4]
    assert self_left["method"]["coding"][0]["code"] == "self-test"
    assert resolve(bundle, self_left["performer"][0])["resourceType"] == "Patient"
    assert self_left["valueQuantity"]["value"] == 12.7  # 5 in, exactly


def test_the_full_data_export_stands_alone_too(client_as, patient, therapist):
    """The patient's whole record (records.services) names therapists as performers,
    authors and participants: each is a Practitioner in the Bundle."""
    patient.primary_therapist = therapist
    patient.save()
    record_knee_to_wall(patient, therapist, left=None, right="10")
    response = client_as("therapist").get(f"/patients/{patient.pk}/export.fhir.json")
    bundle = json.loads(response.content)
    assert_valid_r4(bundle)
    assert_stands_alone(bundle)
    types = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert types.count("Patient") == types.count("Practitioner") == 1
    [person] = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert resolve(bundle, person["generalPractitioner"][0])["name"][0]["family"] == "Okafor"
    assert {t["system"] for t in person["telecom"]} == {"email", "phone"}
    assert "dataAbsentReason" in observations_of(bundle)[0]


def test_dorsis_code_system_urls_are_written_in_one_place():
    """Issue 14 §3: a placeholder domain, and a copy of the base URL in each exporter."""
    home = ROOT / "assessments" / "fhir_codes.py"
    for path in project_sources():
        text = path.read_text()
        assert "dorsi.example.org/fhir" not in text, path
        if path != home:
            assert CODE_SYSTEM_BASE.removeprefix("https://") not in text, path
