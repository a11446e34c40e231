import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exercises import services
from exercises.models import (
    Exercise,
    ExerciseLog,
    PrescriptionItem,
    PrescriptionVersion,
    SessionLog,
)
from exercises.selectors import adherence_for_patients, patient_adherence
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def all_done(version) -> dict[int, str]:
    return {item.pk: "done" for item in version.items.all()}


def log(patient, version, **changes):
    arguments = {
        "patient": patient,
        "version": version,
        "client_token": uuid.uuid4(),
        "statuses": all_done(version),
        "pain": 3,
        **changes,
    }
    return services.session_log_record(**arguments)


def test_the_library_holds_the_briefs_exercises(exercise_library):
    names = set(Exercise.objects.filter(clinic__isnull=True).values_list("slug", flat=True))
    assert names == {
        "runners-calf-stretch",
        "calf-roll-foam-roller",
        "calf-roll-lacrosse-ball",
        "hip-stretch",
        "soleus-stretch",
        "knee-to-wall-mobilisation",
        "knee-to-wall-self-test",
    }
    runner = Exercise.objects.get(slug="runners-calf-stretch")
    assert (runner.seconds_per_bout, runner.style) == (120, "in_and_out")
    assert (runner.into_tension_seconds, runner.ease_off_seconds) == (10, 5)
    assert [i.exercise.slug for i in exercise_library.items.all()] == [
        "calf-roll-foam-roller",
        "runners-calf-stretch",
        "hip-stretch",
    ]


def test_a_clinic_adapts_a_copy_without_changing_the_shared_library(clinic, exercise_library):
    shared = Exercise.objects.get(slug="hip-stretch")
    copy = services.exercise_adapt(
        exercise=shared,
        clinic=clinic,
        fields={"name": "Hip stretch, our way", "seconds_per_bout": 60},
    )
    shared.refresh_from_db()
    assert shared.seconds_per_bout == 90
    assert shared.name.startswith("Hip stretch (")
    assert (copy.clinic, copy.based_on, copy.seconds_per_bout) == (clinic, shared, 60)
    with pytest.raises(ValidationError) as error:
        services.exercise_update(exercise=shared, fields={"name": "Mine now"})
    assert "exercise" in error.value.message_dict


def test_prescribing_a_template_copies_its_doses_and_sets_the_retest(prescribed, patient):
    assert prescribed.number == 1
    assert prescribed.retest_on == prescribed.effective_from + timedelta(days=21)
    doses = [(i.exercise.slug, i.seconds_per_bout) for i in prescribed.items.all()]
    assert doses == [
        ("calf-roll-foam-roller", 90),
        ("runners-calf-stretch", 120),
        ("hip-stretch", 90),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seconds_per_bout": 0}, "Item 1, seconds per bout: A bout lasts from 1 s to 30 min"),
        ({"seconds_per_bout": 1801}, "Item 1, seconds per bout: A bout lasts from 1 s to 30 min"),
        ({"bouts": 0}, "Item 1, bouts"),
        ({"style": "in_and_out", "into_tension_seconds": None}, "Item 1, into tension seconds"),
    ],
)
def test_bad_doses_are_refused_naming_the_item_and_field(
    patient, therapist, exercise_library, change, message
):
    items = services.template_items(exercise_library)
    items[0] = {**items[0], **change}
    with pytest.raises(ValidationError) as error:
        services.routine_assign(
            patient=patient, prescribed_by=therapist, items=items, title="Calf routine"
        )
    assert any(message in text for text in error.value.message_dict["items"])
    assert not PrescriptionVersion.objects.exists()
    assert not PrescriptionItem.objects.exists()


def test_the_front_desk_cannot_prescribe(patient, front_desk, exercise_library):
    with pytest.raises(ValidationError) as error:
        services.routine_assign(
            patient=patient,
            prescribed_by=front_desk,
            items=services.template_items(exercise_library),
            title="x",
        )
    assert "prescribed_by" in error.value.message_dict


def test_another_clinics_exercise_cannot_be_prescribed(patient, therapist, other_clinic):
    foreign = services.exercise_create(
        clinic=other_clinic,
        fields={
            "name": "Secret",
            "purpose": "p",
            "instructions": "i",
            "seconds_per_bout": 60,
            "bouts": 1,
            "per_side": False,
            "style": "static",
        },
    )
    items = [{"exercise": foreign, **foreign.dose_fields()}]
    with pytest.raises(ValidationError) as error:
        services.routine_assign(patient=patient, prescribed_by=therapist, items=items, title="x")
    assert "your clinic's library" in error.value.message_dict["items"][0]


