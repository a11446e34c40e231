from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import AssessmentRevision
from tests.factories import PatientFactory, record_knee_to_wall

pytestmark = pytest.mark.django_db

LIST = "/api/v1/assessments/"


@pytest.fixture
def tests_done(patient, other_patient, foreign_patient, therapist, other_clinic_therapist):
    first = record_knee_to_wall(patient, therapist, left="9.5", right="10", days_ago=21)
    second = record_knee_to_wall(patient, therapist, left="11.8", right="10.4", days_ago=1)
    record_knee_to_wall(other_patient, therapist, days_ago=2)
    record_knee_to_wall(foreign_patient, other_clinic_therapist, days_ago=2)
    return first, second


LIST_EXPECTATIONS = {
    "anonymous": (401, None),
    "patient": (200, {"Alex"}),
    "other_patient": (200, {"Bianca"}),
    "therapist": (200, {"Alex", "Bianca"}),
    "front_desk": (403, None),
    "clinic_admin": (200, {"Alex", "Bianca"}),
    "other_clinic_therapist": (200, {"Farid"}),
}


@pytest.mark.parametrize(("role", "expected"), LIST_EXPECTATIONS.items())
def test_each_role_lists_only_the_assessments_it_may_see(
    client_as, tests_done, role, expected, patient, other_patient, foreign_patient
):
    status, names = expected
    response = client_as(role).get(LIST)
    assert response.status_code == status
    if names is not None:
        by_id = {patient.pk: "Alex", other_patient.pk: "Bianca", foreign_patient.pk: "Farid"}
        assert {by_id[row["patient"]] for row in response.json()["results"]} == names


DETAIL_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 200,
    "other_patient": 404,
    "therapist": 200,
    "front_desk": 403,
    "clinic_admin": 200,
    "other_clinic_therapist": 404,
}


@pytest.mark.parametrize(("role", "status"), DETAIL_EXPECTATIONS.items())
def test_an_assessment_is_read_by_its_clinics_clinicians_and_its_patient(
    client_as, tests_done, role, status
):
    _, second = tests_done
    response = client_as(role).get(f"{LIST}{second.assessment_id}/")
    assert response.status_code == status


def test_responses_carry_the_interpretation(client_as, tests_done):
    _, second = tests_done
    body = client_as("therapist").get(f"{LIST}{second.assessment_id}/").json()
    assert body["left"]["distance_cm"] == "11.8"
    assert body["left"]["distance_in"] == "4.6457"
    assert body["left"]["standing"] == "below_target"
    assert body["left"]["approx_tibia_angle_deg"] == 42
    assert body["left"]["measured"] is True
    assert body["left"]["change_since_baseline"] == {
        "delta_cm": "2.3",
        "mdc_cm": "1.9",
        "classification": "improved",
        "reason": "",
    }
    assert body["right"]["change_since_baseline"]["classification"] == "no_real_change"
    assert body["asymmetry"] == {
        "difference_cm": "1.4",
        "more_than_cm": None,
        "flagged": False,
        "shorter_side": "right",
        "reason": "",
    }
    assert body["is_baseline"] is False
    assert body["revision"] == 1


def test_a_gap_not_measured_is_not_comparable_not_a_decline(client_as, patient, therapist):
    """Issue 12, item 4: today's answer is {"delta_cm": "-2.5", "classification": "worse"}."""
    record_knee_to_wall(patient, therapist, left=None, right="12", days_ago=21)
    later = record_knee_to_wall(patient, therapist, left=None, left_gap="2.5", right="12")
    client = client_as("therapist")
    body = client.get(f"{LIST}{later.assessment_id}/").json()
    assert body["left"]["distance_cm"] == "-2.5"
    assert body["left"]["change_since_baseline"] == {
        "delta_cm": None,
        "mdc_cm": "1.9",
        "classification": "not_comparable",
        "reason": "The gap was not measured at the earlier test, so there is no number to compare.",
    }
    assert body["left"]["change_since_previous"]["classification"] == "not_comparable"
    baseline = client.get(LIST, {"patient": patient.pk, "measured_before": later.measured_at})
    [first] = [row for row in baseline.json()["results"] if row["is_baseline"]]
    assert first["left"]["reached"] is False
    assert first["left"]["measured"] is False
    assert (first["left"]["distance_cm"], first["left"]["distance_in"]) == (None, None)
    assert first["left"]["approx_tibia_angle_deg"] is None
    assert first["left"]["standing"] == "needs_work"
    # Right at 12 cm, left short of the wall by an unknown gap: more than 12 cm apart.
    assert first["asymmetry"] == {
        "difference_cm": None,
        "more_than_cm": "12",
        "flagged": True,
        "shorter_side": "left",
        "reason": "The left gap was not measured.",
    }


def test_date_range_filters(client_as, tests_done, patient):
    client = client_as("therapist")
    week_ago = (timezone.now() - timedelta(days=7)).isoformat()
    recent = client.get(LIST, {"patient": patient.pk, "measured_after": week_ago}).json()
    assert recent["count"] == 1
    older = client.get(LIST, {"patient": patient.pk, "measured_before": week_ago}).json()
    assert older["count"] == 1
    assert older["results"][0]["is_baseline"] is True


