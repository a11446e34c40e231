"""The pages of a patient's record as a whole: the staff page of one patient and the patient's
own page (records/patient_pages.py)."""

import pytest

pytestmark = pytest.mark.django_db


def status_of(response) -> int | str:
    """The status, with redirects to the sign-in page told apart from other redirects."""
    if response.status_code == 302 and response.url.startswith("/accounts/login/"):
        return "login"
    return response.status_code


PAGE_EXPECTATIONS = {
    # role: (the patient's page, own patient home)
    "anonymous": ("login", 403),
    "patient": (403, 200),
    "other_patient": (403, 200),
    "therapist": (200, 403),
    "front_desk": (200, 403),
    "clinic_admin": (200, 403),
    "other_clinic_therapist": (404, 403),
}


@pytest.mark.parametrize(("role", "expected"), PAGE_EXPECTATIONS.items())
def test_both_pages_answer_each_role_as_the_policy_says(client_as, patient, role, expected):
    client = client_as(role)
    urls = [f"/patients/{patient.pk}/", "/me/"]
    assert tuple(status_of(client.get(url)) for url in urls) == expected


def test_the_patient_home_shows_the_patient_only_their_own_page(client_as):
    html = client_as("patient").get("/me/").content.decode()
    assert "Hello, Alex" in html
    assert "Bianca" not in html


def test_the_front_desk_does_not_see_symptoms(client_as, patient):
    therapist_view = client_as("therapist").get(f"/patients/{patient.pk}/").content.decode()
    desk_view = client_as("front_desk").get(f"/patients/{patient.pk}/").content.decode()
    assert "Symptoms" in therapist_view
    assert "Symptoms" not in desk_view