def test_changing_a_prescription_makes_a_new_version_and_logs_stay_with_the_old(
    prescribed, patient, therapist
):
    first_log, _ = log(patient, prescribed)
    items = [
        {**services_item, "seconds_per_bout": 100}
        for services_item in [
            {"exercise": i.exercise, **i.dose_fields()} for i in prescribed.items.all()
        ]
    ]
    second = services.prescription_change(
        prescription=prescribed.prescription,
        changed_by=therapist,
        items=items,
        times_per_day=2,
        days_of_week=0b1111111,
    )
    prescribed.refresh_from_db()
    assert (prescribed.is_current, second.is_current, second.number) == (False, True, 2)
    assert [i.seconds_per_bout for i in prescribed.items.all()] == [90, 120, 90]  # unchanged
    assert [i.seconds_per_bout for i in second.items.all()] == [100, 100, 100]
    first_log.refresh_from_db()
    assert first_log.version == prescribed
    second_log, _ = log(patient, second)
    assert second_log.version == second


def test_the_same_log_submitted_twice_is_recorded_once(prescribed, patient):
    token = uuid.uuid4()
    first, created = log(patient, prescribed, client_token=token)
    again, created_again = log(patient, prescribed, client_token=token, pain=9)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert again.pain == 3
    assert SessionLog.objects.count() == 1
    assert ExerciseLog.objects.count() == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pain": 11}, "pain"),
        ({"pain": -1}, "pain"),
        ({"pain": "lots"}, "pain"),
        ({"session_date": "future"}, "session_date"),
        ({"statuses": {}}, "statuses"),
        ({"client_token": "not-a-uuid"}, "client_token"),
    ],
)
def test_bad_logs_are_refused_naming_the_field_and_nothing_is_saved(
    prescribed, patient, change, field
):
    if change.get("session_date") == "future":
        change = {"session_date": patient.clinic.local_now().date() + timedelta(days=1)}
    with pytest.raises(ValidationError) as error:
        log(patient, prescribed, **change)
    assert field in error.value.message_dict
    assert not SessionLog.objects.exists()
    assert not ExerciseLog.objects.exists()


def test_a_patient_cannot_log_against_another_patients_prescription(prescribed, other_patient):
    with pytest.raises(ValidationError) as error:
        log(other_patient, prescribed)
    assert "prescription" in error.value.message_dict
    assert not SessionLog.objects.exists()


def test_a_day_takes_only_the_prescribed_number_of_sessions(prescribed, patient):
    log(patient, prescribed)
    with pytest.raises(ValidationError) as error:
        log(patient, prescribed)
    assert error.value.message_dict["session_date"] == ["The session of that day is logged."]


def test_adherence_and_streak_from_the_logs(prescribed, patient):
    today = patient.clinic.local_now().date()
    for days_ago in (0, 1, 2):
        log(patient, prescribed, session_date=today - timedelta(days=days_ago))
    skipped = {item.pk: "skipped" for item in prescribed.items.all()}
    log(patient, prescribed, session_date=today - timedelta(days=3), statuses=skipped)
    adherence = patient_adherence(patient=patient)
    assert adherence.streak == 3  # a fully skipped session is not a session done
    done_total = sum(week.done for week in adherence.weeks)
    prescribed_total = sum(week.prescribed for week in adherence.weeks)
    assert (done_total, prescribed_total) == (3, 8)  # start a week ago, today included
    assert len(adherence.weeks) == 5


def test_adherence_for_many_patients_takes_a_fixed_number_of_queries(
    prescribed, patient, clinic, therapist, exercise_library
):
    def queries(ids) -> int:
        with CaptureQueriesContext(connection) as context:
            adherence_for_patients(patient_ids=ids)
        return len(context)

    few = queries([patient.pk])
    others = PatientFactory.create_batch(10, clinic=clinic)
    for other in others:
        version = services.routine_assign(
            patient=other,
            prescribed_by=therapist,
            title="r",
            items=services.template_items(exercise_library),
        )
        log(other, version)
    assert queries([patient.pk, *[o.pk for o in others]]) == few


def test_a_log_for_a_day_after_the_version_was_replaced_is_refused(prescribed, patient, therapist):
    today = patient.clinic.local_now().date()
    services.prescription_change(
        prescription=prescribed.prescription,
        changed_by=therapist,
        items=[{"exercise": i.exercise, **i.dose_fields()} for i in prescribed.items.all()],
        times_per_day=1,
        days_of_week=0b1111111,
        effective_from=today - timedelta(days=2),
    )
    with pytest.raises(ValidationError) as error:
        log(patient, prescribed, session_date=today)
    assert "changed or ended" in error.value.message_dict["session_date"][0]
    logged, created = log(patient, prescribed, session_date=today - timedelta(days=3))
    assert created
    assert logged.version == prescribed


def test_a_change_keeps_the_retest_date_unless_given(prescribed, therapist):
    second = services.prescription_change(
        prescription=prescribed.prescription,
        changed_by=therapist,
        items=[{"exercise": i.exercise, **i.dose_fields()} for i in prescribed.items.all()],
        times_per_day=2,
        days_of_week=0b0011111,
    )
    assert second.retest_on == prescribed.retest_on
