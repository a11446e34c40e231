"""WCAG 2.2 AA, checked in the browser (issue 17 §13): axe-core (the npm package, pinned in
package.json and installed by `./dorsi test`) runs in each page, as each role sees it, at phone
and desktop sizes, with forms showing their errors too. Zero violations is the bar: a page that
fails lists each rule, its impact and the first elements that break it.

The API docs (Swagger UI, vendored by drf-spectacular) are included: api-docs.css and
api-docs-a11y.js mend what its own markup lacks.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client

from clinic import services
from exercises import services as exercise_services
from reminders.composing import reminder_message
from reminders.models import Reminder, ReminderKind
from reminders.services import opt_out_url
from tests.browser.test_patient_journeys import DESKTOP, PHONE
from tests.conftest import ROOT
from tests.factories import record_knee_to_wall, shipped_instruments_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(
            f"{AXE.relative_to(ROOT)} is missing: `./dorsi test` installs it from package.json "
            "(npm ci); run `npm ci --ignore-scripts` once if you call pytest directly."
        )
    return AXE.read_text()


def violations(page, axe_source: str) -> list[str]:
    """axe-core's WCAG 2.2 AA violations of the page as it stands, one line each."""
    if not page.evaluate("() => window.axe !== undefined"):
        page.add_script_tag(content=axe_source)
    found = page.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})
            .then(result => result.violations.map(v => ({
                id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))""",
        WCAG_22_AA,
    )
    return [f"{v['id']} ({v['impact']}): {json.dumps(v['nodes'])}" for v in found]


def context_for(browser, live_server, user, size: dict):
    """A browser signed in as `user` (past two-factor, as force_login gives it). The CSP is
    bypassed only so that the test can inject axe-core into the page."""
    context = browser.new_context(viewport=size, bypass_csp=True)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                    "domain": urlsplit(live_server.url).hostname,
                    "path": "/",
                }
            ]
        )
    return context


@pytest.fixture
def clinic_with_history(patient, therapist, prescribed):
    shipped_instruments_seed()
    record_knee_to_wall(
        patient,
        therapist,
        left="8",
        right="9",
        days_ago=20,
        left_tibia_angle_deg="30.0",
        left_angle_method="inclinometer",
    )
    latest = record_knee_to_wall(
        patient,
        therapist,
        left="10",
        right=None,
        days_ago=2,
        left_tibia_angle_deg="36.5",
        left_angle_method="phone",
        left_angle_spread_deg="0.4",
    )
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
    return latest.assessment


def check_pages(browser, live_server, user, paths: list[str], axe_source, artifacts_dir, name):
    problems = []
    for size_name, size in SIZES.items():
        context = context_for(browser, live_server, user, size)
        page = context.new_page()
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status in (200, 404), (path, response.status)
            page.wait_for_load_state("load")
            if path.startswith("/api/v1/docs/"):
                page.locator(".opblock").first.wait_for()
            problems += [f"{size_name} {path}: {line}" for line in violations(page, axe_source)]
        context.close()
    assert problems == [], "\n".join(problems)


def test_staff_pages_pass_axe_at_phone_and_desktop_sizes(
    browser, live_server, therapist, patient, clinic_with_history, axe_source, artifacts_dir
):
    assessment = clinic_with_history
    check_pages(
        browser,
        live_server,
        therapist,
        [
            "/dashboard/",
            "/outcomes/",
            "/patients/",
            "/patients/new/",
            f"/patients/{patient.pk}/",
            f"/patients/{patient.pk}/edit/",
            f"/patients/{patient.pk}/knee-to-wall/",
            f"/patients/{patient.pk}/knee-to-wall/?chart=deg",
            f"/patients/{patient.pk}/knee-to-wall/new/",
            f"/assessments/{assessment.pk}/",
            f"/assessments/{assessment.pk}/correct/",
            f"/patients/{patient.pk}/routine/",
            f"/patients/{patient.pk}/routine/prescribe/",
            "/exercises/",
            "/routines/",
            "/schedule/",
            "/schedule/book/",
            "/schedule/due/",
            "/schedule/hours/",
            "/accounts/security/",
            "/api/v1/docs/",
            "/no-such-page/",
        ],
        axe_source,
        artifacts_dir,
        "staff",
    )


def test_clinic_admin_and_front_desk_pages_pass_axe(
    browser, live_server, clinic_admin, front_desk, clinic_with_history, axe_source, artifacts_dir
):
    check_pages(
        browser,
        live_server,
        clinic_admin,
        [
            "/audit/",
            "/schedule/reminders/failed/",
            "/clinic/questionnaires/",
            "/questionnaires/instruments/",
        ],
        axe_source,
        artifacts_dir,
        "admin",
    )
    check_pages(
        browser,
        live_server,
        front_desk,
        ["/patients/", "/schedule/"],
        axe_source,
        artifacts_dir,
        "desk",
    )


def test_patient_and_public_pages_pass_axe(
    browser,
    live_server,
    settings,
    patient,
    therapist,
    clinic_with_history,
    axe_source,
    artifacts_dir,
):
    settings.SITE_URL = live_server.url
    problems = []
    for size_name, size in SIZES.items():
        context = context_for(browser, live_server, None, size)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        problems += [f"{size_name} login: {v}" for v in violations(page, axe_source)]
        link = services.patient_link_issue(patient=patient, issued_by=therapist)
        page.goto(services.patient_link_url(link))
        for path in ("/me/", "/me/routine/", "/me/self-test/"):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("load")
            problems += [f"{size_name} {path}: {v}" for v in violations(page, axe_source)]
        context.close()
    assert problems == [], "\n".join(problems)


def test_forms_showing_their_errors_pass_axe(
    browser, live_server, therapist, patient, clinic_with_history, axe_source, artifacts_dir
):
    """Error messages are where list semantics broke (a <ul role="alert">)."""
    problems = []
    for size_name, size in SIZES.items():
        context = context_for(browser, live_server, therapist, size)
        page = context.new_page()
        for path in (f"/patients/{patient.pk}/knee-to-wall/new/", "/patients/new/"):
            page.goto(f"{live_server.url}{path}")
            page.locator("form [type=submit]").last.click()
            page.wait_for_load_state("load")
            problems += [f"{size_name} {path} (errors): {v}" for v in violations(page, axe_source)]
        context.close()
    assert problems == [], "\n".join(problems)


def test_the_check_finds_what_it_should(browser, axe_source):
    """The check is not a rubber stamp: a list broken by role="alert", an image without a
    text and a scrolling box the keyboard cannot reach are each reported."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_content(
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
        '<ul role="alert"><li>Enter a date.</li></ul><img src="data:,">'
        '<div style="overflow:auto;width:50px"><p style="width:400px">wide text</p></div>'
        "</main></body></html>"
    )
    found = " ".join(violations(page, axe_source))
    context.close()
    for rule in ("listitem", "image-alt", "scrollable-region-focusable"):
        assert rule in found, found


def test_the_opt_out_pages_and_a_reminder_email_pass_axe(
    browser, live_server, settings, patient, axe_source, artifacts_dir
):
    """The pages a patient reaches from a message (asking, done, a link that no longer works)
    and the HTML part of a reminder as a mail app shows it."""
    settings.SITE_URL = live_server.url
    stop = opt_out_url(patient)
    email = reminder_message(
        Reminder(
            clinic=patient.clinic, patient=patient, kind=ReminderKind.EXERCISE, channel="email"
        )
    )
    problems = []
    for size_name, size in SIZES.items():
        context = context_for(browser, live_server, None, size)
        page = context.new_page()
        for name, url in (("forged", "/r/stop/forged/"), ("short link gone", "/s/nosuchcode")):
            page.goto(f"{live_server.url}{url}")
            problems += [f"{size_name} {name}: {v}" for v in violations(page, axe_source)]
        page.goto(stop)
        problems += [f"{size_name} opt-out: {v}" for v in violations(page, axe_source)]
        page.get_by_role("button", name="Stop my reminders").click()
        page.get_by_role("heading", name="Reminders stopped").wait_for()
        problems += [f"{size_name} opted out: {v}" for v in violations(page, axe_source)]
        page.set_content(email.html)
        page.screenshot(path=artifacts_dir / f"reminder-email-{size_name}.png", full_page=True)
        problems += [f"{size_name} email: {v}" for v in violations(page, axe_source)]
        context.close()
    assert problems == [], "\n".join(problems)
