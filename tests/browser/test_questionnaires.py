"""A patient answers a questionnaire on a phone, stops in the middle, comes back through /me/,
resumes where they stopped and sends it; the therapist sees the score on the patient page."""

import re

import pytest

from tests.browser.test_patient_journeys import DESKTOP, PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lefs(db):
    """The shipped instruments from the data migration (a transactional test flushed them)."""
    from questionnaires.models import Instrument
    from tests.factories import shipped_instruments_seed

    shipped_instruments_seed()
    return Instrument.objects.get(clinic=None, slug="lefs")


def test_a_patient_answers_the_lefs_on_a_phone_with_a_resume_and_the_therapist_sees_the_score(
    browser, live_server, settings, patient, therapist, lefs, artifacts_dir
):
    from clinic import services as clinic_services
    from questionnaires import services
    from questionnaires.models import QuestionnaireResponse

    settings.SITE_URL = live_server.url
    request = services.request_create(
        patient=patient,
        instrument=lefs,
        requested_by=therapist,
        message="Before your visit on Tuesday, please.",
    )
    link = clinic_services.patient_link_issue(patient=patient, issued_by=therapist)

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(clinic_services.patient_link_url(link))
    page.get_by_role("heading", name="Questionnaires to answer").wait_for()
    page.screenshot(path=artifacts_dir / "questionnaire-me-phone.png", full_page=True)
    page.get_by_role("link", name="Start Lower Extremity Functional Scale").click()
    page.get_by_text("Question 1 of 20").wait_for()
    page.get_by_text("What this is for").wait_for()
    page.get_by_text("Before your visit on Tuesday, please.").wait_for()
    # Large targets: every answer is a button at least 48 px high.
    heights = [choice.bounding_box()["height"] for choice in _choices(page)]
    assert len(heights) == 5
    assert min(heights) >= 48
    page.screenshot(path=artifacts_dir / "questionnaire-first-phone.png", full_page=True)

    page.get_by_role("button", name="Next").click()  # nothing chosen yet
    page.get_by_text("Choose an answer to go on.").wait_for()
    for number in range(1, 6):
        page.get_by_text("A little bit of difficulty").click()
        page.get_by_role("button", name="Next").click()
        page.get_by_text(f"Question {number + 1} of 20").wait_for()
    page.get_by_role("button", name="Back").click()
    page.get_by_text("Question 5 of 20").wait_for()
    assert page.locator("input[type=radio]:checked").get_attribute("value") == "3"
    page.screenshot(path=artifacts_dir / "questionnaire-question-phone.png", full_page=True)

    # The patient stops here and comes back later through their page.
    page.goto(f"{live_server.url}/me/")
    page.get_by_text("5 answers saved").wait_for()
    page.get_by_role("link", name="Continue Lower Extremity Functional Scale").click()
    page.get_by_text("Question 6 of 20").wait_for()
    for number in range(6, 21):
        page.get_by_text("No difficulty", exact=True).click()
        page.get_by_role("button", name="Review my answers" if number == 20 else "Next").click()
    page.get_by_role("heading", name="Check your answers").wait_for()
    page.screenshot(path=artifacts_dir / "questionnaire-review-phone.png", full_page=True)
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    page.screenshot(path=artifacts_dir / "questionnaire-thanks-phone.png", full_page=True)
    # The browser's back button to the review: the page is not cached, and what it answers now
    # is that the questionnaire is sent (no second send to make).
    page.go_back()
    page.wait_for_url(re.compile(r"/done/$"))
    page.get_by_role("heading", name="Thank you").wait_for()
    phone.close()

    response = QuestionnaireResponse.objects.get(request=request)
    assert (response.total, response.score_valid) == (75, True)  # 5 × 3 + 15 × 4
    assert QuestionnaireResponse.objects.filter(patient=patient).count() == 1

    desk = browser.new_context(viewport=DESKTOP)
    staff = desk.new_page()
    sign_in(staff, live_server.url, "maya")
    staff.goto(f"{live_server.url}/patients/{patient.pk}/")
    section = staff.locator("section.q-staff")
    section.get_by_text("LEFS").wait_for()
    assert "75" in section.locator("table").last.inner_text()
    assert "by the patient" in section.inner_text()
    section.scroll_into_view_if_needed()
    staff.screenshot(path=artifacts_dir / "questionnaire-staff-desktop.png", full_page=True)
    desk.close()


def _choices(page):
    choices = page.locator("label.q-choice")
    return [choices.nth(i) for i in range(choices.count())]
