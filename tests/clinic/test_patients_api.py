import pytest

from clinic.models import Patient, PatientStatus
from clinic.serializers import PatientInputSerializer
from clinic.services import PATIENT_CLINICAL_FIELDS, PATIENT_CONTACT_FIELDS
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/patients/"
JSON = "application/json"


def detail(patient) -> str:
    return f"/api/v1/patients/{patient.pk}/"


# --- Reading ----------------------------------------------------------------------------------

LIST_EXPECTATIONS = {
    "anonymous": (401, None),
    "patient": (200, {"Alex"}),
    "other_patient": (200, {"Bianca"}),
    "therapist": (200, {"Alex", "Bianca"}),
    "front_desk": (200, {"Alex", "Bianca"}),
    "clinic_admin": (200, {"Alex", "Bianca"}),
    "other_clinic_therapist": (200, {"Farid"}),
}


@pytest.mark.parametrize(("role", "expected"), LIST_EXPECTATIONS.items())
def test_the_list_shows_each_role_only_the_patients_it_may_see(client_as, role, expected):
    status, names = expected
    response = client_as(role).get(LIST)
    assert response.status_code == status
    if names is not None:
        assert {row["first_name"] for row in response.json()["results"]} == names


DETAIL_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 200,
    "other_patient": 404,
    "therapist": 200,
    "front_desk": 200,
    "clinic_admin": 200,
    "other_clinic_therapist": 404,
}


@pytest.mark.parametrize(("role", "status"), DETAIL_EXPECTATIONS.items())
def test_a_patient_record_is_visible_only_to_its_clinic_and_itself(
    client_as, patient, role, status
):
    response = client_as(role).get(detail(patient))
    assert response.status_code == status
    if status == 200:
        assert response.json()["id"] == patient.pk


@pytest.mark.parametrize(
    ("role", "sees_clinical"),
    [("therapist", True), ("clinic_admin", True), ("patient", True), ("front_desk", False)],
)
def test_clinical_fields_are_hidden_from_the_front_desk(client_as, patient, role, sees_clinical):
    body = client_as(role).get(detail(patient)).json()
    assert ("symptomatic_side" in body) is sees_clinical
    listed = client_as(role).get(LIST).json()["results"][0]
    assert ("symptomatic_side" in listed) is sees_clinical


def test_the_list_filters_searches_and_paginates(client_as, clinic, therapist):
    from tests.factories import PatientFactory

    PatientFactory.create_batch(30, clinic=clinic, last_name="Zed", primary_therapist=therapist)
    client = client_as("therapist")
    first_page = client.get(LIST).json()
    assert first_page["count"] == 32
    assert len(first_page["results"]) == 25
    assert first_page["next"]
    assert client.get(LIST, {"search": "Anders"}).json()["count"] == 1
    assert client.get(LIST, {"status": "discharged"}).json()["count"] == 0
    assert client.get(LIST, {"primary_therapist": therapist.pk}).json()["count"] == 32
    assert client.get(LIST, {"ordering": "-last_name"}).json()["results"][0]["last_name"] == "Zed"


def test_a_non_numeric_id_is_a_plain_404(client_as):
    assert client_as("therapist").get("/api/v1/patients/abc/").status_code == 404


# --- Writing ----------------------------------------------------------------------------------

VALID = {
    "first_name": "Carla",
    "last_name": "Castro",
    "date_of_birth": "1975-03-02",
    "email": "carla@mail.example",
    "phone": "(312) 555-0177",
    "reminder_channel": "sms",
    "reminder_consent": True,
}

CREATE_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 403,
    "other_patient": 403,
    "therapist": 201,
    "front_desk": 201,
    "clinic_admin": 201,
    "other_clinic_therapist": 201,
}


@pytest.mark.parametrize(("role", "status"), CREATE_EXPECTATIONS.items())
def test_staff_register_patients_in_their_own_clinic(client_as, role, status, clinic):
    response = client_as(role).post(LIST, VALID, content_type="application/json")
    assert response.status_code == status, response.content
    created = Patient.objects.filter(first_name="Carla")
    if status == 201:
        patient = created.get()
        body = response.json()
        assert body["phone"] == "+13125550177"
        assert body["reminder_consent_at"] is not None
        expected_clinic = "Hillside" if role == "other_clinic_therapist" else "Lakeside"
        assert patient.clinic.name == expected_clinic
    else:
        assert not created.exists()


def test_the_api_writes_only_the_fields_the_service_accepts():
    # The service's lists are the home of the rule; the serializer only types them. The time of
    # the exercise reminder and the patient's language are set on the patient's pages and the
    # patient form, not through the API.
    accepted = PATIENT_CONTACT_FIELDS | PATIENT_CLINICAL_FIELDS
    assert set(PatientInputSerializer().fields) == accepted - {
        "exercise_reminder_time",
        "preferred_language",
    }


