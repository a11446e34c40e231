import importlib
import threading
import uuid
from datetime import date, timedelta

import django.apps
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exercises import services
from exercises.models import (
    Exercise,
    ExerciseLog,
    Prescription,
    PrescriptionItem,
    PrescriptionVersion,
    RoutineTemplate,
    RoutineTemplateItem,
    SessionLog,
)
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

EXERCISES = "/api/v1/exercises/"
ROUTINES = "/api/v1/routines/"
PRESCRIPTIONS = "/api/v1/prescriptions/"
SESSIONS = "/api/v1/session-logs/"
SHARED_IS_READ_ONLY = "The shared library cannot be changed; adapt a copy."


@pytest.fixture(autouse=True)
def library(db) -> None:
    # Tests with transactional_db flush the tables the data migration filled.
    importlib.import_module("exercises.migrations.0002_seed_library").seed(django.apps.apps, None)


def today(clinic) -> date:
    return clinic.local_now().date()


def shared(slug: str = "runners-calf-stretch") -> Exercise:
    return Exercise.objects.get(clinic=None, slug=slug)


def starter() -> RoutineTemplate:
    return RoutineTemplate.objects.get(clinic=None)


def exercise_fields(**changes) -> dict:
    return {
        "name": "Wall ankle rocks",
        "purpose": "Moves the ankle into dorsiflexion under load.",
        "instructions": "Face a wall.\nRock the knee forward over the toes.",
        "seconds_per_bout": 60,
        "bouts": 2,
        "per_side": True,
        "style": "static",
        **changes,
    }


@pytest.fixture
def own_exercise(clinic) -> Exercise:
    return services.exercise_create(clinic=clinic, fields=exercise_fields())


@pytest.fixture
def foreign_exercise(other_clinic) -> Exercise:
    return services.exercise_create(
        clinic=other_clinic, fields=exercise_fields(name="Hillside heel drops")
    )


def prescribe(patient, prescriber, *, days_ago: int = 10, title: str = "Calf routine"):
    return services.routine_assign(
        patient=patient,
        prescribed_by=prescriber,
        items=services.template_items(starter()),
        title=title,
        start_date=today(patient.clinic) - timedelta(days=days_ago),
        template=starter(),
    )


def log_session(patient, version, *, days_ago: int = 1, status: str = "done") -> SessionLog:
    log, _ = services.session_log_record(
        patient=patient,
        version=version,
        client_token=uuid.uuid4(),
        statuses={item.pk: status for item in version.items.all()},
        session_date=today(patient.clinic) - timedelta(days=days_ago),
    )
    return log


@pytest.fixture
def prescribed(patient, other_patient, foreign_patient, therapist, other_clinic_therapist):
    """The current version of a routine for each of the three patients."""
    return {
        "patient": prescribe(patient, therapist),
        "other_patient": prescribe(other_patient, therapist),
        "foreign_patient": prescribe(foreign_patient, other_clinic_therapist),
    }


@pytest.fixture
def logged(prescribed, patient, other_patient, foreign_patient):
    return {
        "patient": log_session(patient, prescribed["patient"]),
        "other_patient": log_session(other_patient, prescribed["other_patient"]),
        "foreign_patient": log_session(foreign_patient, prescribed["foreign_patient"]),
    }


def names_by_patient(patient, other_patient, foreign_patient) -> dict[int, str]:
    return {patient.pk: "Alex", other_patient.pk: "Bianca", foreign_patient.pk: "Farid"}


# --- Exercise library -------------------------------------------------------------------------

LIBRARY_LIST_EXPECTATIONS = {
    "anonymous": (401, None),
    "patient": (403, None),
    "other_patient": (403, None),
    "therapist": (200, "Wall ankle rocks"),
    "front_desk": (200, "Wall ankle rocks"),
    "clinic_admin": (200, "Wall ankle rocks"),
    "other_clinic_therapist": (200, "Hillside heel drops"),
}


@pytest.mark.parametrize(("role", "expected"), LIBRARY_LIST_EXPECTATIONS.items())
def test_staff_see_the_shared_library_and_their_clinics_own_exercises(
    client_as, own_exercise, foreign_exercise, role, expected
):
    status, own_name = expected
    response = client_as(role).get(EXERCISES)
    assert response.status_code == status
    if own_name is not None:
        names = {row["name"] for row in response.json()["results"]}
        shared_names = set(Exercise.objects.filter(clinic=None).values_list("name", flat=True))
        assert names == shared_names | {own_name}


LIBRARY_DETAIL_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 403,
    "other_patient": 403,
    "therapist": 200,
    "front_desk": 200,
    "clinic_admin": 200,
    "other_clinic_therapist": 404,
}


@pytest.mark.parametrize(("role", "status"), LIBRARY_DETAIL_EXPECTATIONS.items())
def test_a_clinics_own_exercise_is_read_by_its_staff_only(client_as, own_exercise, role, status):
    response = client_as(role).get(f"{EXERCISES}{own_exercise.pk}/")
    assert response.status_code == status


