"""Staff ask for a questionnaire, cancel a request and enter answers from paper, on the patient's
page (questionnaires/views.py, records/patient_pages.py)."""

import uuid
from datetime import timedelta

import pytest

from clinic import services as clinic_services
from questionnaires import services
from questionnaires.models import (
    ClinicInstrumentSetting,
    QuestionnaireRequest,
    QuestionnaireResponse,
    RequestStatus,
)
from tests.factories import LicensedInstrumentFactory

pytestmark = pytest.mark.django_db


def status_of(response) -> int | str:
    if response.status_code == 302 and response.url.startswith("/accounts/login/"):
        return "login"
    return response.status_code


@pytest.fixture
def lefs_request(patient, therapist, instruments):
    return services.request_create(
        patient=patient, instrument=instruments["lefs"], requested_by=therapist
    )


def lefs_paper(value="3", **extra) -> dict:
    data = {f"answers.lefs-{n}": value for n in range(1, 21)}
    data.update(submission_key=str(uuid.uuid4()), **extra)
    return data


# --- Who may ------------------------------------------------------------------------------------

EXPECTED = {
    # role: (ask GET, ask POST, paper GET, paper POST, cancel POST)
    "anonymous": ("login",) * 5,
    "patient": (403,) * 5,
    "other_patient": (403,) * 5,
    "front_desk": (403,) * 5,
    "therapist": (200, 400, 200, 400, 302),
    "clinic_admin": (200, 400, 200, 400, 302),
    "other_clinic_therapist": (404,) * 5,
}


@pytest.mark.parametrize(("role", "expected"), EXPECTED.items())
def test_the_staff_pages_answer_each_role_as_the_policy_says(
    client_as, patient, lefs_request, instruments, role, expected
):
    client = client_as(role)
    paper = f"/patients/{patient.pk}/questionnaires/paper/?instrument={instruments['lefs'].pk}"
    got = (
        status_of(client.get(f"/patients/{patient.pk}/questionnaires/ask/")),
        status_of(client.post(f"/patients/{patient.pk}/questionnaires/ask/", {})),
        status_of(client.get(paper)),
        status_of(client.post(paper, {})),
        status_of(client.post(f"/questionnaire-requests/{lefs_request.pk}/cancel/")),
    )
    assert got == expected
    lefs_request.refresh_from_db()
    expect_cancelled = role in ("therapist", "clinic_admin")
    assert (lefs_request.status == RequestStatus.CANCELLED) == expect_cancelled
    assert not QuestionnaireResponse.objects.exists()


def test_the_section_shows_to_clinicians_and_the_ask_form_to_those_who_may_ask(client_as, patient):
    for role in ("therapist", "clinic_admin"):
        html = client_as(role).get(f"/patients/{patient.pk}/").content.decode()
        assert 'id="q-staff-h">Questionnaires' in html
        assert "Ask the patient" in html
    desk = client_as("front_desk").get(f"/patients/{patient.pk}/").content.decode()
    assert "Questionnaires" not in desk


def test_a_discharged_patient_cannot_be_asked_from_the_page(client_as, patient, therapist):
    clinic_services.patient_discharge(patient=patient, by=therapist)
    html = client_as("therapist").get(f"/patients/{patient.pk}/").content.decode()
    assert 'id="q-staff-h">Questionnaires' in html
    assert "Ask the patient" not in html


# --- Asking and cancelling ----------------------------------------------------------------------


def test_a_therapist_asks_and_the_request_shows_as_open(client_as, patient, instruments):
    client = client_as("therapist")
    due = patient.clinic.local_today() + timedelta(days=3)
    response = client.post(
        f"/patients/{patient.pk}/questionnaires/ask/",
        {"instrument": instruments["nprs-back"].pk, "due_on": due.isoformat(), "message": "Hi"},
    )
    assert response.url == f"/patients/{patient.pk}/"
    request = QuestionnaireRequest.objects.get(patient=patient)
    assert (request.instrument, request.due_on, request.message) == (
        instruments["nprs-back"],
        due,
        "Hi",
    )
    html = client.get(f"/patients/{patient.pk}/").content.decode()
    assert "is asked to answer the Numeric Pain Rating Scale" in html
    assert "not started" in html


def test_asking_twice_or_for_a_past_date_names_the_field_and_saves_nothing(
    client_as, patient, lefs_request, instruments
):
    client = client_as("therapist")
    url = f"/patients/{patient.pk}/questionnaires/ask/"
    today = patient.clinic.local_today()
    response = client.post(url, {"instrument": instruments["lefs"].pk, "due_on": today})
    assert response.status_code == 400
    assert "Alex Anders already has this questionnaire to answer" in response.content.decode()
    response = client.post(
        url, {"instrument": instruments["psfs"].pk, "due_on": today - timedelta(days=1)}
    )
    assert response.status_code == 400
    assert "The due date cannot be in the past." in response.content.decode()
    assert QuestionnaireRequest.objects.filter(patient=patient).count() == 1


def test_an_instrument_the_clinic_turned_off_is_not_offered_nor_accepted(
    client_as, clinic, patient, instruments
):
    ClinicInstrumentSetting.objects.create(
        clinic=clinic, instrument=instruments["psfs"], enabled=False
    )
    client = client_as("therapist")
    url = f"/patients/{patient.pk}/questionnaires/ask/"
    assert "Patient-Specific Functional Scale" not in client.get(url).content.decode()
    response = client.post(
        url, {"instrument": instruments["psfs"].pk, "due_on": patient.clinic.local_today()}
    )
    assert response.status_code == 400
    assert not QuestionnaireRequest.objects.exists()


