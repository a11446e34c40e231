"""Every page works under the Content Security Policy: no inline script or style is refused,
and what used to depend on inline code (bar heights, the htmx filter, the routine timer, the
API docs) still works. Screenshots land in test-artifacts/csp-*.png."""

import re
import uuid
from datetime import timedelta

import pytest

from clinic import services
from dashboard.summaries import patient_summaries_refresh
from exercises import services as exercise_services
from tests.browser.test_patient_journeys import DESKTOP, PHONE, sign_in
from tests.factories import record_knee_to_wall

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Chromium reports refused content on the console, and Permissions-Policy mistakes there too.
POLICY_PROBLEM = re.compile(r"Content Security Policy|Permissions-Policy|Cross-Origin-Opener")


class PolicyWatch:
    """Collects CSP violation events and console complaints from every page of a context."""

    def __init__(self, context) -> None:
        self.problems: list[str] = []
        # Runs before any page script, on every document; Playwright injects it past the CSP.
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation', function (event) {"
            "  console.error('securitypolicyviolation: ' + event.violatedDirective + ' '"
            "    + event.blockedURI + ' at ' + event.sourceFile + ':' + event.lineNumber);"
            "});"
        )
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"page error: {error.error}"))

    def _console(self, message) -> None:
        text = message.text
        if text.startswith("securitypolicyviolation") or POLICY_PROBLEM.search(text):
            self.problems.append(f"{message.page.url if message.page else ''}: {text}")


def visit(page, url: str, shot, name: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    page.screenshot(path=shot / f"csp-{name}.png", full_page=True)


def bar_sizes(page, selector: str, dimension: str) -> list[float]:
    return page.eval_on_selector_all(
        selector,
        f"nodes => nodes.map(node => node.getBoundingClientRect().{dimension})",
    )


def test_staff_pages_work_under_the_content_security_policy(
    browser, live_server, therapist, patient, prescribed, artifacts_dir
):
    record_knee_to_wall(patient, therapist, left="8", right="9", days_ago=20)
    record_knee_to_wall(patient, therapist, left="10", right="9.5", days_ago=2)
    today = patient.clinic.local_now().date()
    for days_ago, pain in [(6, 2), (4, 8), (1, 5)]:
        exercise_services.session_log_record(
            patient=patient,
            version=prescribed,
            client_token=uuid.uuid4(),
            statuses={item.pk: "done" for item in prescribed.items.all()},
            pain=pain,
            session_date=today - timedelta(days=days_ago),
        )
    patient_summaries_refresh()

    context = browser.new_context(viewport=DESKTOP)
    watch = PolicyWatch(context)
    page = context.new_page()
    base = live_server.url

    visit(page, f"{base}/accounts/login/", artifacts_dir, "login")
    sign_in(page, base, "maya")
    visit(page, f"{base}/patients/", artifacts_dir, "patient-list")
    visit(page, f"{base}/patients/{patient.pk}/", artifacts_dir, "patient-detail")
    visit(page, f"{base}/patients/{patient.pk}/knee-to-wall/", artifacts_dir, "chart")
    assert page.locator("figure.chart svg").count() == 2
    visit(page, f"{base}/patients/{patient.pk}/knee-to-wall/new/", artifacts_dir, "entry")
    page.get_by_label("Could not reach the wall").first.check()  # the entry script runs
    assert page.locator("input[name=left_distance]").is_disabled()

    visit(page, f"{base}/patients/{patient.pk}/routine/", artifacts_dir, "staff-routine")
    weeks = bar_sizes(page, ".week .bar rect", "height")
    assert len(weeks) == 4
    assert max(weeks) > 20
    # Pain 2, 8, 5 after three sessions: the higher the pain, the higher its point.
    pains = bar_sizes(page, ".pain-chart .pain-point", "top")
    assert len(pains) == 3
    assert pains[1] < pains[2] < pains[0]

    visit(page, f"{base}/dashboard/", artifacts_dir, "dashboard")
    widths = bar_sizes(page, ".bars .bar", "width")
    assert any(width > 20 for width in widths)
    assert bar_sizes(page, ".meter rect", "width")[0] > 0
    assert page.locator("style").count() == 0  # htmx's indicator styles are in dorsi.css
    page.wait_for_function("() => window.htmx !== undefined")
    page.get_by_label("Sort by").select_option("name")  # htmx swaps the rows in place
    page.wait_for_function("() => location.search.includes('sort=name')")
    page.locator("tbody tr td.name a").first.wait_for()
    assert bar_sizes(page, ".meter rect", "width")[0] > 0

    visit(page, f"{base}/api/v1/docs/", artifacts_dir, "api-docs")
    page.get_by_text("Dorsi API").first.wait_for()
    page.locator(".opblock-summary").first.click()  # opens an operation, rendered by React
    page.get_by_role("button", name="Try it out").first.wait_for()
    page.get_by_role("button", name="Authorize").click()
    page.locator(".modal-ux").wait_for()
    page.screenshot(path=artifacts_dir / "csp-api-docs.png")
    visit(page, f"{base}/accounts/two-factor/setup/", artifacts_dir, "two-factor-setup")
    assert page.locator(".qr-code svg").is_visible()  # the QR code is inline SVG, no style=""
    visit(page, f"{base}/admin/login/", artifacts_dir, "admin-login")
    context.close()

    assert watch.problems == []


def test_patient_pages_and_the_timer_work_under_the_content_security_policy(
    browser, live_server, settings, patient, therapist, prescribed, artifacts_dir
):
    settings.SITE_URL = live_server.url
    link = services.patient_link_issue(patient=patient, issued_by=therapist)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    watch = PolicyWatch(context)
    page = context.new_page()
    page.goto(services.patient_link_url(link))
    page.wait_for_url(re.compile(r"/me/$"))
    page.screenshot(path=artifacts_dir / "csp-patient-home.png", full_page=True)
    visit(page, f"{live_server.url}/me/self-test/", artifacts_dir, "self-test")

    visit(page, f"{live_server.url}/me/routine/?speed=50", artifacts_dir, "routine")
    page.get_by_role("button", name="Start").click()
    page.locator("[data-exercise]").filter(has_text="Calf rolling").wait_for()
    page.wait_for_function(
        "() => parseFloat(document.querySelector('[data-progress]').style.width) > 0"
    )
    page.screenshot(path=artifacts_dir / "csp-routine-timer.png")
    context.close()

    assert watch.problems == []