def test_an_exercise_answers_with_its_steps_picture_and_default_dose(client_as):
    exercise = shared()
    body = client_as("therapist").get(f"{EXERCISES}{exercise.pk}/").json()
    assert body["name"] == exercise.name
    assert body["steps"] == exercise.steps
    assert body["cues"][0] == "Back heel stays on the floor"
    assert body["picture"] == "/static/img/exercises/runners-calf-stretch.svg"
    assert body["is_shared"] is True
    assert body["based_on"] is None
    assert body["seconds_per_bout"] == 120
    assert body["per_side"] is True
    assert body["style"] == "in_and_out"
    assert body["into_tension_seconds"] == 10
    assert body["ease_off_seconds"] == 5


def test_the_library_is_searched_by_name_and_purpose(client_as, own_exercise):
    client = client_as("therapist")
    by_name = client.get(EXERCISES, {"search": "lacrosse"}).json()["results"]
    assert [row["name"] for row in by_name] == ["Calf rolling with a lacrosse ball"]
    by_purpose = client.get(EXERCISES, {"search": "dorsiflexion under load"}).json()["results"]
    assert [row["name"] for row in by_purpose] == ["Wall ankle rocks"]


def new_exercise(**changes) -> dict:
    return {
        "name": "Heel drops on a step",
        "purpose": "Loads the calf through its full range.",
        "steps": ["Stand on a step on the balls of your feet.", "Lower the heels slowly."],
        "cues": ["Slow on the way down"],
        "seconds_per_bout": 45,
        "bouts": 3,
        "per_side": False,
        **changes,
    }


LIBRARY_WRITE_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 403,
    "other_patient": 403,
    "therapist": 403,
    "front_desk": 403,
    "clinic_admin": 201,
    "other_clinic_therapist": 403,
}


@pytest.mark.parametrize(("role", "status"), LIBRARY_WRITE_EXPECTATIONS.items())
def test_only_clinic_admins_add_exercises(client_as, clinic, role, status):
    response = client_as(role).post(EXERCISES, new_exercise(), content_type="application/json")
    assert response.status_code == status, response.content
    assert Exercise.objects.filter(clinic=clinic).exists() is (status == 201)


