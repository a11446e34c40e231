"""The patient answers a questionnaire on their phone: one question a screen, resumed where they
left off, reviewed and sent once (questionnaires/views.py)."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.access import Actor
from questionnaires import services
from questionnaires.models import QuestionnaireResponse, RequestStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def lefs_request(patient, therapist, instruments):
    return services.request_create(
        patient=patient, instrument=instruments["lefs"], requested_by=therapist
    )


@pytest.fixture
def psfs_request(patient, therapist, instruments):
    return services.request_create(
        patient=patient, instrument=instruments["psfs"], requested_by=therapist
    )


def answer_url(request, screen=None) -> str:
    url = f"/me/questionnaires/{request.pk}/"
    return f"{url}?q={screen}" if screen is not None else url


def saved(request) -> dict:
    response = QuestionnaireResponse.objects.filter(request=request).first()
    return response.answers if response else {}


def status_of(response) -> int | str:
    if response.status_code == 302 and response.url.startswith("/accounts/login/"):
        return "login"
    return response.status_code


# --- Who may open them ------------------------------------------------------------------------

EXPECTED = {
    # role: (answer GET, answer POST, thank-you GET)
    "anonymous": (403, 403, 403),  # the page asking for the personal link
    "patient": (302, 200, 302),  # to where they left off; the form; to the answers (open)
    "other_patient": (404, 404, 404),
    "therapist": (403, 403, 403),
    "front_desk": (403, 403, 403),
    "clinic_admin": (403, 403, 403),
    "other_clinic_therapist": (403, 403, 403),
}


@pytest.mark.parametrize(("role", "expected"), EXPECTED.items())
def test_the_answer_pages_answer_each_role_as_the_policy_says(
    client_as, lefs_request, role, expected
):
    client = client_as(role)
    got = (
        status_of(client.get(answer_url(lefs_request))),
        status_of(client.post(answer_url(lefs_request, 1), {})),
        status_of(client.get(f"/me/questionnaires/{lefs_request.pk}/done/")),
    )
    assert got == expected
    if role != "patient":
        assert saved(lefs_request) == {}


def test_me_lists_the_questionnaires_to_answer_with_start_then_continue(
    client_as, lefs_request, other_patient, therapist, instruments
):
    services.request_create(
        patient=other_patient, instrument=instruments["psfs"], requested_by=therapist
    )
    client = client_as("patient")
    html = client.get("/me/").content.decode()
    assert "Questionnaires to answer" in html
    assert "Lower Extremity Functional Scale" in html
    assert "Patient-Specific Functional Scale" not in html  # Bianca's
    assert ">Start<" in html
    client.post(answer_url(lefs_request, 1), {"answer": "3", "go": "next"})
    html = client.get("/me/").content.decode()
    assert ">Continue<" in html
    assert "1 answer saved" in html


def test_the_card_costs_one_query_however_many_are_open(
    client_as, lefs_request, therapist, instruments
):
    client = client_as("patient")

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/me/").status_code == 200
        return len(context)

    one = queries()
    client.post(answer_url(lefs_request, 1), {"answer": "3", "go": "next"})
    for slug in ("psfs", "nprs-back", "nprs-leg"):
        services.request_create(
            patient=lefs_request.patient, instrument=instruments[slug], requested_by=therapist
        )
    assert queries() == one


def test_me_shows_no_card_when_nothing_is_to_answer(client_as):
    assert "Questionnaires to answer" not in client_as("patient").get("/me/").content.decode()


# --- Answering, stopping, resuming ------------------------------------------------------------


def test_the_first_screen_says_what_the_questionnaire_is_for(client_as, lefs_request):
    html = client_as("patient").get(answer_url(lefs_request, 1)).content.decode()
    assert "What this is for" in html
    assert "whether the problem with your leg makes everyday activities" in html
    assert "Question 1 of 20" in html
    assert "Binkley JM, Stratford PW" in html  # the source and terms, where it is used
    second = client_as("patient").get(answer_url(lefs_request, 2)).content.decode()
    assert "What this is for" not in second
    assert "Question 2 of 20" in second


def test_each_next_saves_and_a_patient_who_comes_back_resumes_at_the_first_unanswered(
    client_as, lefs_request
):
    client = client_as("patient")
    assert client.get(answer_url(lefs_request)).url == answer_url(lefs_request, 1)
    for number, value in ((1, "4"), (2, "3"), (3, "2")):
        response = client.post(answer_url(lefs_request, number), {"answer": value, "go": "next"})
        assert response.url == answer_url(lefs_request, number + 1)
    assert saved(lefs_request) == {"lefs-1": 4, "lefs-2": 3, "lefs-3": 2}

    later = client_as("patient")  # another day, the link opened again
    assert later.get(answer_url(lefs_request)).url == answer_url(lefs_request, 4)
    html = later.get(answer_url(lefs_request, 3)).content.decode()
    assert 'value="2" id="id_answer_2" checked' in html  # the answer saved, shown again


def test_back_keeps_the_answer_given_and_goes_back(client_as, lefs_request):
    client = client_as("patient")
    response = client.post(answer_url(lefs_request, 2), {"answer": "1", "go": "back"})
    assert response.url == answer_url(lefs_request, 1)
    assert saved(lefs_request) == {"lefs-2": 1}


def test_next_without_an_answer_asks_for_one_and_skip_leaves_it_out(client_as, lefs_request):
    client = client_as("patient")
    response = client.post(answer_url(lefs_request, 1), {"go": "next"})
    assert response.status_code == 200
    assert "Choose an answer to go on." in response.content.decode()
    response = client.post(answer_url(lefs_request, 1), {"go": "skip"})
    assert response.url == answer_url(lefs_request, 2)
    assert saved(lefs_request) == {}


def test_an_answer_out_of_range_names_the_question_and_saves_nothing(client_as, lefs_request):
    client = client_as("patient")
    client.post(answer_url(lefs_request, 1), {"answer": "4", "go": "next"})
    response = client.post(answer_url(lefs_request, 3), {"answer": "9", "go": "next"})
    assert response.status_code == 200
    assert "Question 3: &#x27;9&#x27; is not one of the answers to this question (0–4)." in (
        response.content.decode()
    )
    assert saved(lefs_request) == {"lefs-1": 4}


def test_a_psfs_activity_rated_must_be_named_on_its_screen(client_as, psfs_request):
    client = client_as("patient")
    response = client.post(answer_url(psfs_request, 1), {"answer": "4", "go": "next"})
    assert "Question 1: Name the activity you rated." in response.content.decode()
    assert saved(psfs_request) == {}
    response = client.post(
        answer_url(psfs_request, 1), {"answer": "4", "label": "Gardening", "go": "next"}
    )
    assert response.url == answer_url(psfs_request, 2)
    stored = QuestionnaireResponse.objects.get(request=psfs_request)
    assert (stored.answers, stored.item_labels) == ({"activity-1": 4}, {"activity-1": "Gardening"})


def test_a_screen_that_does_not_exist_opens_where_the_patient_left_off(client_as, lefs_request):
    client = client_as("patient")
    assert client.get(answer_url(lefs_request, 99)).url == answer_url(lefs_request, 1)
    assert client.get(answer_url(lefs_request, "x")).url == answer_url(lefs_request, 1)


# --- Sending once -----------------------------------------------------------------------------


def answer_all(client, request, value="3", count=20):
    for number in range(1, count + 1):
        client.post(answer_url(request, number), {"answer": value, "go": "next"})


def test_the_review_lists_every_answer_and_sends_them_once_on_a_double_tap(client_as, lefs_request):
    client = client_as("patient")
    answer_all(client, lefs_request)
    assert client.get(answer_url(lefs_request)).url == answer_url(lefs_request, "review")
    html = client.get(answer_url(lefs_request, "review")).content.decode()
    assert "Check your answers" in html
    assert html.count("A little bit of difficulty") == 20
    key = str(uuid.uuid4())
    assert 'name="submission_key" value="' in html

    first = client.post(answer_url(lefs_request, "review"), {"submission_key": key})
    second = client.post(answer_url(lefs_request, "review"), {"submission_key": key})
    done = f"/me/questionnaires/{lefs_request.pk}/done/"
    assert (first.url, second.url) == (done, done)
    response = QuestionnaireResponse.objects.get(request=lefs_request)
    assert (response.total, response.score_valid, response.entered_by) == (60, True, None)
    assert QuestionnaireResponse.objects.filter(patient=lefs_request.patient).count() == 1
    thanks = client.get(done).content.decode()
    assert "Thank you" in thanks
    # Answered: the questionnaire opens on its thank-you page, and leaves /me/.
    assert client.get(answer_url(lefs_request, 1)).url == done
    assert "Questionnaires to answer" not in client.get("/me/").content.decode()


def test_a_change_made_from_the_review_returns_to_the_review(client_as, lefs_request):
    client = client_as("patient")
    answer_all(client, lefs_request)
    html = client.get(answer_url(lefs_request, "review")).content.decode()
    assert "?q=7&amp;then=review" in html
    page = client.get(answer_url(lefs_request, 7) + "&then=review").content.decode()
    assert "Review my answers" in page
    response = client.post(
        answer_url(lefs_request, 7), {"answer": "0", "go": "next", "then": "review"}
    )
    assert response.url == answer_url(lefs_request, "review")
    assert saved(lefs_request)["lefs-7"] == 0


def test_a_retry_with_another_key_after_sending_records_nothing_more(client_as, lefs_request):
    client = client_as("patient")
    answer_all(client, lefs_request)
    client.post(answer_url(lefs_request, "review"), {"submission_key": str(uuid.uuid4())})
    again = client.post(answer_url(lefs_request, "review"), {"submission_key": str(uuid.uuid4())})
    assert again.url == f"/me/questionnaires/{lefs_request.pk}/done/"
    assert QuestionnaireResponse.objects.filter(request=lefs_request).count() == 1


def test_the_review_warns_when_the_answers_cannot_be_scored(client_as, lefs_request):
    client = client_as("patient")
    answer_all(client, lefs_request, count=17)
    html = client.get(answer_url(lefs_request, "review")).content.decode()
    assert "Some questions still need an answer." in html
    assert html.count("Not answered") == 3


def test_a_stale_form_is_a_clear_message_never_a_500(client_as, lefs_request):
    client = client_as("patient")
    answer_all(client, lefs_request)
    response = client.post(answer_url(lefs_request, "review"), {"submission_key": "not-a-key"})
    assert response.status_code == 400
    assert "This form is out of date; reload it." in response.content.decode()
    assert lefs_request.__class__.objects.get(pk=lefs_request.pk).status == RequestStatus.OPEN


def test_a_key_used_for_another_questionnaire_is_a_clear_message(
    client_as, lefs_request, psfs_request
):
    client = client_as("patient")
    answer_all(client, lefs_request)
    key = str(uuid.uuid4())
    client.post(answer_url(lefs_request, "review"), {"submission_key": key})
    response = client.post(answer_url(psfs_request, "review"), {"submission_key": key})
    assert response.status_code == 400
    assert "already used for another questionnaire" in response.content.decode()
    psfs_request.refresh_from_db()
    assert psfs_request.status == RequestStatus.OPEN


def test_a_cancelled_request_says_so_to_a_get_and_to_a_post(client_as, lefs_request, therapist):
    client = client_as("patient")
    client.post(answer_url(lefs_request, 1), {"answer": "2", "go": "next"})
    services.request_cancel(request=lefs_request, cancelled_by=therapist)
    for response in (
        client.get(answer_url(lefs_request, 2)),
        client.post(answer_url(lefs_request, 2), {"answer": "2", "go": "next"}),
        client.post(answer_url(lefs_request, "review"), {"submission_key": str(uuid.uuid4())}),
    ):
        assert response.status_code == 200
        assert "Your therapist has withdrawn this questionnaire" in response.content.decode()
    assert saved(lefs_request) == {"lefs-1": 2}


def test_a_request_answered_on_paper_meanwhile_opens_the_thank_you_page(
    client_as, lefs_request, therapist
):
    client = client_as("patient")
    services.response_enter_from_paper(
        entered_by=therapist,
        patient=lefs_request.patient,
        request=lefs_request,
        answers={f"lefs-{n}": 2 for n in range(1, 21)},
        submission_key=uuid.uuid4(),
    )
    response = client.post(answer_url(lefs_request, 1), {"answer": "2", "go": "next"})
    assert response.url == f"/me/questionnaires/{lefs_request.pk}/done/"


def test_the_patient_services_are_the_ones_used(client_as, lefs_request):
    """The page submits through response_submit: the response records the patient's key."""
    client = client_as("patient")
    answer_all(client, lefs_request, value="4")
    key = uuid.uuid4()
    client.post(answer_url(lefs_request, "review"), {"submission_key": str(key)})
    response, created = services.response_submit(
        actor=Actor(patient=lefs_request.patient),
        request=lefs_request,
        answers={},
        submission_key=key,
    )
    assert (created, response.total) == (False, 80)


def test_a_psfs_follow_up_offers_the_activities_named_at_the_first_answers(
    client_as, patient, therapist, instruments
):
    # The PSFS's mean compares only when the same activities are rated again (Stratford 1995).
    first = services.request_create(
        patient=patient, instrument=instruments["psfs"], requested_by=therapist
    )
    services.response_enter_from_paper(
        entered_by=therapist,
        patient=patient,
        instrument=instruments["psfs"],
        answers={"activity-1": 3, "activity-2": 4, "activity-3": 5},
        item_labels={"activity-1": "Gardening", "activity-2": "Stairs", "activity-3": "Driving"},
        submission_key=uuid.uuid4(),
    )
    first.refresh_from_db()
    assert first.status == RequestStatus.COMPLETED
    follow_up = services.request_create(
        patient=patient, instrument=instruments["psfs"], requested_by=therapist
    )
    client = client_as("patient")
    page = client.get(answer_url(follow_up, 2)).content.decode()
    assert 'value="Stairs"' in page
    staff_page = client_as("therapist").get(
        f"/patients/{patient.pk}/questionnaires/paper/?instrument={instruments['psfs'].pk}"
    )
    assert 'value="Gardening"' in staff_page.content.decode()
