import pytest

from clinic.models import Patient, PatientStatus

pytestmark = pytest.mark.django_db


def status_of(response) -> int | str:
    """The status, with redirects to the sign-in page told apart from other redirects."""
    if response.status_code == 302 and response.url.startswith("/accounts/login/"):
        return "login"
    return response.status_code


PAGE_EXPECTATIONS = {
    # role: (patient list, patient edit, new patient)
    "anonymous": ("login", "login", "login"),
    "patient": (403, 403, 403),
    "other_patient": (403, 403, 403),
    "therapist": (200, 200, 200),
    "front_desk": (200, 200, 200),
    "clinic_admin": (200, 200, 200),
    "other_clinic_therapist": (200, 404, 200),
}


@pytest.mark.parametrize(("role", "expected"), PAGE_EXPECTATIONS.items())
def test_every_page_answers_each_role_as_the_policy_says(client_as, patient, role, expected):
    client = client_as(role)
    urls = ["/patients/", f"/patients/{patient.pk}/edit/", "/patients/new/"]
    assert tuple(status_of(client.get(url)) for url in urls) == expected


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("therapist", {"Anders", "Baker"}, {"Fremd"}),
        ("front_desk", {"Anders", "Baker"}, {"Fremd"}),
        ("other_clinic_therapist", {"Fremd"}, {"Anders", "Baker"}),
    ],
)
def test_the_patient_list_shows_only_the_own_clinic(client_as, role, shown, hidden):
    html = client_as(role).get("/patients/").content.decode()
    assert all(name in html for name in shown)
    assert not any(name in html for name in hidden)


def test_the_front_desk_does_not_edit_symptoms(client_as, patient):
    assert "Side of sciatic symptoms" not in (
        client_as("front_desk").get(f"/patients/{patient.pk}/edit/").content.decode()
    )


def test_a_therapist_registers_a_patient_from_the_form(client_as, therapist):
    response = client_as("therapist").post(
        "/patients/new/",
        {
            "first_name": "Carla",
            "last_name": "Castro",
            "date_of_birth": "1975-03-02",
            "email": "carla@mail.example",
            "phone": "312 555 0177",
            "reminder_channel": "email",
            "reminder_consent": "on",
            "primary_therapist": therapist.pk,
            "symptomatic_side": "right",
        },
    )
    carla = Patient.objects.get(first_name="Carla")
    assert response.status_code == 302
    assert response.url == f"/patients/{carla.pk}/"
    assert carla.phone == "+13125550177"
    assert carla.symptomatic_side == "right"


def test_the_form_shows_each_error_beside_its_field_and_saves_nothing(client_as):
    response = client_as("front_desk").post(
        "/patients/new/",
        {
            "first_name": "Carla",
            "last_name": "",
            "date_of_birth": "2999-01-01",
            "phone": "12",
            "reminder_channel": "email",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"last_name"}  # the form's own checks come first
    assert not Patient.objects.filter(first_name="Carla").exists()

    response = client_as("front_desk").post(
        "/patients/new/",
        {
            "first_name": "Carla",
            "last_name": "Castro",
            "date_of_birth": "2999-01-01",
            "phone": "12",
            "reminder_channel": "email",
        },
    )
    form = response.context["form"]
    assert set(form.errors) == {"date_of_birth", "phone"}
    assert "future" in form.errors["date_of_birth"][0]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Patient.objects.filter(first_name="Carla").exists()


def test_the_front_desk_cannot_discharge(client_as, patient):
    response = client_as("front_desk").post(f"/patients/{patient.pk}/discharge/")
    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.status == PatientStatus.ACTIVE


def test_a_therapist_discharges_and_reactivates(client_as, patient):
    client = client_as("therapist")
    client.post(f"/patients/{patient.pk}/discharge/")
    patient.refresh_from_db()
    assert patient.status == PatientStatus.DISCHARGED
    assert patient.discharged_at is not None
    client.post(f"/patients/{patient.pk}/reactivate/")
    patient.refresh_from_db()
    assert patient.status == PatientStatus.ACTIVE


def test_discharge_needs_post(client_as, patient):
    assert client_as("therapist").get(f"/patients/{patient.pk}/discharge/").status_code == 405


def test_the_list_searches_and_filters(client_as, patient, other_patient, therapist):
    client = client_as("front_desk")
    html = client.get("/patients/", {"q": "anders"}).content.decode()
    assert "Anders" in html
    assert "Baker" not in html
    html = client.get("/patients/", {"status": "discharged"}).content.decode()
    assert "No patients match" in html


def test_the_home_page_sends_each_role_to_its_start(client_as):
    assert client_as("anonymous").get("/").url == "/accounts/login/"
    assert client_as("patient").get("/").url == "/me/"
    assert client_as("therapist").get("/").url == "/patients/"


def test_staff_sign_in_with_their_password(client, therapist):
    from tests.factories import TEST_PASSWORD

    response = client.post("/accounts/login/", {"username": "maya", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get("/patients/").status_code == 200


def test_a_wrong_password_is_refused(client, therapist):
    response = client.post("/accounts/login/", {"username": "maya", "password": "nope"})
    assert response.status_code == 200
    assert client.get("/patients/").status_code == 302


def test_the_navigation_matches_the_role(client_as):
    therapist_html = client_as("therapist").get("/patients/").content.decode()
    patient_html = client_as("patient").get("/me/").content.decode()
    assert 'href="/patients/"' in therapist_html
    assert 'href="/patients/"' not in patient_html
    assert 'href="/me/routine/"' in patient_html


def test_staff_change_their_password(client, therapist):
    from tests.factories import TEST_PASSWORD

    client.force_login(therapist)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-much-longer-passphrase-2026",
            "new_password2": "a-much-longer-passphrase-2026",
        },
    )
    assert response.url == "/accounts/password/done/"
    therapist.refresh_from_db()
    assert therapist.check_password("a-much-longer-passphrase-2026")


def test_a_patient_session_cannot_change_a_password(client_as):
    response = client_as("patient").get("/accounts/password/")
    assert response.url.startswith("/accounts/login/")
