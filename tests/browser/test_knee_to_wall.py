"""A therapist logs both sides in inches, sees the interpretation and the chart."""

import re

import pytest

from tests.browser.test_patient_journeys import DESKTOP, PHONE, sign_in
from tests.factories import record_knee_to_wall

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_therapist_logs_both_sides_in_inches_and_sees_interpretation_and_chart(
    browser, live_server, therapist, patient, artifacts_dir
):
    # A baseline three weeks ago, in centimetres by the same therapist.
    record_knee_to_wall(patient, therapist, left="8.0", right="9.0", days_ago=21)
    context = browser.new_context(viewport={"width": 1024, "height": 900})  # a tablet
    page = context.new_page()
    sign_in(page, live_server.url, "maya")
    page.goto(f"{live_server.url}/patients/{patient.pk}/knee-to-wall/new/")

    page.get_by_label("inches").check()
    assert page.locator(".unit-label").first.inner_text() == "(in)"
    left = page.get_by_label("Left toe-to-wall distance")
    left.focus()
    left.fill("12")  # too far: 12 in is past the plausible 10 in
    assert "At most 10 in" in page.locator("#id_left_distance_live").inner_text()
    left.fill("4.25")
    assert page.locator("#id_left_distance_live").inner_text() == ""
    page.keyboard.press("Tab")  # the next stop is the right distance
    assert page.evaluate("document.activeElement.name") == "right_distance"
    page.keyboard.type("3.5")
    page.get_by_label("Right pain during the test (0–10)").fill("4")
    page.get_by_label("Knees in / hip internal rotation").check()
    page.screenshot(path=artifacts_dir / "knee-to-wall-entry-tablet.png", full_page=True)
    page.get_by_label("Right toe-to-wall distance").press("Enter")  # Enter saves

    page.wait_for_url(re.compile(r"/assessments/\d+/$"))
    interpretation = page.locator(".interpretation")
    assert "4¼ in" in interpretation.inner_text()
    # Left: 8.0 cm → 10.795 cm = +2.8 cm, over the same-therapist MDC of 1.9 cm.
    assert "a real improvement" in interpretation.inner_text()
    # Right: 9.0 cm → 8.89 cm: a change smaller than the MDC is never shown as progress.
    assert "no real change" in interpretation.inner_text()
    assert "over 0.59 in" in interpretation.inner_text()  # 1.9 cm apart: asymmetry flagged
    page.screenshot(path=artifacts_dir / "knee-to-wall-interpretation.png", full_page=True)

    page.get_by_role("link", name="History and charts").click()
    chart = page.locator("figure.chart").first
    chart.wait_for()
    assert page.locator("svg .mdc-band").count() == 2
    assert page.locator("svg .target").count() == 2
    chart.screenshot(path=artifacts_dir / "knee-to-wall-chart-left.png")
    page.screenshot(path=artifacts_dir / "knee-to-wall-history-tablet.png", full_page=True)
    context.close()


def test_a_patient_does_the_self_test_on_a_phone(
    browser, live_server, patient, therapist, artifacts_dir, settings
):
    from clinic import services

    record_knee_to_wall(patient, therapist, left="9.5", right="10", days_ago=21)
    record_knee_to_wall(patient, therapist, left="11.8", right="10.4", days_ago=1)
    settings.SITE_URL = live_server.url
    link = services.patient_link_issue(patient=patient, issued_by=therapist)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(services.patient_link_url(link))
    page.get_by_text("Left: 9.5 cm → 11.8 cm, more movement than before, a real gain").wait_for()
    page.screenshot(path=artifacts_dir / "patient-progress-phone.png", full_page=True)
    page.get_by_role("link", name="Do the self-test").click()
    page.get_by_label("Left toe-to-wall distance").fill("12")
    page.get_by_label("Right knee could not reach the wall").check()
    page.get_by_label("Right gap with the toe at the wall").fill("1.5")
    page.screenshot(path=artifacts_dir / "self-test-phone.png", full_page=True)
    page.get_by_role("button", name="Save my self-test").click()
    page.get_by_text("your self-test is saved").wait_for()
    assert "could not reach the wall (1.5 cm short)" in page.content()
    context.close()


def test_an_empty_entry_is_stopped_in_the_browser(browser, live_server, therapist, patient):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "maya")
    page.goto(f"{live_server.url}/patients/{patient.pk}/knee-to-wall/new/")
    page.get_by_role("button", name="Save test").click()
    # Nothing entered: the browser-side check stops the round trip and says why.
    live = page.locator("#id_left_distance_live").inner_text()
    assert "Enter the toe-to-wall distance." in live
    assert page.url.endswith("/knee-to-wall/new/")
    context.close()
