"""The neural-test pages: record from the page (alone or from a visit), detail, history with the
SLR chart, entered in error; the patient's staff page shows them beside the ankle."""

import re

import pytest

from neural.models import NeuralExam
from tests.factories import record_knee_to_wall
from tests.neural.recording import record_neural, slr, slump

pytestmark = pytest.mark.django_db


def form_data(therapist, **values) -> dict:
    data = {
        "measured_at": "2026-01-15T09:30",
        "measured_by": therapist.pk,
        "left_slr": "symptoms",
        "left_slr_onset_angle_deg": "45",
        "left_slr_angle_method": "inclinometer",
        "left_slr_location": "below_knee",
        "left_slr_bragard": "changed",
        "left_slr_hip_internal_rotation": "not_tested",
        "left_slr_crossed": "no",
        "right_slr": "no_symptoms",
        "right_slr_max_angle_deg": "85",
        "right_slr_angle_method": "goniometer",
        "left_slump": "reproduced",
        "left_slump_neck_extension_eased": "yes",
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def test_a_therapist_records_both_sides_and_reads_the_interpretation(client_as, patient, therapist):
    client = client_as("therapist")
    response = client.post(f"/patients/{patient.pk}/neural-tests/new/", form_data(therapist))
    assert response.status_code == 302, response.content.decode()[:2000]
    exam = NeuralExam.objects.get()
    assert response["Location"] == f"/neural-tests/{exam.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Positive for neural involvement: pain below the knee from 45.0°" in page
    assert "Negative: no symptoms came on up to the end of range (greatest angle 85.0°)" in page
    assert "reproduced and eased by neck extension" in page
    assert exam.assessment is None


def test_the_entry_page_carries_the_phone_widgets_hooks(client_as, patient):
    page = client_as("therapist").get(f"/patients/{patient.pk}/neural-tests/new/").content.decode()
    for side in ("left", "right"):
        for angle in ("onset_angle_deg", "max_angle_deg"):
            tag = re.search(rf'<input[^>]*name="{side}_slr_{angle}"[^>]*>', page).group(0)
            assert 'data-tilt-measure="slr"' in tag
            assert f'data-tilt-method-input="id_{side}_slr_angle_method"' in tag
            assert f'data-tilt-spread-input="id_{side}_slr_angle_spread_deg"' in tag
        assert f'id="id_{side}_slr_angle_method"' in page
        assert re.search(
            rf'<input type="hidden" name="{side}_slr_angle_spread_deg"'
            rf'[^>]*id="id_{side}_slr_angle_spread_deg"',
            page,
        )


def test_a_moving_phone_is_refused_on_the_angle_and_nothing_is_saved(client_as, patient, therapist):
    response = client_as("therapist").post(
        f"/patients/{patient.pk}/neural-tests/new/",
        form_data(therapist, left_slr_angle_method="phone", left_slr_angle_spread_deg="2.5"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The phone was moving during the capture (it moved 2.5°)" in page
    assert "Nothing was saved" in page
    assert not NeuralExam.objects.exists()


def test_bad_values_are_named_on_their_fields(client_as, patient, therapist):
    response = client_as("therapist").post(
        f"/patients/{patient.pk}/neural-tests/new/",
        form_data(
            therapist,
            left_slr_onset_angle_deg="120",
            right_slr_bragard="changed",
        ),
    )
    form = response.context["form"]
    assert "between 0 and 110" in form.errors["left_slr_onset_angle_deg"][0]
    assert "nothing to differentiate" in form.errors["right_slr_bragard"][0]
    assert not NeuralExam.objects.exists()


def test_values_under_a_test_marked_not_tested_are_not_lost_silently(client_as, patient, therapist):
    response = client_as("therapist").post(
        f"/patients/{patient.pk}/neural-tests/new/",
        form_data(therapist, left_slr="", left_slump=""),
    )
    assert "say what it showed" in response.context["form"].errors["left_slr"][0]
    assert not NeuralExam.objects.exists()


def test_from_a_visit_the_tests_are_linked_to_it(client_as, patient, therapist):
    visit = record_knee_to_wall(patient, therapist).assessment
    client = client_as("therapist")
    visit_page = client.get(f"/assessments/{visit.pk}/").content.decode()
    link = f"/patients/{patient.pk}/neural-tests/new/?assessment={visit.pk}"
    assert "Add neural tests to this visit" in visit_page
    assert link in visit_page
    assert 'name="assessment"' in client.get(link).content.decode()
    response = client.post(link, {**form_data(therapist), "assessment": visit.pk})
    assert response.status_code == 302
    assert NeuralExam.objects.get().assessment_id == visit.pk


def test_another_patients_visit_is_refused_by_name(client_as, patient, other_patient, therapist):
    visit = record_knee_to_wall(other_patient, therapist).assessment
    response = client_as("therapist").post(
        f"/patients/{patient.pk}/neural-tests/new/",
        {**form_data(therapist), "assessment": visit.pk},
    )
    assert response.status_code == 200
    assert "Visit: That knee-to-wall visit is another patient&#x27;s" in response.content.decode()
    assert not NeuralExam.objects.exists()


def test_the_history_has_a_chart_per_side_and_the_change_in_degrees(client_as, patient, therapist):
    record_neural(patient, therapist, [slr(angle="40"), slr("right", "60")], days_ago=20)
    record_neural(patient, therapist, [slr(angle="55"), slump("right")], days_ago=1)
    page = client_as("therapist").get(f"/patients/{patient.pk}/neural-tests/").content.decode()
    assert page.count('class="chart slr-chart"') == 2
    assert "Left SLR onset angle over time" in page
    assert "+15.0° (40.0° → 55.0°); no MDC is known for this angle" in page
    assert "No minimal detectable change for the SLR angle is known" in page


def test_a_record_entered_in_error_stays_struck_and_leaves_the_chart(client_as, patient, therapist):
    exam = record_neural(patient, therapist, [slr(angle="40")])
    client = client_as("therapist")
    refused = client.post(f"/neural-tests/{exam.pk}/entered-in-error/", {"reason": ""})
    assert refused.status_code == 400
    response = client.post(f"/neural-tests/{exam.pk}/entered-in-error/", {"reason": "Wrong leg"})
    assert response.status_code == 302
    page = client.get(f"/neural-tests/{exam.pk}/").content.decode()
    assert "Entered in error" in page
    assert "Wrong leg" in page
    history = client.get(f"/patients/{patient.pk}/neural-tests/").content.decode()
    assert "slr-chart" not in history
    assert "entered in error" in history


def test_the_patient_page_shows_the_neural_tests_beside_the_ankle(client_as, patient, therapist):
    record_knee_to_wall(patient, therapist)
    record_neural(patient, therapist, [slr(angle="45"), slump("right", eased="no")])
    page = client_as("therapist").get(f"/patients/{patient.pk}/").content.decode()
    assert "Neural tests (SLR and slump)" in page
    assert "positive for neural involvement" in page
    assert "not eased by neck extension" in page
    assert "Left SLR onset angle over time" in page
    desk = client_as("front_desk").get(f"/patients/{patient.pk}/").content.decode()
    assert "Neural tests" not in desk