def test_an_added_exercise_belongs_to_the_admins_clinic(client_as, clinic):
    response = client_as("clinic_admin").post(
        EXERCISES, new_exercise(), content_type="application/json"
    )
    body = response.json()
    exercise = Exercise.objects.get(pk=body["id"])
    assert exercise.clinic == clinic
    assert exercise.instructions == (
        "Stand on a step on the balls of your feet.\nLower the heels slowly."
    )
    assert body["steps"] == new_exercise()["steps"]
    assert body["is_shared"] is False
    assert body["picture"] is None
    assert body["total_seconds"] == 135


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"seconds_per_bout": 0}, "seconds_per_bout"),
        ({"seconds_per_bout": 30 * 60 + 1}, "seconds_per_bout"),
        ({"bouts": 21}, "bouts"),
        ({"style": "in_and_out"}, "into_tension_seconds"),
        ({"steps": []}, "steps"),
        ({"steps": ["One\nTwo"]}, "steps"),
        ({"name": ""}, "name"),
        ({"video_url": "not a url"}, "video_url"),
    ],
)
def test_a_bad_exercise_is_a_400_naming_the_field(client_as, clinic, changes, field):
    response = client_as("clinic_admin").post(
        EXERCISES, new_exercise(**changes), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Exercise.objects.filter(clinic=clinic).exists()


LIBRARY_CHANGE_EXPECTATIONS = {**LIBRARY_WRITE_EXPECTATIONS, "clinic_admin": 200}
LIBRARY_CHANGE_EXPECTATIONS["other_clinic_therapist"] = 404


@pytest.mark.parametrize(("role", "status"), LIBRARY_CHANGE_EXPECTATIONS.items())
def test_only_clinic_admins_change_their_clinics_exercises(client_as, own_exercise, role, status):
    response = client_as(role).patch(
        f"{EXERCISES}{own_exercise.pk}/", {"seconds_per_bout": 75}, content_type="application/json"
    )
    assert response.status_code == status, response.content
    own_exercise.refresh_from_db()
    assert own_exercise.seconds_per_bout == (75 if status == 200 else 60)


def test_a_full_update_replaces_the_exercise(client_as, own_exercise):
    response = client_as("clinic_admin").put(
        f"{EXERCISES}{own_exercise.pk}/", new_exercise(), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    own_exercise.refresh_from_db()
    assert own_exercise.name == "Heel drops on a step"
    assert own_exercise.bouts == 3
    assert own_exercise.per_side is False


def test_the_shared_library_cannot_be_changed(client_as):
    exercise = shared()
    client = client_as("clinic_admin")
    url = f"{EXERCISES}{exercise.pk}/"
    for response in (
        client.patch(url, {"seconds_per_bout": 75}, content_type="application/json"),
        client.put(url, new_exercise(), content_type="application/json"),
    ):
        assert response.status_code == 403
        assert response.json()["detail"] == SHARED_IS_READ_ONLY
    exercise.refresh_from_db()
    assert exercise.seconds_per_bout == 120


def test_another_clinics_exercise_does_not_exist_for_an_admin(client_as, foreign_exercise):
    client = client_as("clinic_admin")
    url = f"{EXERCISES}{foreign_exercise.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"bouts": 3}, content_type="application/json").status_code == 404
    assert client.post(f"{url}adapt/", {}, content_type="application/json").status_code == 404


ADAPT_EXPECTATIONS = {**LIBRARY_WRITE_EXPECTATIONS}


@pytest.mark.parametrize(("role", "status"), ADAPT_EXPECTATIONS.items())
def test_clinic_admins_adapt_a_shared_exercise_into_a_copy(client_as, clinic, role, status):
    original = shared()
    response = client_as(role).post(
        f"{EXERCISES}{original.pk}/adapt/",
        {"seconds_per_bout": 90, "cues": ["Hold the wall lightly"]},
        content_type="application/json",
    )
    assert response.status_code == status, response.content
    copies = Exercise.objects.filter(based_on=original)
    assert copies.count() == (1 if status == 201 else 0)
    if status == 201:
        body = response.json()
        assert body["based_on"] == original.pk
        assert body["is_shared"] is False
        assert body["seconds_per_bout"] == 90
        assert body["cues"] == ["Hold the wall lightly"]
        assert body["steps"] == original.steps
        assert body["picture"] == "/static/img/exercises/runners-calf-stretch.svg"
        assert copies.get().clinic == clinic
        original.refresh_from_db()
        assert original.seconds_per_bout == 120


def test_exercises_are_never_deleted(client_as, own_exercise):
    response = client_as("clinic_admin").delete(f"{EXERCISES}{own_exercise.pk}/")
    assert response.status_code == 405
    assert Exercise.objects.filter(pk=own_exercise.pk).exists()


# --- Routine templates ------------------------------------------------------------------------


@pytest.fixture
def own_template(clinic, therapist) -> RoutineTemplate:
    return services.routine_template_create(
        clinic=clinic,
        created_by=therapist,
        name="Lakeside ankle routine",
        items=[{"exercise": shared(), "seconds_per_bout": 60, "bouts": 1, "style": "static"}],
    )


@pytest.fixture
def foreign_template(other_clinic, other_clinic_therapist) -> RoutineTemplate:
    return services.routine_template_create(
        clinic=other_clinic,
        created_by=other_clinic_therapist,
        name="Hillside routine",
        items=[{"exercise": shared(), "seconds_per_bout": 60, "bouts": 1, "style": "static"}],
    )


ROUTINE_LIST_EXPECTATIONS = {
    "anonymous": (401, None),
    "patient": (403, None),
    "other_patient": (403, None),
    "therapist": (200, "Lakeside ankle routine"),
    "front_desk": (403, None),
    "clinic_admin": (200, "Lakeside ankle routine"),
    "other_clinic_therapist": (200, "Hillside routine"),
}


@pytest.mark.parametrize(("role", "expected"), ROUTINE_LIST_EXPECTATIONS.items())
def test_clinicians_see_the_shared_templates_and_their_clinics(
    client_as, own_template, foreign_template, role, expected
):
    status, own_name = expected
    response = client_as(role).get(ROUTINES)
    assert response.status_code == status
    if own_name is not None:
        names = {row["name"] for row in response.json()["results"]}
        assert names == {starter().name, own_name}


ROUTINE_DETAIL_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 403,
    "other_patient": 403,
    "therapist": 200,
    "front_desk": 403,
    "clinic_admin": 200,
    "other_clinic_therapist": 404,
}


@pytest.mark.parametrize(("role", "status"), ROUTINE_DETAIL_EXPECTATIONS.items())
def test_a_clinics_template_is_read_by_its_clinicians(client_as, own_template, role, status):
    response = client_as(role).get(f"{ROUTINES}{own_template.pk}/")
    assert response.status_code == status


def test_the_starter_template_lists_its_exercises_and_doses(client_as):
    body = client_as("therapist").get(f"{ROUTINES}{starter().pk}/").json()
    assert body["is_shared"] is True
    assert [item["exercise_name"] for item in body["items"]] == [
        "Calf rolling with a foam roller",
        "Runner's calf stretch, in and out of tension",
        "Hip stretch (moves the hip, not the spine)",
    ]
    assert body["items"][1]["style"] == "in_and_out"
    assert body["items"][1]["seconds_per_bout"] == 120


def new_template(**changes) -> dict:
    return {
        "name": "Short calf routine",
        "description": "For busy days.",
        "items": [
            {"exercise": shared("calf-roll-foam-roller").pk, "seconds_per_bout": 90},
            {
                "exercise": shared().pk,
                "seconds_per_bout": 120,
                "style": "in_and_out",
                "into_tension_seconds": 10,
                "ease_off_seconds": 5,
            },
        ],
        **changes,
    }


ROUTINE_CREATE_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 403,
    "other_patient": 403,
    "therapist": 201,
    "front_desk": 403,
    "clinic_admin": 201,
    "other_clinic_therapist": 201,  # for their own clinic
}


