"""A therapist sorts the dashboard by urgency and drills down to a patient."""

import pytest

from dashboard.summaries import patient_summaries_refresh
from tests.browser.test_patient_journeys import sign_in
from tests.factories import PatientFactory, record_knee_to_wall

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_therapist_sorts_by_urgency_and_drills_down(
    browser, live_server, therapist, patient, clinic, artifacts_dir
):
    record_knee_to_wall(patient, therapist, left="9.5", right="10", days_ago=21)
    record_knee_to_wall(patient, therapist, left="7.0", right="10", days_ago=1)  # worse
    steady = PatientFactory(clinic=clinic, primary_therapist=therapist, last_name="Steady")
    record_knee_to_wall(steady, therapist, left="13", right="13", days_ago=1)
    patient_summaries_refresh()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "maya")
    page.get_by_role("link", name="Dashboard").click()
    # Arrow functions: a bare expression is eval()ed in the page, which the CSP refuses.
    page.wait_for_function("() => window.htmx !== undefined")  # filters work once htmx is in
    page.get_by_label("Sort by").select_option("name")
    page.wait_for_function("() => location.search.includes('sort=name')")
    first = page.locator("tbody tr").first.locator("td.name a")
    assert first.inner_text() == "Anders, Alex"
    page.get_by_label("Sort by").select_option("urgency")  # htmx swaps the rows in place
    page.wait_for_function("() => location.search.includes('sort=urgency')")
    page.wait_for_timeout(300)  # the swap follows the URL change
    rows = page.locator("tbody tr")
    assert "worse beyond the MDC" in rows.nth(0).inner_text()
    assert "Steady" in rows.nth(1).inner_text()
    page.screenshot(path=artifacts_dir / "dashboard-desktop.png", full_page=True)

    rows.nth(0).locator("td.name a").click()
    page.get_by_role("heading", name="Alex Anders").wait_for()
    assert "a real decline" in page.content()
    page.screenshot(path=artifacts_dir / "dashboard-drill-down-desktop.png", full_page=True)
    context.close()
