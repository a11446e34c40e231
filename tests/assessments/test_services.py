from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments import services
from assessments.interpretation import ChangeClass
from assessments.models import Assessment, AssessmentRevision
from assessments.selectors import patient_readings
from clinic.models import LengthUnit
from tests.factories import StaffFactory, record_knee_to_wall

pytestmark = pytest.mark.django_db


def test_both_sides_are_stored_exactly_in_micrometres(patient, therapist):
    revision = record_knee_to_wall(patient, therapist, left="4.75", right="4.125", unit="in")
    assert revision.left_distance_um == 120_650
    assert revision.right_distance_um == 104_775
    assert revision.entry_unit == "in"
    assert revision.measured_by == therapist


def test_could_not_reach_is_recorded_explicitly_with_its_gap(patient, therapist):
    revision = services.assessment_record(
        patient=patient,
        measured_by=therapist,
        recorded_by=therapist,
        unit="cm",
        data={
            "measured_at": timezone.now(),
            "left_reached": False,
            "left_gap": "2.5",
            "right_reached": False,
        },
    )
    assert (revision.left_reached, revision.left_distance_um) == (False, -25_000)
    assert (revision.right_reached, revision.right_distance_um) == (False, 0)


def data_with(**changes):
    base = {"measured_at": timezone.now(), "left_distance": "10", "right_distance": "11"}
    return {**base, **changes}


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"left_distance": "26"}, "left_distance", "between 0 and 25.4 cm"),
        ({"right_distance": "-1"}, "right_distance", "between 0 and 25.4 cm"),
        ({"left_distance": "ten"}, "left_distance", "not a number"),
        ({"left_distance": ""}, "left_distance", "Enter the toe-to-wall distance"),
        ({"left_distance": "10.123"}, "left_distance", "2 decimal places"),
        ({"left_reached": False, "left_gap": "16"}, "left_gap", "between 0 and 15.0 cm"),
        ({"left_reached": False, "left_gap": "x"}, "left_gap", "not a number"),
        # A stored 0 on a could-not-reach side reads back as "gap not measured".
        (
            {"left_reached": False, "left_distance": None, "left_gap": "0"},
            "left_gap",
            "A gap of 0 means the knee",
        ),
        ({"left_reached": False}, "left_distance", "Leave the distance empty"),
        ({"left_gap": "1"}, "left_gap", "only when the knee could not reach"),
        ({"left_pain": 11}, "left_pain", "0 (none) to 10"),
        ({"right_pain": -1}, "right_pain", "0 (none) to 10"),
        ({"right_pain": "a lot"}, "right_pain", "not a whole number"),
        ({"left_tibia_angle_deg": "95"}, "left_tibia_angle_deg", "between -10° and 70°"),
        ({"left_tibia_angle_deg": "40.25"}, "left_tibia_angle_deg", "one decimal"),
        ({"left_tibia_angle_deg": "-12"}, "left_tibia_angle_deg", "between -10° and 70°"),
        ({"right_tibia_angle_deg": "38"}, "right_angle_method", "Say how the angle was measured"),
        (
            {"right_tibia_angle_deg": "38", "right_angle_method": "protractor"},
            "right_angle_method",
            "phone, inclinometer or goniometer",
        ),
        (
            # Only a correction of an angle from before Dorsi kept the method may keep "unrecorded".
            {"right_tibia_angle_deg": "38", "right_angle_method": "unrecorded"},
            "right_angle_method",
            "phone, inclinometer or goniometer",
        ),
        (
            {
                "left_tibia_angle_deg": "41.5",
                "left_angle_method": "phone",
                "left_angle_spread_deg": "2.3",
            },
            "left_tibia_angle_deg",
            "The phone was moving during the capture (its readings moved 2.3°",
        ),
        (
            {"left_tibia_angle_deg": "41.5", "left_angle_method": "phone"},
            "left_tibia_angle_deg",
            "A phone angle comes from a capture",
        ),
        ({"measured_at": timezone.now() + timedelta(days=1)}, "measured_at", "future"),
        ({"measured_at": None}, "measured_at", "when the test was done"),
        ({"symptomatic_side": "middle"}, "symptomatic_side", "left, right, both"),
        ({"lumbar_flexion": "stiff"}, "lumbar_flexion", "full, limited or painful"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(patient, therapist, changes, field, reason):
    with pytest.raises(ValidationError) as error:
        services.assessment_record(
            patient=patient,
            measured_by=therapist,
            recorded_by=therapist,
            unit="cm",
            data=data_with(**changes),
        )
    assert field in error.value.message_dict
    assert reason in " ".join(error.value.message_dict[field])
    assert not Assessment.objects.exists()
    assert not AssessmentRevision.objects.exists()


def test_one_bad_side_saves_neither_side(patient, therapist):
    with pytest.raises(ValidationError) as error:
        services.assessment_record(
            patient=patient,
            measured_by=therapist,
            recorded_by=therapist,
            unit="in",
            data=data_with(left_distance="4", right_distance="11"),  # 11 in is implausible
        )
    assert set(error.value.message_dict) == {"right_distance"}
    assert not AssessmentRevision.objects.exists()


def test_a_therapist_of_another_clinic_cannot_be_named(patient, therapist, other_clinic_therapist):
    with pytest.raises(ValidationError) as error:
        record_knee_to_wall(patient, other_clinic_therapist)
    assert "measured_by" in error.value.message_dict


def test_the_front_desk_cannot_be_the_measuring_therapist(patient, front_desk):
    with pytest.raises(ValidationError) as error:
        record_knee_to_wall(patient, front_desk)
    assert "measured_by" in error.value.message_dict


def test_a_discharged_patient_gets_no_new_test(patient, therapist):
    from clinic.services import patient_discharge

    patient_discharge(patient=patient)
    with pytest.raises(ValidationError) as error:
        record_knee_to_wall(patient, therapist)
    assert "patient" in error.value.message_dict


def test_the_unit_entered_becomes_the_therapists_default(patient, therapist):
    assert therapist.preferred_unit == patient.clinic.display_unit == LengthUnit.CM
    record_knee_to_wall(patient, therapist, left="4", right="4", unit="in")
    therapist.refresh_from_db()
    assert therapist.preferred_unit == LengthUnit.IN


def test_a_correction_keeps_the_earlier_values_who_and_when(patient, therapist, clinic_admin):
    original = record_knee_to_wall(patient, therapist, left="9.5", right="10")
    corrected = services.assessment_correct(
        assessment=original.assessment,
        corrected_by=clinic_admin,
        measured_by=therapist,
        unit="cm",
        reason="Left and right were swapped.",
        data=data_with(left_distance="10", right_distance="9.5"),
    )
    original.refresh_from_db()
    assert original.is_current is False
    assert original.left_distance_um == 95_000  # untouched
    assert corrected.is_current is True
    assert corrected.number == 2
    assert corrected.recorded_by == clinic_admin
    assert corrected.correction_reason == "Left and right were swapped."
    assert AssessmentRevision.objects.filter(assessment=original.assessment).count() == 2
    assert [r.revision.number for r in patient_readings(patient=patient)] == [2]


def test_a_correction_needs_a_reason_and_leaves_everything_as_it_was(patient, therapist):
    original = record_knee_to_wall(patient, therapist)
    with pytest.raises(ValidationError) as error:
        services.assessment_correct(
            assessment=original.assessment,
            corrected_by=therapist,
            measured_by=therapist,
            unit="cm",
            reason="  ",
            data=data_with(left_distance="99"),
        )
    assert {"correction_reason", "left_distance"} <= set(error.value.message_dict)
    original.refresh_from_db()
    assert original.is_current
    assert AssessmentRevision.objects.count() == 1


def test_self_tests_are_never_a_baseline_nor_classified(patient, therapist):
    services.self_test_record(
        patient=patient,
        unit="cm",
        data={
            "measured_at": timezone.now() - timedelta(days=30),
            "left_distance": "5",
            "right_distance": "5",
        },
    )
    record_knee_to_wall(patient, therapist, left="8", right="8", days_ago=20)
    services.self_test_record(
        patient=patient,
        unit="cm",
        data={
            "measured_at": timezone.now() - timedelta(days=10),
            "left_distance": "15",
            "right_distance": "15",
        },
    )
    record_knee_to_wall(patient, therapist, left="10.5", right="8.5", days_ago=1)

    self_early, baseline, self_late, latest = patient_readings(patient=patient)
    assert self_early.is_self_test
    assert self_early.left.since_baseline is None
    assert baseline.is_baseline
    assert not self_early.is_baseline
    assert self_late.left.since_baseline is None
    assert self_late.left.since_previous is None
    assert latest.left.since_baseline.before.um == 80_000  # the clinic test, not a self-test
    assert latest.left.since_baseline.classification == ChangeClass.IMPROVED  # 2.5 ≥ 1.9
    assert latest.right.since_baseline.classification == ChangeClass.NO_REAL_CHANGE
    assert latest.left.since_previous.before.um == 80_000


def test_another_therapist_is_judged_by_the_between_therapist_mdc(patient, therapist, clinic):
    colleague = StaffFactory(clinic=clinic, role="therapist")
    record_knee_to_wall(patient, therapist, left="10", right="10", days_ago=21)
    record_knee_to_wall(patient, colleague, left="11.7", right="11.5", days_ago=0)
    latest = patient_readings(patient=patient)[-1]
    assert latest.left.since_baseline.mdc_um == 16_000
    assert latest.left.since_baseline.classification == ChangeClass.IMPROVED  # 1.7 ≥ 1.6
    assert latest.right.since_baseline.classification == ChangeClass.NO_REAL_CHANGE  # 1.5


def test_a_self_test_cannot_be_corrected(patient, therapist):
    revision = services.self_test_record(
        patient=patient,
        unit="cm",
        data={"measured_at": timezone.now(), "left_distance": "5", "right_distance": "5"},
    )
    with pytest.raises(ValidationError) as error:
        services.assessment_correct(
            assessment=revision.assessment,
            corrected_by=therapist,
            measured_by=therapist,
            unit="cm",
            reason="typo",
            data=data_with(),
        )
    assert "assessment" in error.value.message_dict


@pytest.mark.parametrize(
    "moment",
    [
        # Near year 1: cannot even be moved into the clinic's zone (the fuzz suite's find).
        "0001-01-01T00:01:00+00:00",
        # The evening before the birthday in Chicago, already the birthday in UTC.
        "BIRTHDAY_EVE",
    ],
)
def test_a_test_before_the_patient_was_born_is_refused_in_the_clinics_zone(
    patient, therapist, moment
):
    from datetime import UTC, datetime, time

    if moment == "BIRTHDAY_EVE":
        eve = datetime.combine(patient.date_of_birth, time(1, 30), tzinfo=UTC)
        moment = eve.isoformat()
    with pytest.raises(ValidationError) as caught:
        services.assessment_record(
            patient=patient,
            recorded_by=therapist,
            measured_by=therapist,
            unit="cm",
            data={
                "measured_at": datetime.fromisoformat(moment),
                "left_distance": "10",
                "right_distance": "10",
            },
        )
    assert caught.value.message_dict["measured_at"] == [
        "The test cannot be before the patient was born."
    ]