@pytest.mark.parametrize(("role", "status"), ROUTINE_CREATE_EXPECTATIONS.items())
def test_clinicians_save_templates_for_their_own_clinic(client_as, request, role, status):
    response = client_as(role).post(ROUTINES, new_template(), content_type="application/json")
    assert response.status_code == status, response.content
    created = RoutineTemplate.objects.filter(name="Short calf routine")
    assert created.exists() is (status == 201)
    if status == 201:
        assert created.get().clinic == request.getfixturevalue(role).clinic
        assert [item["exercise_name"] for item in response.json()["items"]] == [
            "Calf rolling with a foam roller",
            "Runner's calf stretch, in and out of tension",
        ]


def item_with(**dose) -> dict:
    return {"exercise": shared("calf-roll-foam-roller").pk, "seconds_per_bout": 90, **dose}


def with_items(changes: dict) -> dict:
    """Table rows name items by their dose only; the exercise is looked up when the test runs."""
    if "items" in changes:
        return {**changes, "items": [item_with(**dose) for dose in changes["items"]]}
    return changes


@pytest.mark.parametrize(
    ("dose", "field"),
    [
        ({"seconds_per_bout": 0}, "seconds_per_bout"),
        ({"seconds_per_bout": 30 * 60 + 1}, "seconds_per_bout"),
        ({"bouts": 0}, "bouts"),
        ({"style": "in_and_out"}, "into_tension_seconds"),
        ({"style": "bouncing"}, "style"),
    ],
)
def test_a_bad_dose_in_a_template_names_the_item_field(client_as, dose, field):
    template_items = RoutineTemplateItem.objects.count()
    data = new_template(items=[new_template()["items"][1], item_with(**dose)])
    response = client_as("therapist").post(ROUTINES, data, content_type="application/json")
    assert response.status_code == 400, response.content
    errors = response.json()["items"]
    assert list(errors) == ["1"]  # the second item, by its index
    assert field in errors["1"]
    assert not RoutineTemplate.objects.filter(name="Short calf routine").exists()
    assert RoutineTemplateItem.objects.count() == template_items


def test_a_template_cannot_use_another_clinics_exercise(client_as, foreign_exercise):
    data = new_template(items=[{"exercise": foreign_exercise.pk, "seconds_per_bout": 60}])
    response = client_as("therapist").post(ROUTINES, data, content_type="application/json")
    assert response.status_code == 400
    assert "items" in response.json()
    assert not RoutineTemplate.objects.filter(name="Short calf routine").exists()


# --- Prescriptions ----------------------------------------------------------------------------

PRESCRIPTION_LIST_EXPECTATIONS = {
    "anonymous": (401, None),
    "patient": (200, {"Alex"}),
    "other_patient": (200, {"Bianca"}),
    "therapist": (200, {"Alex", "Bianca"}),
    "front_desk": (403, None),
    "clinic_admin": (200, {"Alex", "Bianca"}),
    "other_clinic_therapist": (200, {"Farid"}),
}


@pytest.mark.parametrize(("role", "expected"), PRESCRIPTION_LIST_EXPECTATIONS.items())
def test_each_role_lists_only_the_prescriptions_it_may_see(
    client_as, prescribed, role, expected, patient, other_patient, foreign_patient
):
    status, names = expected
    response = client_as(role).get(PRESCRIPTIONS)
    assert response.status_code == status
    if names is not None:
        by_id = names_by_patient(patient, other_patient, foreign_patient)
        assert {by_id[row["patient"]] for row in response.json()["results"]} == names


PRESCRIPTION_DETAIL_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 200,
    "other_patient": 404,
    "therapist": 200,
    "front_desk": 403,
    "clinic_admin": 200,
    "other_clinic_therapist": 404,
}


@pytest.mark.parametrize(("role", "status"), PRESCRIPTION_DETAIL_EXPECTATIONS.items())
def test_a_prescription_is_read_by_its_clinics_clinicians_and_its_patient(
    client_as, prescribed, role, status
):
    version = prescribed["patient"]
    response = client_as(role).get(f"{PRESCRIPTIONS}{version.prescription_id}/")
    assert response.status_code == status


def test_a_prescription_answers_with_its_version_items_and_adherence(
    client_as, prescribed, patient
):
    version = prescribed["patient"]
    log_session(patient, version, days_ago=1)
    body = client_as("patient").get(f"{PRESCRIPTIONS}{version.prescription_id}/").json()
    assert body["title"] == "Calf routine"
    assert body["patient"] == patient.pk
    assert body["template"] == starter().pk
    assert body["ended_on"] is None
    current = body["current_version"]
    assert current["id"] == version.pk
    assert current["number"] == 1
    assert current["effective_from"] == version.effective_from.isoformat()
    assert current["days_of_week"] == [0, 1, 2, 3, 4, 5, 6]
    assert current["times_per_day"] == 1
    assert current["retest_on"] == version.retest_on.isoformat()
    items = version.items.order_by("position")
    assert [item["id"] for item in current["items"]] == [item.pk for item in items]
    assert current["items"][1]["exercise_name"] == "Runner's calf stretch, in and out of tension"
    assert current["items"][1]["style"] == "in_and_out"
    assert body["versions"] == [
        {"id": version.pk, "number": 1, "effective_from": version.effective_from.isoformat()}
    ]
    adherence = body["adherence"]
    assert adherence["streak"] == 1
    weeks = [*adherence["last_four_weeks"], adherence["this_week"]]
    assert len(weeks) == 5
    assert set(weeks[0]) == {"week_start", "prescribed", "done", "percent"}
    assert sum(week["done"] for week in weeks) == 1
    assert sum(week["prescribed"] for week in weeks) == 11  # once a day for 11 days to today


