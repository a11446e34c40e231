"""The neural tests leave Dorsi in the patient's data-rights export: FHIR Observations (valid R4,
codes documented) and a CSV file; anonymising keeps the values without the identity."""

import csv
import io
import zipfile

import pytest

from audit.models import AuditEvent
from clinic import services as clinic_services
from neural import services
from neural.models import NeuralExam, NeuralTestResult
from records import services as data_rights
from tests.factories import record_knee_to_wall
from tests.fhir_checks import assert_codes_documented, assert_stands_alone, assert_valid_r4
from tests.neural.recording import record_neural, slr, slump

pytestmark = pytest.mark.django_db


@pytest.fixture
def neural_history(patient, therapist):
    visit = record_knee_to_wall(patient, therapist, days_ago=30).assessment
    first = record_neural(
        patient,
        therapist,
        [
            slr(angle="38", angle_method="phone", angle_spread_deg="0.5"),
            slr("right", None, max_angle_deg="80", angle_method="estimated", crossed="yes"),
            slump("left"),
        ],
        days_ago=30,
        assessment=visit.pk,
        notes="Sharp below the knee",
    )
    record_neural(patient, therapist, [slr(angle="52", bragard="unchanged")], days_ago=2)
    wrong = record_neural(patient, therapist, [slump("right", reproduced=False)], days_ago=1)
    services.neural_exam_mark_entered_in_error(exam=wrong, by=therapist, reason="Other patient")
    return first


def test_each_side_of_each_test_is_a_valid_r4_observation(patient, neural_history):
    bundle = data_rights.patient_export_fhir(patient=patient)
    assert_valid_r4(bundle)
    assert_stands_alone(bundle)
    assert_codes_documented(bundle)
    neural = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "Observation"
        and entry["resource"]["code"]["coding"][0]["system"]
        == "https://dorsi.dev/fhir/CodeSystem/neural-test"
    ]
    assert len(neural) == 5
    for resource in neural:
        assert_valid_r4(resource)
        assert resource["category"][0]["coding"][0]["code"] == "exam"
    slr_left = next(
        r
        for r in neural
        if r["code"]["coding"][0]["code"] == "straight-leg-raise"
        and r["bodySite"]["coding"][0]["code"] == "32153003"
        and r["valueQuantity"]["value"] == 38
    )
    assert slr_left["valueQuantity"] == {
        "value": 38,
        "unit": "deg",
        "system": "http://unitsofmeasure.org",
        "code": "deg",
    }
    assert slr_left["method"]["coding"][0]["code"] == "phone-tilt-sensor"
    codes = {c["code"]["coding"][0]["code"] for c in slr_left["component"]}
    assert {"272741003", "symptom-location", "bragard", "crossed-slr", "phone-spread"} <= codes
    interpretation = slr_left["interpretation"][0]["coding"]
    assert [c["code"] for c in interpretation] == ["POS", "positive"]
    # No symptoms came on: no angle, said so, never 0°.
    slr_right = next(
        r
        for r in neural
        if r["code"]["coding"][0]["code"] == "straight-leg-raise"
        and r["bodySite"]["coding"][0]["code"] == "62175007"
    )
    assert "valueQuantity" not in slr_right
    assert slr_right["dataAbsentReason"]["coding"][0]["code"] == "not-applicable"
    assert "approximate" in slr_right["method"]["text"]
    assert "rarely positive, but specific" in slr_right["interpretation"][0]["text"]
    statuses = sorted(r["status"] for r in neural)
    assert statuses == ["entered-in-error", "final", "final", "final", "final"]


def test_the_later_slr_carries_its_change_in_degrees_not_judged(patient, neural_history):
    bundle = data_rights.patient_export_fhir(patient=patient)
    later = next(
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"].get("valueQuantity", {}).get("value") == 52
    )
    assert later["note"][0]["text"].startswith("SLR onset angle since the first: +14.0°")
    assert later["interpretation"][0]["coding"][-1]["code"] == "not_neural"


def test_the_csv_export_has_a_row_per_test_and_side(patient, neural_history):
    with zipfile.ZipFile(io.BytesIO(data_rights.patient_export_csv(patient=patient))) as archive:
        name = f"patient-{patient.pk}/neural_tests.csv"
        rows = list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
        columns = list(
            csv.DictReader(
                io.StringIO(archive.read(f"patient-{patient.pk}/columns.csv").decode("utf-8-sig"))
            )
        )
    assert len(rows) == 5
    right = next(r for r in rows if r["test"] == "slr" and r["side"] == "right")
    assert right["onset_angle_deg"] == ""  # no symptoms: empty, never 0
    assert right["max_angle_deg"] == "80.0"
    assert right["finding"] == "negative"
    left = next(r for r in rows if r["test"] == "slr" and r["onset_angle_deg"] == "38.0")
    assert left["assessment_id"] != ""
    assert left["angle_spread_deg"] == "0.50"
    assert {r["entered_in_error_reason"] for r in rows} == {"", "Other patient"}
    documented = {c["column"] for c in columns if c["file"] == "neural_tests.csv"}
    assert documented == set(rows[0])


def test_anonymising_keeps_the_values_and_clears_the_words(patient, neural_history, clinic_admin):
    values = list(
        NeuralTestResult.objects.order_by("id").values_list("test", "side", "onset_angle_deg")
    )
    discharged = clinic_services.patient_discharge(patient=patient)
    data_rights.patient_anonymise(patient=discharged, by=clinic_admin)
    assert (
        list(NeuralTestResult.objects.order_by("id").values_list("test", "side", "onset_angle_deg"))
        == values
    )
    assert set(NeuralExam.objects.values_list("notes", flat=True)) == {""}
    assert set(
        NeuralExam.objects.exclude(entered_in_error_at=None).values_list(
            "entered_in_error_reason", flat=True
        )
    ) == {data_rights.ANONYMISED_CORRECTION_REASON}


def test_reads_and_writes_enter_the_audit_trail(client_as, patient, neural_history):
    assert AuditEvent.objects.filter(object_type="neuralexam", action="create").count() == 3
    before = AuditEvent.objects.filter(action="read", patient_id=patient.pk).count()
    client_as("therapist").get(f"/neural-tests/{neural_history.pk}/")
    assert AuditEvent.objects.filter(action="read", patient_id=patient.pk).count() == before + 1
