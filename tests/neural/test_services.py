"""Recording neural tests: every bad value refused by name and reason, nothing half-saved."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assessments import services as assessment_services
from neural import services
from neural.models import NeuralExam, NeuralTestResult
from tests.factories import record_knee_to_wall
from tests.neural.recording import record_neural, slr, slump

pytestmark = pytest.mark.django_db


def refused(patient, therapist, results, **data) -> dict:
    with pytest.raises(ValidationError) as caught:
        record_neural(patient, therapist, results, **data)
    assert not NeuralExam.objects.exists(), "nothing is saved when anything is refused"
    assert not NeuralTestResult.objects.exists()
    return caught.value.message_dict


def test_it_records_both_sides_of_both_tests_in_one_sitting(patient, therapist):
    exam = record_neural(
        patient,
        therapist,
        [slr(), slr("right", None, max_angle_deg="85", angle_method="goniometer"), slump()],
    )
    rows = {(r.test, r.side): r for r in exam.results.all()}
    assert rows["slr", "left"].onset_angle_deg == Decimal("45.0")
    assert rows["slr", "right"].symptoms is False
    assert rows["slr", "right"].max_angle_deg == Decimal("85.0")
    assert rows["slump", "left"].neck_extension_eased == "yes"


@pytest.mark.parametrize("angle", ["-1", "110.1", "400", "abc", "45.25"])
def test_it_refuses_an_angle_outside_0_to_110_on_its_field(patient, therapist, angle):
    errors = refused(patient, therapist, [slr(angle=angle)])
    assert list(errors) == ["left_slr_onset_angle_deg"]


def test_the_ends_of_the_range_are_accepted(patient, therapist):
    record_neural(patient, therapist, [slr(angle="0"), slr("right", "110")])


def test_it_refuses_the_same_test_and_side_twice_in_one_record(patient, therapist):
    errors = refused(patient, therapist, [slr(), slr(angle="50")])
    assert errors == {
        "left_slr": ["The left straight-leg raise is given twice in this record: keep one."]
    }


def test_the_database_refuses_the_same_test_and_side_twice_too(patient, therapist):
    exam = record_neural(patient, therapist, [slr()])
    with pytest.raises(IntegrityError), transaction.atomic():
        NeuralTestResult.objects.create(exam=exam, test="slr", side="left", symptoms=False)


def test_it_refuses_an_unknown_location(patient, therapist):
    errors = refused(patient, therapist, [slr(location="knee")])
    assert "left_slr_location" in errors
    assert "'knee' is not a choice" in errors["left_slr_location"][0]


def test_it_refuses_a_differentiation_answer_when_no_symptoms_came_on(patient, therapist):
    errors = refused(patient, therapist, [slr(angle=None, bragard="changed")])
    assert errors == {
        "left_slr_bragard": [
            "No symptoms came on, so there was nothing to differentiate: leave this empty."
        ]
    }


def test_symptoms_need_an_onset_angle_and_a_place(patient, therapist):
    errors = refused(patient, therapist, [slr(onset_angle_deg=None, location="", angle_method="")])
    assert set(errors) == {"left_slr_onset_angle_deg", "left_slr_location"}


def test_an_angle_needs_its_method(patient, therapist):
    errors = refused(patient, therapist, [slr(angle_method="")])
    assert errors == {"left_slr_angle_method": ["Say how the angle was measured."]}


def test_a_slump_not_reproduced_has_nothing_to_ease(patient, therapist):
    errors = refused(
        patient,
        therapist,
        [{"test": "slump", "side": "right", "symptoms": False, "neck_extension_eased": "yes"}],
    )
    assert list(errors) == ["right_slump_neck_extension_eased"]


def test_a_phone_that_moved_more_than_a_degree_is_refused_on_the_angle(patient, therapist):
    errors = refused(patient, therapist, [slr(angle_method="phone", angle_spread_deg="1.6")])
    assert errors == {
        "left_slr_onset_angle_deg": [
            "The phone was moving during the capture (it moved 1.6°): hold it still and "
            "measure again."
        ]
    }


def test_a_moving_phone_without_symptoms_is_refused_on_the_greatest_angle(patient, therapist):
    errors = refused(
        patient,
        therapist,
        [slr(angle=None, max_angle_deg="88", angle_method="phone", angle_spread_deg="1.2")],
    )
    assert list(errors) == ["left_slr_max_angle_deg"]
    assert "it moved 1.2°" in errors["left_slr_max_angle_deg"][0]


def test_a_spread_left_over_under_another_method_is_not_stored(patient, therapist):
    exam = record_neural(patient, therapist, [slr(angle_method="goniometer", angle_spread_deg="4")])
    assert exam.results.get().angle_spread_deg is None


def test_a_still_phones_spread_is_stored(patient, therapist):
    exam = record_neural(patient, therapist, [slr(angle_method="phone", angle_spread_deg="1.0")])
    assert exam.results.get().angle_spread_deg == Decimal("1.00")


def test_a_visit_of_another_patient_is_refused(patient, other_patient, therapist):
    visit = record_knee_to_wall(other_patient, therapist).assessment
    errors = refused(patient, therapist, [slr()], assessment=visit.pk)
    assert errors == {
        "assessment": [
            "That knee-to-wall visit is another patient's: choose one of this patient's."
        ]
    }


def test_a_self_test_is_not_a_visit(patient, therapist):
    from django.utils import timezone

    own = assessment_services.self_test_record(
        patient=patient,
        unit="cm",
        data={"measured_at": timezone.now(), "left_distance": "9", "right_distance": "9"},
    )
    errors = refused(patient, therapist, [slr()], assessment=own.assessment_id)
    assert list(errors) == ["assessment"]
    assert "self-test" in errors["assessment"][0]


def test_a_visit_of_another_clinic_is_not_found(
    patient, therapist, foreign_patient, other_clinic_therapist
):
    visit = record_knee_to_wall(foreign_patient, other_clinic_therapist).assessment
    errors = refused(patient, therapist, [slr()], assessment=visit.pk)
    assert errors == {"assessment": ["No such knee-to-wall visit in your clinic."]}


def test_a_side_recorded_at_a_visit_cannot_be_recorded_there_again(patient, therapist):
    visit = record_knee_to_wall(patient, therapist).assessment
    first = record_neural(patient, therapist, [slr()], assessment=visit.pk)
    with pytest.raises(ValidationError) as caught:
        record_neural(patient, therapist, [slr("right"), slr()], assessment=visit.pk)
    assert list(caught.value.message_dict) == ["left_slr"]
    assert "already recorded for this visit" in caught.value.message_dict["left_slr"][0]
    assert NeuralExam.objects.count() == 1
    # Once that record is marked entered in error, the side can be recorded again.
    services.neural_exam_mark_entered_in_error(exam=first, by=therapist, reason="Wrong leg")
    record_neural(patient, therapist, [slr()], assessment=visit.pk)


def test_every_bad_field_is_named_at_once(patient, therapist):
    errors = refused(
        patient,
        therapist,
        [slr(angle="200"), slr("right", location="foot"), slump(eased="maybe")],
    )
    assert set(errors) == {
        "left_slr_onset_angle_deg",
        "right_slr_location",
        "left_slump_neck_extension_eased",
    }


def test_no_result_is_refused(patient, therapist):
    assert refused(patient, therapist, []) == {"results": ["Record at least one test on one side."]}


def test_entered_in_error_needs_a_reason_and_happens_once(patient, therapist):
    exam = record_neural(patient, therapist)
    with pytest.raises(ValidationError):
        services.neural_exam_mark_entered_in_error(exam=exam, by=therapist, reason="  ")
    services.neural_exam_mark_entered_in_error(exam=exam, by=therapist, reason="Wrong patient")
    exam.refresh_from_db()
    assert exam.entered_in_error
    assert exam.entered_in_error_by == therapist
    with pytest.raises(ValidationError):
        services.neural_exam_mark_entered_in_error(exam=exam, by=therapist, reason="again")


def test_a_typed_phone_angle_is_refused_naming_the_angle(patient, therapist):
    """As on the knee-to-wall: a number typed over a capture is not the phone's measurement."""
    errors = refused(patient, therapist, [slr(angle_method="phone")])
    assert list(errors) == ["left_slr_onset_angle_deg"]
    assert "not typed" in errors["left_slr_onset_angle_deg"][0]