def test_the_list_filters_by_patient_and_by_being_active(client_as, prescribed, patient, therapist):
    ended = services.routine_assign(  # another routine: the same one twice is refused
        patient=patient,
        prescribed_by=therapist,
        items=[{**services.template_items(starter())[0]}],
        title="Old routine",
    )
    services.prescription_end(prescription=ended.prescription, ended_by=therapist)
    client = client_as("therapist")
    mine = client.get(PRESCRIPTIONS, {"patient": patient.pk}).json()["results"]
    assert {row["title"] for row in mine} == {"Calf routine", "Old routine"}
    active = client.get(PRESCRIPTIONS, {"patient": patient.pk, "active": "true"}).json()
    assert [row["title"] for row in active["results"]] == ["Calf routine"]
    over = client.get(PRESCRIPTIONS, {"active": "false"}).json()
    assert [row["title"] for row in over["results"]] == ["Old routine"]


def new_prescription(for_patient, **changes) -> dict:
    return {
        "patient": for_patient.pk,
        "title": "Ankle routine",
        "items": [
            {"exercise": shared("soleus-stretch").pk, "seconds_per_bout": 90, "bouts": 2},
            {"exercise": shared("knee-to-wall-mobilisation").pk, "seconds_per_bout": 60},
        ],
        "times_per_day": 2,
        "days_of_week": [0, 2, 4],
        "notes": "Gently.",
        **changes,
    }


def prescription_counts() -> tuple[int, int, int]:
    return (
        Prescription.objects.count(),
        PrescriptionVersion.objects.count(),
        PrescriptionItem.objects.count(),
    )


PRESCRIPTION_CREATE_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 403,
    "other_patient": 403,  # patients never record or prescribe, refused before the body
    "therapist": 201,
    "front_desk": 403,
    "clinic_admin": 201,
    "other_clinic_therapist": 400,  # no such patient in their clinic
}


@pytest.mark.parametrize(("role", "status"), PRESCRIPTION_CREATE_EXPECTATIONS.items())
def test_only_the_clinics_clinicians_prescribe(client_as, patient, role, status):
    response = client_as(role).post(
        PRESCRIPTIONS, new_prescription(patient), content_type="application/json"
    )
    assert response.status_code == status, response.content
    assert Prescription.objects.filter(patient=patient).exists() is (status == 201)
    if status == 400:
        assert response.json()["patient"] == ["No such patient in your clinic."]


def test_a_prescription_is_made_as_asked(client_as, patient, clinic):
    response = client_as("therapist").post(
        PRESCRIPTIONS, new_prescription(patient), content_type="application/json"
    )
    body = response.json()
    current = body["current_version"]
    assert current["times_per_day"] == 2
    assert current["days_of_week"] == [0, 2, 4]
    assert current["notes"] == "Gently."
    assert current["effective_from"] == today(clinic).isoformat()
    retest = today(clinic) + timedelta(days=clinic.retest_interval_days)
    assert current["retest_on"] == retest.isoformat()
    assert [(item["exercise_name"], item["bouts"]) for item in current["items"]] == [
        ("Bent-knee (soleus) calf stretch", 2),
        ("Knee-to-wall mobilisation", 1),
    ]
    version = PrescriptionVersion.objects.get(pk=current["id"])
    assert version.days_of_week == 0b0010101


