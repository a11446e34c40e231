"""The lunge angle (issue 16 §2): stored with its method, judged against the angle's own MDC by
the distance's rules, shown beside the distance, charted in degrees."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments import services
from assessments.interpretation import AngleValue, ChangeClass, Thresholds, angle_change_between
from assessments.models import AssessmentRevision
from assessments.selectors import interpret_history, latest_reading, patient_readings
from tests.factories import StaffFactory, record_knee_to_wall

pytestmark = pytest.mark.django_db


def angle(degrees: str, method: str = "phone") -> AngleValue:
    return AngleValue(Decimal(degrees), method)


@pytest.mark.parametrize(
    ("before", "after", "same_therapist", "expected"),
    [
        ("35.0", "39.6", True, ChangeClass.NO_REAL_CHANGE),  # +4.6 < 4.7, same therapist
        ("35.0", "39.7", True, ChangeClass.IMPROVED),  # +4.7 reaches it
        ("35.0", "39.6", False, ChangeClass.IMPROVED),  # +4.6 reaches 4.6, another therapist
        ("35.0", "30.4", False, ChangeClass.WORSE),
        ("35.0", "30.5", False, ChangeClass.NO_REAL_CHANGE),
        ("-4.0", "2.0", True, ChangeClass.IMPROVED),  # from behind vertical
    ],
)
def test_an_angle_change_is_real_only_at_the_angles_mdc(before, after, same_therapist, expected):
    change = angle_change_between(
        before=angle(before),
        before_therapist_id=1,
        after=angle(after),
        after_therapist_id=1 if same_therapist else 2,
        thresholds=Thresholds(),
    )
    assert change.classification == expected
    assert change.mdc_deg == (Decimal("4.7") if same_therapist else Decimal("4.6"))


def test_an_estimated_or_missing_angle_is_never_compared():
    estimate = AngleValue.of(measured_deg=None, method="", distance_um=120_000)
    assert estimate.approximate
    assert not estimate.measured
    assert str(estimate) == "≈ 43° (estimated from distance, approximate)"
    for before, after in (
        (estimate, angle("40")),
        (angle("40"), estimate),
        (AngleValue(None),) * 2,
    ):
        assert (
            angle_change_between(
                before=before,
                before_therapist_id=1,
                after=after,
                after_therapist_id=1,
                thresholds=Thresholds(),
            )
            is None
        )


def test_different_instruments_are_compared_with_a_note():
    change = angle_change_between(
        before=angle("35", "inclinometer"),
        before_therapist_id=1,
        after=angle("41", "phone"),
        after_therapist_id=1,
        thresholds=Thresholds(),
    )
    assert change.classification == ChangeClass.IMPROVED
    assert change.note == "instruments differ: inclinometer, then phone tilt sensor"


def test_the_angle_baseline_is_the_first_clinic_test_that_measured_it_and_self_tests_never_count(
    patient, therapist, clinic
):
    # First clinic test: no angle. Then a self-test with a phone angle. Then two clinic angles.
    record_knee_to_wall(patient, therapist, left="8", right="8", days_ago=60)
    services.self_test_record(
        patient=patient,
        unit="cm",
        data={
            "measured_at": timezone.now() - timezone.timedelta(days=50),
            "left_distance": "9",
            "right_distance": "9",
            "left_tibia_angle_deg": "20.0",
            "left_angle_method": "phone",
            "left_angle_spread_deg": "0.4",
        },
    )
    record_knee_to_wall(
        patient,
        therapist,
        left="9",
        right="9",
        days_ago=40,
        left_tibia_angle_deg="30.0",
        left_angle_method="phone",
        left_angle_spread_deg="0.6",
    )
    other = StaffFactory(clinic=clinic, role="therapist")
    record_knee_to_wall(
        patient,
        other,
        left="9.5",
        right="9",
        days_ago=20,
        left_tibia_angle_deg="34.6",
        left_angle_method="inclinometer",
    )
    readings = patient_readings(patient=patient)
    first, self_test, angle_baseline, latest = readings
    assert first.left.angle.approximate
    assert first.left.angle_since_baseline is None
    assert self_test.is_self_test
    assert self_test.left.angle_since_baseline is None
    assert angle_baseline.left.angle_since_baseline is None  # it is the angle's first
    change = latest.left.angle_since_baseline
    assert change.before.degrees == Decimal("30.0")  # not the self-test's 20°
    assert change.mdc_deg == Decimal("4.6")  # another therapist
    assert change.classification == ChangeClass.IMPROVED
    assert latest.left.angle_since_previous == change
    assert latest.right.angle_since_baseline is None  # never measured on the right

    # The dashboard's shortcut (only the last reading interpreted) reads the same latest test,
    # with and without a self-test last.
    revisions = [reading.revision for reading in readings]
    thresholds = Thresholds.for_clinic(clinic)
    for history in (revisions, [revisions[1]], [*revisions[:1], *revisions[2:], revisions[1]]):
        whole = interpret_history(history, thresholds)[-1]
        assert latest_reading(history, thresholds) == replace(whole, previous=None)
    assert latest_reading([], thresholds) is None


def test_the_clinics_angle_mdc_is_a_setting(patient, therapist, clinic):
    clinic.angle_mdc_same_therapist_deg = Decimal("6.0")
    clinic.save()
    for days_ago, degrees in ((30, "30.0"), (0, "35.0")):
        record_knee_to_wall(
            patient,
            therapist,
            days_ago=days_ago,
            left_tibia_angle_deg=degrees,
            left_angle_method="goniometer",
        )
    change = patient_readings(patient=patient)[-1].left.angle_since_baseline
    assert (change.mdc_deg, change.classification) == (Decimal("6.0"), ChangeClass.NO_REAL_CHANGE)


def test_a_correction_may_keep_an_earlier_angles_unrecorded_method_but_a_new_test_may_not(
    patient, therapist
):
    revision = record_knee_to_wall(
        patient, therapist, left_tibia_angle_deg="30.0", left_angle_method="inclinometer"
    )
    # As the upgrade leaves an angle from before Dorsi kept the method.
    AssessmentRevision.objects.filter(pk=revision.pk).update(left_angle_method="unrecorded")
    corrected = services.assessment_correct(
        assessment=revision.assessment,
        corrected_by=therapist,
        measured_by=therapist,
        unit="cm",
        reason="pain score was missing",
        data={
            "measured_at": revision.measured_at,
            "left_distance": "10",
            "right_distance": "10",
            "left_tibia_angle_deg": "30.0",
            "left_angle_method": "unrecorded",
            "left_pain": 2,
        },
    )
    assert (corrected.left_angle_method, corrected.left_pain) == ("unrecorded", 2)


def test_a_self_tests_angle_is_the_phones(patient):
    data = {
        "measured_at": timezone.now(),
        "left_distance": "9",
        "right_distance": "9",
        "left_tibia_angle_deg": "31.5",
        "left_angle_method": "goniometer",
    }
    with pytest.raises(ValidationError) as refused:
        services.self_test_record(patient=patient, unit="cm", data=data)
    assert "measured with the phone" in refused.value.message_dict["left_angle_method"][0]
    assert not AssessmentRevision.objects.exists()
    typed = {**data, "left_angle_method": "phone"}
    with pytest.raises(ValidationError) as refused:
        services.self_test_record(patient=patient, unit="cm", data=typed)
    # A number typed into a phone angle is not a phone measurement.
    assert "press Measure" in refused.value.message_dict["left_tibia_angle_deg"][0]
    saved = services.self_test_record(
        patient=patient, unit="cm", data={**typed, "left_angle_spread_deg": "0.4"}
    )
    assert saved.left_tibia_angle_deg == Decimal("31.5")


def test_a_phone_angle_comes_with_its_capture_and_a_stale_spread_is_dropped(patient, therapist):
    """Retyped after a capture, a phone angle has no spread: refused, naming the field. A
    spread left behind after another instrument was chosen is dropped, not held against the
    therapist (a hidden input they cannot clear)."""
    with pytest.raises(ValidationError) as refused:
        record_knee_to_wall(
            patient, therapist, left_tibia_angle_deg="31.0", left_angle_method="phone"
        )
    assert "measure again with the phone" in refused.value.message_dict["left_tibia_angle_deg"][0]
    assert not AssessmentRevision.objects.exists()
    saved = record_knee_to_wall(
        patient,
        therapist,
        left_tibia_angle_deg="31.0",
        left_angle_method="goniometer",
        left_angle_spread_deg="0.4",
    )
    assert (saved.left_angle_method, saved.left_angle_spread_deg) == ("goniometer", None)


def test_a_correction_keeps_an_unchanged_angle_from_before_the_range_narrowed(patient, therapist):
    """An angle stored up to 80° before new entries stopped at 70°: correcting the distance
    keeps it; changing it is held to today's range, and may not use "not recorded"."""
    revision = record_knee_to_wall(
        patient, therapist, left_tibia_angle_deg="60.0", left_angle_method="inclinometer"
    )
    AssessmentRevision.objects.filter(pk=revision.pk).update(
        left_tibia_angle_deg=Decimal("74.0"), left_angle_method="unrecorded"
    )
    data = {
        "measured_at": revision.measured_at,
        "left_distance": "11",
        "right_distance": "10",
        "left_tibia_angle_deg": "74.0",
        "left_angle_method": "unrecorded",
    }
    corrected = services.assessment_correct(
        assessment=revision.assessment,
        corrected_by=therapist,
        measured_by=therapist,
        unit="cm",
        reason="distance typo",
        data=data,
    )
    assert (corrected.left_distance_um, corrected.left_tibia_angle_deg) == (
        110_000,
        Decimal("74.0"),
    )
    for changed, field in (
        ({"left_tibia_angle_deg": "75.0"}, "left_tibia_angle_deg"),
        ({"left_tibia_angle_deg": "40.0"}, "left_angle_method"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.assessment_correct(
                assessment=revision.assessment,
                corrected_by=therapist,
                measured_by=therapist,
                unit="cm",
                reason="angle",
                data={**data, **changed},
            )
        assert field in refused.value.message_dict
    assert revision.assessment.revisions.count() == 2


def test_the_storage_refuses_an_angle_without_its_method(patient, therapist):
    """The database's own check, for a write that skips the service (a data fix, a script)."""
    from django.db import IntegrityError, transaction

    revision = record_knee_to_wall(patient, therapist)
    with pytest.raises(IntegrityError, match="angle_has_method"), transaction.atomic():
        AssessmentRevision.objects.filter(pk=revision.pk).update(left_tibia_angle_deg=30)
    with pytest.raises(IntegrityError, match="steady_phone_capture"), transaction.atomic():
        AssessmentRevision.objects.filter(pk=revision.pk).update(
            left_tibia_angle_deg=30, left_angle_method="phone", left_angle_spread_deg=3
        )


def test_pages_show_the_angle_with_its_method_and_its_change_and_chart_it_in_degrees(
    client_as, patient, therapist
):
    for days_ago, degrees in ((21, "33.0"), (0, "38.5")):
        record_knee_to_wall(
            patient,
            therapist,
            days_ago=days_ago,
            left="10",
            right="10",
            left_tibia_angle_deg=degrees,
            left_angle_method="phone",
            left_angle_spread_deg="0.5",
        )
    latest = patient_readings(patient=patient)[-1].revision.assessment
    client = client_as("therapist")
    detail = client.get(f"/assessments/{latest.pk}/").content.decode()
    assert "38.5° (phone tilt sensor)" in detail
    assert "steady within 0.5°" in detail
    assert "+5.5°" in detail
    assert "a real improvement" in detail
    assert "MDC 4.7°" in detail
    assert "≈ 36° (estimated from distance, approximate)" in detail  # the right side
    history = client.get(f"/patients/{patient.pk}/knee-to-wall/").content.decode()
    assert "Chart the angle (°)" in history
    in_degrees = client.get(f"/patients/{patient.pk}/knee-to-wall/?chart=deg").content.decode()
    assert "Left lunge angle over time (degrees from vertical)" in in_degrees
    assert "first angle ± 4.7° (no real change)" in in_degrees
    assert "Right lunge angle" not in in_degrees  # nothing measured on the right


def test_the_api_returns_the_angle_its_method_and_its_change(client_as, patient, therapist):
    for days_ago, degrees in ((21, "33.0"), (0, "38.5")):
        record_knee_to_wall(
            patient,
            therapist,
            days_ago=days_ago,
            left_tibia_angle_deg=degrees,
            left_angle_method="phone",
            left_angle_spread_deg="0.5",
        )
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(therapist)
    body = api.get(f"/api/v1/assessments/?patient={patient.pk}").json()
    latest = max(body["results"], key=lambda row: row["measured_at"])
    assert latest["left"]["tibia_angle_deg"] == "38.5"
    assert latest["left"]["angle_method"] == "phone"
    assert latest["left"]["angle_change_since_baseline"] == {
        "delta_deg": "5.5",
        "mdc_deg": "4.7",
        "classification": "improved",
        "note": "",
    }
    assert latest["right"]["angle_method"] == ""
    refused = api.post(
        "/api/v1/assessments/",
        {
            "patient": patient.pk,
            "unit": "cm",
            "measured_at": timezone.now().isoformat(),
            "left_distance": "10",
            "right_distance": "10",
            "left_tibia_angle_deg": "40.0",
            "left_angle_method": "phone",
            "left_angle_spread_deg": "1.8",
        },
        format="json",
    )
    assert refused.status_code == 400
    assert "moving during the capture" in str(refused.json())
    assert AssessmentRevision.objects.count() == 2
