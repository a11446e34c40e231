"""Input the API refuses with a 400 naming the field: filters sent with no value, and names
carrying invisible text-direction characters that would make them display as another name; and
bodies that are not JSON, with a 415."""

import importlib

import django.apps
import pytest
from django.urls import get_resolver

from clinic import services
from clinic.fields import DIRECTION_CONTROLS
from clinic.filters import ApiFilterSet
from clinic.models import Clinic, Patient, User
from exercises.models import Exercise, Prescription, RoutineTemplate
from exercises.services import routine_template_create

pytestmark = pytest.mark.django_db

EMPTY_FILTERS = [
    ("/api/v1/patients/", "born_before"),
    ("/api/v1/patients/", "born_after"),
    ("/api/v1/patients/", "status"),
    ("/api/v1/patients/", "primary_therapist"),
    ("/api/v1/appointments/", "starts_before"),
    ("/api/v1/appointments/", "starts_after"),
    ("/api/v1/appointments/", "patient"),
    ("/api/v1/assessments/", "measured_before"),
    ("/api/v1/assessments/", "kind"),
    ("/api/v1/prescriptions/", "active"),
    ("/api/v1/session-logs/", "date_before"),
]


@pytest.mark.parametrize(("url", "parameter"), EMPTY_FILTERS)
@pytest.mark.parametrize("blank", ["", "  "])
def test_a_filter_sent_with_no_value_is_refused_naming_it(client_as, url, parameter, blank):
    response = client_as("therapist").get(url, {parameter: blank})
    assert response.status_code == 400, response.content
    assert list(response.json()) == [parameter]
    if blank == "":
        assert response.json() == {parameter: ["Give a value, or leave this parameter out."]}


def test_a_search_may_be_empty(client_as, patient):
    assert client_as("therapist").get("/api/v1/patients/", {"search": ""}).status_code == 200


@pytest.mark.parametrize(
    "encoding", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=BoUnDaRy"]
)
def test_a_body_that_is_not_json_is_refused_and_changes_nothing(client_as, patient, encoding):
    # A form cannot say null or send a nested list: the API is JSON only, as its schema says.
    body = "first_name=Alexa" if encoding.startswith("application") else "--BoUnDaRy--\r\n"
    response = client_as("therapist").patch(
        f"/api/v1/patients/{patient.pk}/", body, content_type=encoding
    )
    assert response.status_code == 415
    assert "Unsupported media type" in response.json()["detail"]
    patient.refresh_from_db()
    assert patient.first_name == "Alex"


def _api_views():
    for pattern in get_resolver().url_patterns:
        yield from _walk(pattern)


def _walk(pattern):
    if hasattr(pattern, "url_patterns"):
        for inner in pattern.url_patterns:
            yield from _walk(inner)
    else:
        view = getattr(pattern.callback, "cls", None)
        if view is not None:
            yield view


def test_every_api_filterset_refuses_empty_values():
    filtersets = {
        view.filterset_class for view in _api_views() if getattr(view, "filterset_class", None)
    }
    assert filtersets
    assert all(issubclass(filterset, ApiFilterSet) for filterset in filtersets)


# --- Names with direction controls --------------------------------------------------------------

SPOOF = "Anders\u202eredna"  # shows as "Andersander"-like text in another order


# Written out, not read from the code: the list under test must not be the list it checks.
BIDI_CONTROLS = (
    "\u061c \u200e \u200f \u202a \u202b \u202c \u202d \u202e \u2066 \u2067 \u2068 \u2069"
)


def test_the_refused_characters_are_unicodes_bidirectional_controls():
    assert set(BIDI_CONTROLS.split()) == DIRECTION_CONTROLS


@pytest.mark.parametrize("control", BIDI_CONTROLS.split())
def test_every_direction_control_is_refused_in_a_patient_name_through_the_api(client_as, control):
    response = client_as("front_desk").post(
        "/api/v1/patients/",
        {
            "first_name": "Carla",
            "last_name": f"Cas{control}tro",
            "date_of_birth": "1975-03-02",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["last_name"]
    assert "text-direction" in response.json()["last_name"][0]
    assert not Patient.objects.filter(first_name="Carla").exists()


def test_a_patient_name_with_a_direction_control_is_refused_on_the_page(client_as, patient):
    response = client_as("front_desk").post(
        f"/patients/{patient.pk}/edit/",
        {
            "first_name": SPOOF,
            "last_name": patient.last_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "reminder_channel": patient.reminder_channel,
        },
    )
    assert response.status_code == 200
    assert "text-direction" in response.content.decode()
    patient.refresh_from_db()
    assert patient.first_name == "Alex"


def test_the_patient_services_refuse_a_direction_control(patient, therapist):
    with pytest.raises(Exception, match="text-direction") as caught:
        services.patient_update(patient=patient, first_name=SPOOF)
    assert "first_name" in caught.value.message_dict
    patient.refresh_from_db()
    assert patient.first_name == "Alex"


def test_exercise_routine_and_prescription_names_refuse_a_direction_control(
    client_as, clinic, patient, therapist
):
    importlib.import_module("exercises.migrations.0002_seed_library").seed(django.apps.apps, None)
    client = client_as("therapist")
    exercise = client_as("clinic_admin").post(
        "/api/v1/exercises/",
        {
            "name": SPOOF,
            "purpose": "Loads the calf.",
            "steps": ["Stand on a step."],
            "seconds_per_bout": 45,
            "bouts": 3,
            "per_side": False,
            "style": "static",
        },
        content_type="application/json",
    )
    assert exercise.status_code == 400
    assert "name" in exercise.json()
    assert not Exercise.objects.filter(clinic=clinic).exists()
    soleus = Exercise.objects.get(clinic=None, slug="soleus-stretch")
    prescription = client.post(
        "/api/v1/prescriptions/",
        {
            "patient": patient.pk,
            "title": SPOOF,
            "items": [{"exercise": soleus.pk, "seconds_per_bout": 90}],
        },
        content_type="application/json",
    )
    assert prescription.status_code == 400
    assert "title" in prescription.json()
    assert not Prescription.objects.filter(patient=patient).exists()
    with pytest.raises(Exception, match="text-direction"):
        routine_template_create(
            clinic=clinic,
            created_by=therapist,
            name=SPOOF,
            items=[{"exercise": soleus.pk, "seconds_per_bout": 90}],
        )
    assert not RoutineTemplate.objects.filter(clinic=clinic).exists()


def test_staff_and_clinic_names_refuse_a_direction_control(clinic, therapist):
    therapist.last_name = SPOOF
    with pytest.raises(Exception, match="text-direction"):
        therapist.full_clean()
    clinic.name = SPOOF
    with pytest.raises(Exception, match="text-direction"):
        clinic.full_clean()
    assert User.objects.get(pk=therapist.pk).last_name != SPOOF
    assert Clinic.objects.get(pk=clinic.pk).name != SPOOF


def test_a_name_in_a_right_to_left_script_is_welcome(client_as):
    response = client_as("front_desk").post(
        "/api/v1/patients/",
        {"first_name": "ليلى", "last_name": "כהן", "date_of_birth": "1975-03-02"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