def test_the_front_desk_may_not_set_clinical_fields(client_as):
    response = client_as("front_desk").post(
        LIST, {**VALID, "symptomatic_side": "left"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "symptomatic_side" in response.json()["detail"]
    assert not Patient.objects.filter(first_name="Carla").exists()


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"phone": "12"}, "phone", "phone number"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "future"),
        ({"date_of_birth": "1850-01-01"}, "date_of_birth", "1900"),
        ({"first_name": ""}, "first_name", "blank"),
        ({"first_name": "   "}, "first_name", "blank"),
        ({"last_name": None}, "last_name", "null"),
        ({"reminder_channel": "pigeon"}, "reminder_channel", "valid choice"),
        ({"reminder_channel": "email", "email": ""}, "email", "need an email"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(
    client_as, change, field, reason
):
    before = Patient.objects.count()
    response = client_as("therapist").post(
        LIST, {**VALID, **change}, content_type="application/json"
    )
    assert response.status_code == 400
    errors = response.json()
    assert field in errors
    assert reason.lower() in " ".join(errors[field]).lower()
    assert Patient.objects.count() == before


def test_a_missing_name_is_refused(client_as):
    data = {key: value for key, value in VALID.items() if key != "first_name"}
    response = client_as("therapist").post(LIST, data, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["first_name"] == ["This field is required."]


@pytest.mark.parametrize("whose", ["other_clinic_therapist", "unknown", "front_desk"])
def test_the_primary_therapist_must_be_a_therapist_of_the_same_clinic(client_as, request, whose):
    therapist_id = 999_999 if whose == "unknown" else request.getfixturevalue(whose).pk
    response = client_as("therapist").post(
        LIST, {**VALID, "primary_therapist": therapist_id}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["primary_therapist"] == ["Choose an active therapist of this clinic."]
    assert not Patient.objects.filter(first_name="Carla").exists()


def test_several_bad_fields_are_all_reported_at_once(client_as):
    response = client_as("therapist").post(
        LIST,
        {**VALID, "phone": "12", "date_of_birth": "2999-01-01", "primary_therapist": 999_999},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {"phone", "date_of_birth", "primary_therapist"} <= set(response.json())


UPDATE_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 403,
    "other_patient": 404,
    "therapist": 200,
    "front_desk": 200,
    "clinic_admin": 200,
    "other_clinic_therapist": 404,
}


@pytest.mark.parametrize(("role", "status"), UPDATE_EXPECTATIONS.items())
def test_contact_details_are_changed_by_the_clinic_staff_only(client_as, patient, role, status):
    response = client_as(role).patch(
        detail(patient), {"email": "new@mail.example"}, content_type="application/json"
    )
    assert response.status_code == status
    patient.refresh_from_db()
    assert (patient.email == "new@mail.example") is (status == 200)


def test_a_failed_update_changes_nothing(client_as, patient):
    original = patient.email
    response = client_as("therapist").patch(
        detail(patient),
        {"email": "fine@mail.example", "phone": "not a phone"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "phone" in response.json()
    patient.refresh_from_db()
    assert patient.email == original


@pytest.mark.parametrize(("role", "status"), [("therapist", 200), ("front_desk", 403)])
def test_only_clinicians_change_clinical_fields(client_as, patient, role, status):
    response = client_as(role).patch(
        detail(patient), {"symptomatic_side": "right"}, content_type="application/json"
    )
    assert response.status_code == status
    patient.refresh_from_db()
    assert (patient.symptomatic_side == "right") is (status == 200)


DISCHARGE_EXPECTATIONS = {
    "anonymous": 401,
    "patient": 403,
    "other_patient": 404,
    "therapist": 200,
    "front_desk": 403,
    "clinic_admin": 200,
    "other_clinic_therapist": 404,
}


@pytest.mark.parametrize(("role", "status"), DISCHARGE_EXPECTATIONS.items())
def test_clinicians_discharge_patients(client_as, patient, role, status):
    response = client_as(role).post(f"{detail(patient)}discharge/", content_type=JSON)
    assert response.status_code == status
    patient.refresh_from_db()
    assert (patient.status == PatientStatus.DISCHARGED) is (status == 200)


def test_discharging_twice_is_a_clear_error_and_reactivation_undoes_it(client_as, patient):
    client = client_as("therapist")
    assert client.post(f"{detail(patient)}discharge/", content_type=JSON).status_code == 200
    second = client.post(f"{detail(patient)}discharge/", content_type=JSON)
    assert second.status_code == 400
    assert "already discharged" in second.json()["status"][0]
    assert client.post(f"{detail(patient)}reactivate/").json()["status"] == "active"


@pytest.mark.parametrize("role", ["therapist", "clinic_admin"])
def test_patient_records_are_never_deleted_through_the_api(client_as, patient, role):
    assert client_as(role).delete(detail(patient)).status_code == 405
    assert Patient.objects.filter(pk=patient.pk).exists()


def test_a_token_authenticates_staff(client, therapist, patient):
    from tests.conftest import api_token_for

    response = client.get(LIST, headers={"Authorization": f"Token {api_token_for(therapist)}"})
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_a_superuser_without_a_clinic_sees_no_patients_through_the_api(client, patient):
    root = StaffFactory(clinic=None, role="", is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.get(LIST).json()["count"] == 0
    assert client.get(detail(patient)).status_code == 404


# --- Found by the API fuzzer (tests/test_api_fuzz.py) -----------------------------------------


def test_a_search_holding_a_nul_is_a_400_naming_the_search(client_as):
    response = client_as("therapist").get(LIST, {"search": "Al\x00ex"})
    assert response.status_code == 400
    assert response.json() == {"search": ["Null characters are not allowed."]}


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("url", ["/api/v1/patients/%C2%84/", "/api/v1/patients/1%0A/discharge/"])
def test_an_api_url_that_matches_nothing_is_a_json_404(client_as, method, url):
    response = getattr(client_as("therapist"), method)(url)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_patient_without_email_or_therapist_answers_as_the_schema_says(client_as):
    from drf_spectacular.generators import SchemaGenerator

    response = client_as("therapist").post(
        LIST,
        {"first_name": "Noor", "last_name": "Haddad", "date_of_birth": "1990-02-03"},
        content_type="application/json",
    )
    body = response.json()
    assert (body["email"], body["primary_therapist"]) == ("", None)
    schema = SchemaGenerator().get_schema(request=None, public=True)
    fields = schema["components"]["schemas"]["Patient"]["properties"]
    assert {"maxLength": 0} in fields["email"]["anyOf"]
    assert {"type": "null"} in fields["primary_therapist"]["oneOf"]
