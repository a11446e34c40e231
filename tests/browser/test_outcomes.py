"""A therapist reads the back and the leg beside the ankle, and the clinic's outcomes page with
the demo data. Screenshots (phone and desktop) land in test-artifacts/."""

import re

import pytest
from django.core.management import call_command

from clinic import services as clinic_services
from questionnaires.models import QuestionnaireRequest, RequestStatus
from tests.browser.test_content_security_policy import PolicyWatch, visit
from tests.browser.test_patient_journeys import DESKTOP, PHONE, sign_in
from tests.factories import record_knee_to_wall
from tests.questionnaire_answers import answer_on_paper, shipped

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_a_therapist_sees_the_back_pain_beside_the_knee_to_wall_chart(
    browser, live_server, therapist, patient, artifacts_dir, viewport, name
):
    record_knee_to_wall(patient, therapist, left="5", right="6", days_ago=28)
    record_knee_to_wall(patient, therapist, left="8", right="6.5", days_ago=1)
    answer_on_paper(patient, therapist, "nprs-back", 6, days_ago=28)
    answer_on_paper(patient, therapist, "nprs-back", 3, days_ago=1)

    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    sign_in(page, live_server.url, "maya")
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    section = page.get_by_role("region", name="Ankle, back and leg over time")
    section.wait_for()
    # The knee-to-wall chart and the score's chart in the one section, on one axis.
    assert section.get_by_role("img", name="Left knee-to-wall distance over time").is_visible()
    back = section.locator('[data-instrument="nprs-back"]')
    assert back.get_by_role("img", name="NPRS back over time").is_visible()
    assert back.locator(".latest").inner_text().startswith("3")
    words = back.locator(".change.improved").inner_text()
    assert words == "6 → 3, an important improvement (MCID 2 points or 30 %)"
    back.get_by_text("Source and terms").click()
    assert back.get_by_text("Terms:").is_visible()
    section.scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / f"beside-the-ankle-{name}.png", full_page=True)
    context.close()


def test_the_outcomes_page_counts_the_demo_clinic(
    browser, live_server, artifacts_dir, exercise_library
):
    shipped("nprs-back")  # the instruments, after an earlier test flushed the tables
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill("maya")
        page.get_by_label("Password").fill("dorsi-demo")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/patients/$"))
        page.goto(f"{live_server.url}/outcomes/")
        page.get_by_role("heading", name="Clinic outcomes").wait_for()
        cross = page.locator("table.cross-table tbody td")
        counts = [int(text) for text in cross.all_inner_texts()]
        assert len(counts) == 16
        assert sum(counts) > 0
        ankle = page.locator("table.outcome-rows tbody tr").first
        assert "Ankle (knee-to-wall)" in ankle.inner_text()
        page.screenshot(path=artifacts_dir / f"outcomes-{name}.png", full_page=True)
        # Set against leg pain: the table changes in place of the page, and says so.
        versus = page.get_by_role("navigation", name="Set the ankle against")
        versus.get_by_role("link", name="leg pain (NPRS leg)").click()
        page.get_by_role("heading", name="Ankle against leg pain (NPRS leg)").wait_for()
        if viewport == PHONE:
            # Nothing wider than a phone: a long email address or the questionnaires' tables
            # pushed the patient page sideways (found looking at the demo on a phone).
            asked = QuestionnaireRequest.objects.filter(status=RequestStatus.OPEN).first()
            for path in ("/outcomes/", f"/patients/{asked.patient_id}/", "/patients/", "/"):
                page.goto(f"{live_server.url}{path}")
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"], f"{path} is {width} px wide on a phone"
        context.close()


def test_the_outcome_pages_work_under_the_content_security_policy(
    browser, live_server, settings, therapist, patient, artifacts_dir
):
    settings.SITE_URL = live_server.url
    record_knee_to_wall(patient, therapist, left="5", right="6", days_ago=28)
    record_knee_to_wall(patient, therapist, left="8", right="6.5", days_ago=1)
    answer_on_paper(patient, therapist, "nprs-leg", 7, days_ago=28)
    answer_on_paper(patient, therapist, "nprs-leg", 3, days_ago=1)
    context = browser.new_context(viewport=DESKTOP)
    watch = PolicyWatch(context)
    page = context.new_page()
    sign_in(page, live_server.url, "maya")
    visit(page, f"{live_server.url}/patients/{patient.pk}/", artifacts_dir, "beside-the-ankle")
    assert page.locator(".beside-ankle figure.chart svg").count() == 3  # left, right, leg
    visit(page, f"{live_server.url}/outcomes/", artifacts_dir, "outcomes")
    context.close()

    link = clinic_services.patient_link_issue(patient=patient, issued_by=therapist)
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone_watch = PolicyWatch(phone)
    page = phone.new_page()
    page.goto(clinic_services.patient_link_url(link))
    page.wait_for_url(re.compile(r"/me/$"))
    section = page.get_by_role("region", name="Your ankle, back and leg over time")
    # The patient reads the words a therapist would use face to face, not the staff wording.
    assert "7 → 3, clearly better than before" in section.inner_text()
    page.screenshot(path=artifacts_dir / "csp-my-scores-phone.png", full_page=True)
    phone.close()
    assert watch.problems == []
    assert phone_watch.problems == []