def test_cancelling_twice_is_a_message_not_an_error(client_as, patient, lefs_request):
    client = client_as("therapist")
    url = f"/questionnaire-requests/{lefs_request.pk}/cancel/"
    client.post(url)
    response = client.post(url, follow=True)
    assert "This questionnaire was cancelled." in response.content.decode()
    assert "No questionnaire waiting for an answer." in response.content.decode()


# --- Paper ----------------------------------------------------------------------------------------


def test_paper_answers_complete_the_open_request_and_show_on_the_patient_page(
    client_as, patient, lefs_request, instruments, therapist
):
    client = client_as("therapist")
    url = f"/patients/{patient.pk}/questionnaires/paper/?instrument={instruments['lefs'].pk}"
    html = client.get(url).content.decode()
    assert html.count('id="question-') == 20
    assert "For the request of" in html
    day = patient.clinic.local_today() - timedelta(days=2)
    response = client.post(url, lefs_paper(filled_in_on=day.isoformat()))
    assert response.url == f"/patients/{patient.pk}/"
    answers = QuestionnaireResponse.objects.get(request=lefs_request)
    assert (answers.total, answers.entered_by) == (60, therapist)
    assert patient.clinic.local_date(answers.completed_at) == day
    page = client.get(f"/patients/{patient.pk}/").content.decode()
    assert "from paper" in page
    assert "<strong>60</strong>" in page


def test_paper_answers_without_a_request_record_an_ad_hoc_one(client_as, patient, instruments):
    client = client_as("clinic_admin")
    url = f"/patients/{patient.pk}/questionnaires/paper/?instrument={instruments['nprs-leg'].pk}"
    data = {
        "answers.worst-24h": "7",
        "submission_key": str(uuid.uuid4()),
        "filled_in_on": patient.clinic.local_today().isoformat(),
    }
    client.post(url, data)
    client.post(url, data)  # a double click: recorded once
    (answers,) = QuestionnaireResponse.objects.filter(patient=patient)
    assert (answers.total, answers.request.status) == (7, RequestStatus.COMPLETED)


def test_a_bad_paper_answer_names_its_question_and_nothing_is_saved(
    client_as, patient, lefs_request, instruments
):
    client = client_as("therapist")
    url = f"/patients/{patient.pk}/questionnaires/paper/?instrument={instruments['lefs'].pk}"
    data = lefs_paper(filled_in_on=patient.clinic.local_today().isoformat())
    data["answers.lefs-7"] = "6"
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Question 7: &#x27;6&#x27; is not one of the answers to this question (0–4)." in html
    assert "Nothing was saved" in html
    assert not QuestionnaireResponse.objects.exists()
    lefs_request.refresh_from_db()
    assert lefs_request.status == RequestStatus.OPEN


def test_a_paper_key_used_for_another_questionnaire_is_shown_and_nothing_is_saved(
    client_as, patient, instruments
):
    client = client_as("therapist")
    today = patient.clinic.local_today().isoformat()
    key = str(uuid.uuid4())
    leg = f"/patients/{patient.pk}/questionnaires/paper/?instrument={instruments['nprs-leg'].pk}"
    data = {"answers.worst-24h": "7", "submission_key": key, "filled_in_on": today}
    assert client.post(leg, data).status_code == 302
    url = f"/patients/{patient.pk}/questionnaires/paper/?instrument={instruments['lefs'].pk}"
    response = client.post(url, {**lefs_paper(filled_in_on=today), "submission_key": key})
    assert response.status_code == 400
    assert "already used for another questionnaire" in response.content.decode()
    assert QuestionnaireResponse.objects.filter(patient=patient).count() == 1


def test_a_paper_form_dated_in_the_future_is_refused_on_its_date(
    client_as, patient, lefs_request, instruments
):
    client = client_as("therapist")
    url = f"/patients/{patient.pk}/questionnaires/paper/?instrument={instruments['lefs'].pk}"
    tomorrow = patient.clinic.local_today() + timedelta(days=1)
    response = client.post(url, lefs_paper(filled_in_on=tomorrow.isoformat()))
    assert response.status_code == 400
    assert "It cannot have been filled in the future." in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_paper_entry_without_an_instrument_offers_the_clinics_choice(
    client_as, patient, other_clinic, instruments
):
    theirs = LicensedInstrumentFactory(clinic=other_clinic, name="Hillside's own index")
    client = client_as("therapist")
    html = client.get(f"/patients/{patient.pk}/questionnaires/paper/").content.decode()
    assert "Lower Extremity Functional Scale" in html
    assert "Hillside's own index" not in html
    url = f"/patients/{patient.pk}/questionnaires/paper/?instrument={theirs.pk}"
    assert client.get(url).status_code == 404


def test_psfs_paper_answers_keep_the_activities_named(client_as, patient, instruments):
    client = client_as("therapist")
    url = f"/patients/{patient.pk}/questionnaires/paper/?instrument={instruments['psfs'].pk}"
    data = {
        "submission_key": str(uuid.uuid4()),
        "filled_in_on": patient.clinic.local_today().isoformat(),
        "item_labels.activity-1": "Gardening",
        "answers.activity-1": "4",
        "item_labels.activity-2": "Walking the dog",
        "answers.activity-2": "6",
        "answers.activity-3": "5",  # rated, not named: refused on its question
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Question 3: Name the activity you rated." in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()
    data["item_labels.activity-3"] = "Stairs"
    assert client.post(url, data).status_code == 302
    answers = QuestionnaireResponse.objects.get(patient=patient)
    assert answers.total == 5
    assert answers.item_labels == {
        "activity-1": "Gardening",
        "activity-2": "Walking the dog",
        "activity-3": "Stairs",
    }