def test_a_template_gives_its_exercises_when_items_are_omitted(client_as, patient):
    data = new_prescription(patient, template=starter().pk)
    data.pop("items")
    response = client_as("therapist").post(PRESCRIPTIONS, data, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["template"] == starter().pk
    doses = [
        (item["exercise"], item["seconds_per_bout"]) for item in body["current_version"]["items"]
    ]
    expected = [(item.exercise_id, item.seconds_per_bout) for item in starter().items.all()]
    assert doses == expected


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"items": [{"seconds_per_bout": 0}]}, "items"),
        ({"items": [{"seconds_per_bout": 30 * 60 + 1}]}, "items"),
        ({"items": []}, "items"),
        ({"times_per_day": 7}, "times_per_day"),
        ({"days_of_week": []}, "days_of_week"),
        ({"days_of_week": [7]}, "days_of_week"),
        ({"days_of_week": "weekdays"}, "days_of_week"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"start_date": "2026-03-01", "retest_on": "2026-03-01"}, "retest_on"),
        ({"title": ""}, "title"),
        ({"template": 999_999}, "template"),
        ({"patient": 999_999}, "patient"),
    ],
)
def test_a_bad_prescription_is_a_400_naming_the_field_and_nothing_is_saved(
    client_as, patient, changes, field
):
    before = prescription_counts()
    response = client_as("therapist").post(
        PRESCRIPTIONS,
        new_prescription(patient, **with_items(changes)),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert prescription_counts() == before


def test_a_bad_dose_names_the_items_field(client_as, patient):
    data = new_prescription(patient, items=[item_with(), item_with(seconds_per_bout=0)])
    response = client_as("therapist").post(PRESCRIPTIONS, data, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["items"]
    assert list(errors) == ["1"]
    assert "seconds_per_bout" in errors["1"]


def test_a_prescription_cannot_use_another_clinics_exercise(client_as, patient, foreign_exercise):
    before = prescription_counts()
    data = new_prescription(patient, items=[item_with(exercise=foreign_exercise.pk)])
    response = client_as("therapist").post(PRESCRIPTIONS, data, content_type="application/json")
    assert response.status_code == 400
    assert "items" in response.json()
    assert prescription_counts() == before


def test_a_patient_of_another_clinic_is_a_400(client_as, foreign_patient):
    response = client_as("therapist").post(
        PRESCRIPTIONS, new_prescription(foreign_patient), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["patient"] == ["No such patient in your clinic."]


def change(**changes) -> dict:
    return {
        "items": [item_with(seconds_per_bout=120, bouts=2)],
        "times_per_day": 2,
        "days_of_week": [0, 1, 2, 3, 4],
        "notes": "Longer rolls now.",
        **changes,
    }


PRESCRIPTION_CHANGE_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 403,
    "other_patient": 404,
    "therapist": 200,
    "front_desk": 403,
    "clinic_admin": 200,
    "other_clinic_therapist": 404,
}


@pytest.mark.parametrize(("role", "status"), PRESCRIPTION_CHANGE_EXPECTATIONS.items())
def test_only_the_clinics_clinicians_change_a_prescription(client_as, prescribed, role, status):
    version = prescribed["patient"]
    response = client_as(role).put(
        f"{PRESCRIPTIONS}{version.prescription_id}/", change(), content_type="application/json"
    )
    assert response.status_code == status, response.content
    versions = PrescriptionVersion.objects.filter(prescription_id=version.prescription_id)
    assert versions.count() == (2 if status == 200 else 1)


def test_a_change_makes_version_two_and_earlier_logs_stay_with_version_one(
    client_as, prescribed, patient, clinic
):
    first = prescribed["patient"]
    earlier = log_session(patient, first, days_ago=2)
    response = client_as("therapist").put(
        f"{PRESCRIPTIONS}{first.prescription_id}/", change(), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    current = body["current_version"]
    assert current["number"] == 2
    assert current["effective_from"] == today(clinic).isoformat()
    assert current["times_per_day"] == 2
    assert current["days_of_week"] == [0, 1, 2, 3, 4]
    assert [item["seconds_per_bout"] for item in current["items"]] == [120]
    assert [version["number"] for version in body["versions"]] == [1, 2]
    earlier.refresh_from_db()
    assert earlier.version_id == first.pk
    first.refresh_from_db()
    assert first.is_current is False
    assert first.items.count() == 3  # what the patient was told before stays as it was


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"items": [{"seconds_per_bout": 0}]}, "items"),
        ({"times_per_day": 0}, "times_per_day"),
        ({"start_date": "2000-01-03"}, "start_date"),  # before the version it replaces
    ],
)
def test_a_bad_change_is_a_400_and_keeps_the_current_version(client_as, prescribed, changes, field):
    version = prescribed["patient"]
    before = prescription_counts()
    response = client_as("therapist").put(
        f"{PRESCRIPTIONS}{version.prescription_id}/",
        change(**with_items(changes)),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert prescription_counts() == before
    version.refresh_from_db()
    assert version.is_current is True


PRESCRIPTION_END_EXPECTATIONS = PRESCRIPTION_CHANGE_EXPECTATIONS


@pytest.mark.parametrize(("role", "status"), PRESCRIPTION_END_EXPECTATIONS.items())
def test_only_the_clinics_clinicians_end_a_prescription(
    client_as, prescribed, clinic, role, status
):
    prescription = prescribed["patient"].prescription
    response = client_as(role).post(f"{PRESCRIPTIONS}{prescription.pk}/end/")
    assert response.status_code == status, response.content
    prescription.refresh_from_db()
    if status == 200:
        assert prescription.ended_on == today(clinic)
        assert response.json()["ended_on"] == today(clinic).isoformat()
    else:
        assert prescription.ended_on is None


def test_an_ended_prescription_cannot_end_again_or_change(client_as, prescribed):
    prescription_id = prescribed["patient"].prescription_id
    client = client_as("therapist")
    assert client.post(f"{PRESCRIPTIONS}{prescription_id}/end/").status_code == 200
    again = client.post(f"{PRESCRIPTIONS}{prescription_id}/end/")
    assert again.status_code == 400
    assert "prescription" in again.json()
    changed = client.put(
        f"{PRESCRIPTIONS}{prescription_id}/", change(), content_type="application/json"
    )
    assert changed.status_code == 400
    assert "prescription" in changed.json()


def test_prescriptions_are_never_deleted_or_patched(client_as, prescribed):
    url = f"{PRESCRIPTIONS}{prescribed['patient'].prescription_id}/"
    client = client_as("clinic_admin")
    assert client.delete(url).status_code == 405
    assert client.patch(url, {}, content_type="application/json").status_code == 405


def test_the_prescription_list_runs_a_fixed_number_of_queries(client_as, clinic, therapist):
    client = client_as("therapist")

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(PRESCRIPTIONS).status_code == 200
        return len(context)

    someone = PatientFactory(clinic=clinic)
    log_session(someone, prescribe(someone, therapist))
    few = queries_for_list()
    for _ in range(10):
        someone = PatientFactory(clinic=clinic)
        first = prescribe(someone, therapist, days_ago=12)
        log_session(someone, first, days_ago=3)
        services.prescription_change(
            prescription=first.prescription,
            changed_by=therapist,
            items=services.template_items(starter()),
            times_per_day=2,
            days_of_week=0b1111111,
        )
        services.routine_assign(  # a second routine, with other exercises
            patient=someone,
            prescribed_by=therapist,
            items=services.template_items(starter())[:1],
            title="Second routine",
        )
    assert queries_for_list() == few


# --- Session logs -----------------------------------------------------------------------------

SESSION_LIST_EXPECTATIONS = PRESCRIPTION_LIST_EXPECTATIONS


@pytest.mark.parametrize(("role", "expected"), SESSION_LIST_EXPECTATIONS.items())
def test_each_role_lists_only_the_sessions_it_may_see(
    client_as, logged, role, expected, patient, other_patient, foreign_patient
):
    status, names = expected
    response = client_as(role).get(SESSIONS)
    assert response.status_code == status
    if names is not None:
        by_id = names_by_patient(patient, other_patient, foreign_patient)
        assert {by_id[row["patient"]] for row in response.json()["results"]} == names


SESSION_DETAIL_EXPECTATIONS = PRESCRIPTION_DETAIL_EXPECTATIONS


@pytest.mark.parametrize(("role", "status"), SESSION_DETAIL_EXPECTATIONS.items())
def test_a_session_is_read_by_its_clinics_clinicians_and_its_patient(
    client_as, logged, role, status
):
    response = client_as(role).get(f"{SESSIONS}{logged['patient'].pk}/")
    assert response.status_code == status


def test_a_session_answers_with_its_entries(client_as, logged, prescribed, patient):
    log = logged["patient"]
    version = prescribed["patient"]
    body = client_as("therapist").get(f"{SESSIONS}{log.pk}/").json()
    assert body["patient"] == patient.pk
    assert body["version"] == version.pk
    assert body["version_number"] == 1
    assert body["prescription"] == version.prescription_id
    assert body["session_date"] == log.session_date.isoformat()
    assert body["slot"] == 1
    assert body["pain"] is None
    assert [entry["exercise_name"] for entry in body["entries"]] == [
        item.exercise.name for item in version.items.order_by("position")
    ]
    assert {entry["status"] for entry in body["entries"]} == {"done"}


def test_sessions_filter_by_patient_and_dates(client_as, logged, prescribed, patient, clinic):
    log_session(patient, prescribed["patient"], days_ago=5)
    client = client_as("therapist")
    mine = client.get(SESSIONS, {"patient": patient.pk}).json()
    assert mine["count"] == 2
    three_days_ago = (today(clinic) - timedelta(days=3)).isoformat()
    recent = client.get(SESSIONS, {"patient": patient.pk, "date_after": three_days_ago}).json()
    assert [row["session_date"] for row in recent["results"]] == [
        logged["patient"].session_date.isoformat()
    ]
    older = client.get(SESSIONS, {"patient": patient.pk, "date_before": three_days_ago}).json()
    assert older["count"] == 1


def session(of_version, **changes) -> dict:
    return {
        "version": of_version.pk,
        "client_token": str(uuid.uuid4()),
        "pain": 3,
        "comment": "Calf felt tight.",
        "entries": [
            {"item": item.pk, "status": status}
            for item, status in zip(
                of_version.items.order_by("position"), ["done", "partly", "skipped"], strict=True
            )
        ],
        **changes,
    }


def session_counts() -> tuple[int, int]:
    return SessionLog.objects.count(), ExerciseLog.objects.count()


SESSION_CREATE_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 201,
    "other_patient": 400,  # not their prescription
    "therapist": 403,
    "front_desk": 403,
    "clinic_admin": 403,
    "other_clinic_therapist": 403,
}