def valid(for_patient, **changes):
    return {
        "patient": for_patient.pk,
        "unit": "in",
        "measured_at": timezone.now().isoformat(),
        "left_distance": "4.75",
        "right_distance": "3.5",
        "left_pain": 2,
        "feet_turned_out": True,
        "lumbar_flexion": "limited",
        **changes,
    }


CREATE_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 403,
    "other_patient": 403,  # patients never record or prescribe, refused before the body
    "therapist": 201,
    "front_desk": 403,
    "clinic_admin": 201,
    "other_clinic_therapist": 400,  # no such patient in their clinic
}


@pytest.mark.parametrize(("role", "status"), CREATE_EXPECTATIONS.items())
def test_only_the_clinics_clinicians_record_tests(client_as, patient, role, status):
    response = client_as(role).post(LIST, valid(patient), content_type="application/json")
    assert response.status_code == status, response.content
    assert AssessmentRevision.objects.exists() is (status == 201)
    if status == 400:
        assert "patient" in response.json()


def test_recording_in_inches_answers_with_exact_values(client_as, patient, therapist):
    response = client_as("therapist").post(LIST, valid(patient), content_type="application/json")
    body = response.json()
    assert body["left"]["distance_in"] == "4.75"
    assert body["left"]["distance_cm"] == "12.065"
    assert body["asymmetry"]["flagged"] is True  # 1.25 in = 3.2 cm apart
    assert body["is_baseline"] is True
    assert body["measured_by"] == therapist.pk
    assert body["compensations"]["feet_turned_out"] is True
    assert body["chain_screen"]["lumbar_flexion"] == "limited"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"left_distance": "10.5"}, "left_distance"),  # over 10 in
        ({"left_distance": "-1"}, "left_distance"),
        ({"left_distance": "four"}, "left_distance"),
        ({"left_pain": 11}, "left_pain"),
        ({"measured_at": (timezone.now() + timedelta(days=2)).isoformat()}, "measured_at"),
        ({"measured_at": "yesterday"}, "measured_at"),
        ({"unit": "mm"}, "unit"),
        ({"left_reached": False, "left_gap": "7"}, "left_gap"),  # over 6 in short
        ({"patient": 999_999}, "patient"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_saved(
    client_as, patient, changes, field
):
    response = client_as("therapist").post(
        LIST, valid(patient, **changes), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not AssessmentRevision.objects.exists()


def test_a_patient_of_another_clinic_is_a_400(client_as, foreign_patient):
    response = client_as("therapist").post(
        LIST, valid(foreign_patient), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["patient"] == ["No such patient in your clinic."]


def test_a_correction_through_the_api_keeps_the_earlier_revision(client_as, tests_done):
    _, second = tests_done
    data = valid(second.assessment.patient, correction_reason="Misread the tape.")
    data.pop("patient")
    response = client_as("therapist").put(
        f"{LIST}{second.assessment_id}/", data, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["revision"] == 2
    assert response.json()["correction_reason"] == "Misread the tape."
    assert AssessmentRevision.objects.filter(assessment=second.assessment).count() == 2


@pytest.mark.parametrize(
    ("role", "status"),
    [("front_desk", 403), ("patient", 403), ("other_clinic_therapist", 404)],
)
def test_corrections_are_for_the_clinics_clinicians(client_as, tests_done, role, status):
    _, second = tests_done
    data = valid(second.assessment.patient, correction_reason="x")
    response = client_as(role).put(
        f"{LIST}{second.assessment_id}/", data, content_type="application/json"
    )
    assert response.status_code == status


def test_assessments_are_never_deleted_or_patched(client_as, tests_done):
    _, second = tests_done
    client = client_as("clinic_admin")
    assert client.delete(f"{LIST}{second.assessment_id}/").status_code == 405
    assert client.patch(f"{LIST}{second.assessment_id}/", {}).status_code == 405


def test_the_list_runs_a_fixed_number_of_queries(client_as, clinic, therapist):
    client = client_as("therapist")

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(LIST).status_code == 200
        return len(context)

    record_knee_to_wall(PatientFactory(clinic=clinic), therapist)
    few = queries_for_list()
    for _ in range(10):
        patient = PatientFactory(clinic=clinic)
        record_knee_to_wall(patient, therapist, days_ago=10)
        record_knee_to_wall(patient, therapist)
    assert queries_for_list() == few


def test_fhir_bundle_endpoint_follows_the_roles(client_as, tests_done, patient):
    url = f"/api/v1/patients/{patient.pk}/knee-to-wall/fhir/"
    assert client_as("therapist").get(url).status_code == 200
    assert client_as("front_desk").get(url).status_code == 403
    assert client_as("other_clinic_therapist").get(url).status_code == 404
    assert client_as("anonymous").get(url).status_code == 401
    assert client_as("patient").get(url).status_code == 200
    assert client_as("other_patient").get(url).status_code == 404


# --- Found by the API fuzzer (tests/test_api_fuzz.py) -----------------------------------------


def test_a_measured_filter_with_an_offset_postgresql_refuses_is_answered(
    client_as, patient, therapist
):
    record_knee_to_wall(patient, therapist)
    client = client_as("therapist")
    response = client.get(LIST, {"measured_before": "0099-08-17T21:43:05+20:18"})
    assert (response.status_code, response.json()["count"]) == (200, 0)
    response = client.get(LIST, {"measured_after": "2000-01-01T00:00:00+20:18"})
    assert (response.status_code, response.json()["count"]) == (200, 1)
