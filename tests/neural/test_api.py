"""The neural-tests API: scoped like the knee-to-wall's, errors named, in the schema."""

import pytest

from neural.models import NeuralExam
from tests.factories import record_knee_to_wall
from tests.neural.recording import record_neural, slr, slump

pytestmark = pytest.mark.django_db

LIST = "/api/v1/neural-tests/"


@pytest.fixture
def tests_done(patient, other_patient, foreign_patient, therapist, other_clinic_therapist):
    first = record_neural(patient, therapist, [slr(angle="40")], days_ago=10)
    second = record_neural(patient, therapist, [slr(angle="52.5"), slump("right")], days_ago=1)
    record_neural(other_patient, therapist, days_ago=2)
    record_neural(foreign_patient, other_clinic_therapist, days_ago=2)
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
def test_each_role_lists_only_the_neural_tests_it_may_see(
    client_as, tests_done, role, expected, patient, other_patient, foreign_patient
):
    status, names = expected
    response = client_as(role).get(LIST)
    assert response.status_code == status
    if names is not None:
        by_id = {patient.pk: "Alex", other_patient.pk: "Bianca", foreign_patient.pk: "Farid"}
        assert {by_id[row["patient"]] for row in response.json()["results"]} == names


def test_the_list_filters_by_patient(client_as, tests_done, patient):
    rows = client_as("therapist").get(LIST, {"patient": patient.pk}).json()["results"]
    assert {row["patient"] for row in rows} == {patient.pk}
    assert len(rows) == 2


def test_a_record_reads_back_interpreted_with_the_change_in_degrees(client_as, tests_done):
    _, second = tests_done
    body = client_as("therapist").get(f"{LIST}{second.pk}/").json()
    left = next(r for r in body["results"] if r["test"] == "slr" and r["side"] == "left")
    assert left["onset_angle_deg"] == "52.5"
    assert left["interpretation"]["finding"] == "positive"
    assert left["change_since_first"].startswith("+12.5°")
    slump_right = next(r for r in body["results"] if r["test"] == "slump")
    assert slump_right["interpretation"]["finding"] == "positive"


def test_a_therapist_records_through_the_api(client_as, patient, therapist):
    visit = record_knee_to_wall(patient, therapist).assessment
    response = client_as("therapist").post(
        LIST,
        {
            "patient": patient.pk,
            "measured_at": "2026-01-15T09:45:00-06:00",
            "assessment": visit.pk,
            "results": [
                slr(angle="45.5", angle_method="phone", angle_spread_deg="0.4"),
                slr("right", None),
                slump("left", eased="not_tested"),
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["assessment"] == visit.pk
    assert {(r["test"], r["side"]) for r in body["results"]} == {
        ("slr", "left"),
        ("slr", "right"),
        ("slump", "left"),
    }
    assert NeuralExam.objects.get().results.get(side="left", test="slr").angle_spread_deg


@pytest.mark.parametrize(
    ("results", "field"),
    [
        ([slr(angle="111")], "left_slr_onset_angle_deg"),
        ([slr(), slr(angle="50")], "left_slr"),
        ([slr(angle=None, hip_internal_rotation="unchanged")], "left_slr_hip_internal_rotation"),
        ([slr(angle_method="phone", angle_spread_deg="3")], "left_slr_onset_angle_deg"),
    ],
)
def test_bad_input_is_refused_by_name_and_nothing_saved(client_as, patient, results, field):
    response = client_as("therapist").post(
        LIST,
        {"patient": patient.pk, "measured_at": "2026-01-15T09:45:00-06:00", "results": results},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert field in str(response.json())
    assert not NeuralExam.objects.exists()


def test_an_unknown_location_is_refused_by_the_api(client_as, patient):
    response = client_as("therapist").post(
        LIST,
        {
            "patient": patient.pk,
            "measured_at": "2026-01-15T09:45:00-06:00",
            "results": [slr(location="ankle")],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "location" in str(response.json())
    assert "ankle" in str(response.json())


def test_a_self_test_or_another_patients_visit_is_refused(
    client_as, patient, other_patient, therapist
):
    visit = record_knee_to_wall(other_patient, therapist).assessment
    response = client_as("therapist").post(
        LIST,
        {
            "patient": patient.pk,
            "measured_at": "2026-01-15T09:45:00-06:00",
            "assessment": visit.pk,
            "results": [slr()],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "another patient" in str(response.json())


def test_the_front_desk_and_patients_may_not_record(client_as, patient):
    for role in ("front_desk", "patient"):
        response = client_as(role).post(
            LIST, {"patient": patient.pk}, content_type="application/json"
        )
        assert response.status_code == 403


def test_entered_in_error_through_the_api(client_as, tests_done):
    first, _ = tests_done
    client = client_as("therapist")
    assert (
        client.post(
            f"{LIST}{first.pk}/entered-in-error/", {}, content_type="application/json"
        ).status_code
        == 400
    )
    response = client.post(
        f"{LIST}{first.pk}/entered-in-error/",
        {"reason": "Wrong patient"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["entered_in_error"] is True