@pytest.mark.parametrize(("role", "status"), SESSION_CREATE_EXPECTATIONS.items())
def test_only_the_patient_logs_their_own_session(client_as, prescribed, role, status):
    before = session_counts()
    response = client_as(role).post(
        SESSIONS, session(prescribed["patient"]), content_type="application/json"
    )
    assert response.status_code == status, response.content
    if status == 201:
        assert session_counts() == (before[0] + 1, before[1] + 3)
    else:
        assert session_counts() == before
    if status == 403:
        assert response.json()["detail"] == "Patients log their own sessions."
    if status == 400:
        assert "prescription" in response.json()


def test_a_logged_session_is_answered_as_recorded(client_as, prescribed, patient, clinic):
    version = prescribed["patient"]
    response = client_as("patient").post(
        SESSIONS, session(version), content_type="application/json"
    )
    body = response.json()
    assert body["patient"] == patient.pk
    assert body["version"] == version.pk
    assert body["session_date"] == today(clinic).isoformat()
    assert body["pain"] == 3
    assert body["comment"] == "Calf felt tight."
    assert [entry["status"] for entry in body["entries"]] == ["done", "partly", "skipped"]
    log = SessionLog.objects.get(pk=body["id"])
    assert log.logged_by is None


def test_the_same_client_token_twice_records_one_session(client_as, prescribed):
    client = client_as("patient")
    data = session(prescribed["patient"])
    first = client.post(SESSIONS, data, content_type="application/json")
    second = client.post(SESSIONS, data, content_type="application/json")
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json() == first.json()
    assert SessionLog.objects.filter(client_token=data["client_token"]).count() == 1
    assert ExerciseLog.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_tap_sent_at_once_records_one_session(client_as, prescribed):
    data = session(prescribed["patient"])
    clients = [client_as("patient") for _ in range(4)]
    statuses: list[int] = []
    barrier = threading.Barrier(len(clients))

    def post(client) -> None:
        barrier.wait()
        try:
            response = client.post(SESSIONS, data, content_type="application/json")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One tap records; the others answer with it.
    assert sorted(statuses) == [200, 200, 200, 201]
    assert SessionLog.objects.count() == 1
    assert ExerciseLog.objects.count() == 3


def test_a_second_session_on_a_once_a_day_routine_is_a_400(client_as, prescribed):
    client = client_as("patient")
    version = prescribed["patient"]
    assert client.post(SESSIONS, session(version), content_type="application/json").status_code == (
        201
    )
    again = client.post(SESSIONS, session(version), content_type="application/json")
    assert again.status_code == 400
    assert "session_date" in again.json()
    assert SessionLog.objects.count() == 1


BAD_SESSIONS = {
    "pain over 10": "pain",
    "pain below 0": "pain",
    "a future date": "session_date",
    "a date before the routine started": "session_date",
    "another patient's version": "prescription",
    "no such version": "prescription",
    "a client token that is not a uuid": "client_token",
    "an exercise left out": "entries",
    "an item of no version of theirs": "entries",
    "a status that does not exist": "entries",
    "a comment over 2,000 characters": "comment",
}


def bad_session(case: str, version, other_version, clinic) -> dict:
    entries = session(version)["entries"]
    changes = {
        "pain over 10": {"pain": 11},
        "pain below 0": {"pain": -1},
        "a future date": {"session_date": (today(clinic) + timedelta(days=1)).isoformat()},
        "a date before the routine started": {"session_date": "2000-01-03"},
        "another patient's version": {"version": other_version.pk},
        "no such version": {"version": 999_999},
        "a client token that is not a uuid": {"client_token": "not-a-uuid"},
        "an exercise left out": {"entries": entries[:2]},
        "an item of no version of theirs": {
            "entries": [*entries, {"item": other_version.items.first().pk, "status": "done"}]
        },
        "a status that does not exist": {"entries": [{**entries[0], "status": "maybe"}]},
        "a comment over 2,000 characters": {"comment": "x" * 2001},
    }[case]
    return session(version, **changes)


@pytest.mark.parametrize(("case", "field"), BAD_SESSIONS.items())
def test_a_bad_session_is_a_400_naming_the_field_and_nothing_is_saved(
    client_as, prescribed, clinic, case, field
):
    data = bad_session(case, prescribed["patient"], prescribed["other_patient"], clinic)
    before = session_counts()
    response = client_as("patient").post(SESSIONS, data, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert session_counts() == before


def test_sessions_are_never_changed_or_deleted(client_as, logged):
    url = f"{SESSIONS}{logged['patient'].pk}/"
    client = client_as("patient")
    assert client.put(url, {}, content_type="application/json").status_code == 405
    assert client.patch(url, {}, content_type="application/json").status_code == 405
    assert client.delete(url).status_code == 405


def test_the_session_list_runs_a_fixed_number_of_queries(client_as, clinic, therapist):
    client = client_as("therapist")

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(SESSIONS).status_code == 200
        return len(context)

    someone = PatientFactory(clinic=clinic)
    log_session(someone, prescribe(someone, therapist))
    few = queries_for_list()
    for _ in range(10):
        someone = PatientFactory(clinic=clinic)
        version = prescribe(someone, therapist)
        log_session(someone, version, days_ago=1)
        log_session(someone, version, days_ago=2)
    assert queries_for_list() == few
