"""Staff and patient pages on a phone (issue 17 item 5): no page scrolls sideways at 360 px.

Every page a role may open comes from the authorization matrix (itself built from the URLconf,
so a new page joins this test as soon as it gets its row there), with the matrix's records for
the addresses that need one. Each is opened at 360x740 as the therapist, the front desk, the
clinic admin and the patient (signed in by their personal link); a page wider than the screen
fails, naming the elements that stick out. A wide table or the schedule's grid may scroll
inside its own box: only the page as a whole must not.

Also: the site menu collapses behind a Menu button on a phone, and at 1366 px the clinic
admin's header (who has the most entries) is one row.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client

from clinic.models import Patient
from tests.test_authorization_matrix import OK, PAGES, page_url
from tests.test_authorization_matrix import world as world  # the records the matrix asks about

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 900}
STAFF_ROLES = ("therapist", "front_desk", "clinic_admin")
# The longest kind of address a patient gives, which used to run out of its card.
LONG_EMAIL = "alexandra.anders-featherstonehaugh@patients-of-lakeside.example"

# What overflows the page, and where: the outermost-but-one boxes whose right edge passes the
# screen, outside any box that scrolls or clips them.
WIDEST = """() => {
  const doc = document.scrollingElement;
  const limit = doc.clientWidth;
  if (doc.scrollWidth <= limit) return null;
  const contained = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const over = [...document.body.querySelectorAll("*")].filter((el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > limit + 1 && !contained(el);
  });
  const leaves = over.filter((el) => !over.some((other) => other !== el && el.contains(other)));
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  const path = (el) => {
    const parts = [];
    for (let at = el; at && at !== document.body && parts.length < 4; at = at.parentElement) {
      parts.unshift(name(at));
    }
    return parts.join(" > ");
  };
  leaves.sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right);
  return {
    scrollWidth: doc.scrollWidth, clientWidth: limit,
    widest: leaves.slice(0, 3).map((el) => path(el) + " reaches "
      + Math.round(el.getBoundingClientRect().right) + " px ("
      + JSON.stringify((el.textContent || "").trim().slice(0, 40)) + ")"),
  };
}"""


def html_pages(client: Client, role: str, world) -> list[str]:
    """The addresses of the HTML pages this role may open (downloads, JSON and the calendar
    feed are no pages), as the matrix lists them."""
    paths = []
    for (name, method), answers in sorted(PAGES.items()):
        if method != "GET" or answers[role] != OK:
            continue
        if name == "patient-link-open":
            # Opening a link starts a new session: the patient's browser opens it once, below,
            # and lands on their page; staff who open it see that same page.
            continue
        path = page_url(name, world)
        response = client.get(path, follow=True)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            paths.append(path)
    return paths


def staff_context(browser, live_server, user, size):
    client = Client()
    client.force_login(user)  # past two-factor, as conftest's force_login gives it
    context = browser.new_context(viewport=size)
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
    return client, context


def sideways(page, paths: list[str], base_url: str, who: str) -> list[str]:
    problems = []
    for path in paths:
        page.goto(f"{base_url}{path}")
        page.wait_for_load_state("load")
        if path.startswith("/api/v1/docs/"):
            page.locator(".opblock").first.wait_for()
        found = page.evaluate(WIDEST)
        if found:
            problems.append(
                f"{who} {path}: the page is {found['scrollWidth']} px wide at "
                f"{found['clientWidth']} px; widest: " + "; ".join(found["widest"])
            )
    return problems


def test_no_page_scrolls_sideways_at_360_px_for_any_role(
    browser, live_server, settings, request, world, patient
):
    settings.SITE_URL = live_server.url
    Patient.objects.filter(pk=patient.pk).update(email=LONG_EMAIL)
    problems = []
    opened = {}
    for role in STAFF_ROLES:
        client, context = staff_context(browser, live_server, request.getfixturevalue(role), NARROW)
        paths = html_pages(client, role, world)
        opened[role] = len(paths)
        problems += sideways(context.new_page(), paths, live_server.url, role)
        context.close()

    context = browser.new_context(viewport=NARROW, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}{page_url('patient-link-open', world)}")
    page.wait_for_url("**/me/")
    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = next(
        c["value"] for c in context.cookies() if c["name"] == django_settings.SESSION_COOKIE_NAME
    )
    paths = html_pages(client, "patient", world)
    opened["patient"] = len(paths)
    problems += sideways(page, paths, live_server.url, "patient")
    context.close()

    # The matrix gives each role its pages; too few would mean this test checks nothing.
    assert min(opened["therapist"], opened["clinic_admin"]) > 30, opened
    assert min(opened["front_desk"], opened["patient"]) > 3, opened
    assert problems == [], "\n".join(problems)


def test_the_menu_collapses_behind_a_button_on_a_phone(
    browser, live_server, therapist, artifacts_dir
):
    _, context = staff_context(browser, live_server, therapist, NARROW)
    page = context.new_page()
    page.goto(f"{live_server.url}/patients/")
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    assert menu.get_attribute("aria-expanded") == "false"
    assert menu.get_attribute("aria-controls") == "site-nav"
    assert not nav.is_visible()
    page.screenshot(path=artifacts_dir / "menu-closed-360.png")

    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    page.screenshot(path=artifacts_dir / "menu-open-360.png")
    current = nav.get_by_role("link", name="Patients")
    assert current.get_attribute("aria-current") == "page"
    nav.get_by_role("link", name="Schedule").focus()
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()
    assert page.evaluate("() => document.activeElement.classList.contains('menu-toggle')")

    # "More" opens inside the menu, and Escape closes it before the menu.
    menu.click()
    nav.get_by_text("More").click()
    nav.get_by_role("link", name="Questionnaires").wait_for()
    page.keyboard.press("Escape")
    assert not nav.get_by_role("link", name="Questionnaires").is_visible()
    assert menu.get_attribute("aria-expanded") == "true"
    context.close()


def test_the_menu_is_simply_shown_without_javascript(browser, live_server, therapist):
    client = Client()
    client.force_login(therapist)
    context = browser.new_context(viewport=NARROW, java_script_enabled=False)
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
    page = context.new_page()
    page.goto(f"{live_server.url}/patients/")
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Due").is_visible()
    assert not page.locator(".menu-toggle").is_visible()
    context.close()


def test_the_clinic_admins_header_is_one_row_at_1366_px(browser, live_server, clinic_admin):
    clinic_admin.clinic.name = "Lakeside Physical Therapy and Sports Rehab"
    clinic_admin.clinic.save(update_fields=["name"])
    _, context = staff_context(browser, live_server, clinic_admin, LAPTOP)
    page = context.new_page()
    for path in ("/dashboard/", "/audit/"):
        page.goto(f"{live_server.url}{path}")
        assert not page.locator(".menu-toggle").is_visible()
        middles = page.evaluate(
            """() => [...document.querySelectorAll(
                    '.site-header .brand, .nav-list > li, .nav-account > *')]
                .map(el => { const box = el.getBoundingClientRect();
                             return [el.textContent.trim().split(/\\s+/).join(' '),
                                     box.top + box.height / 2]; })"""
        )
        first = middles[0][1]
        off_the_row = [label for label, middle in middles if abs(middle - first) > 8]
        assert off_the_row == [], f"{path}: on another row than the brand: {off_the_row}"
    context.close()


def test_a_table_is_a_card_per_row_on_a_phone_and_a_table_on_a_laptop(
    browser, live_server, therapist, patient
):
    Patient.objects.filter(pk=patient.pk).update(email=LONG_EMAIL)
    cell = """() => {
        const td = document.querySelector('table.data tbody td[data-label="Contact"]');
        return {table: getComputedStyle(td.closest('table')).display,
                label: getComputedStyle(td, '::before').content,
                role: td.getAttribute('role'),
                fits: td.getBoundingClientRect().right <= document.documentElement.clientWidth};
    }"""
    for size, shown_as in ((NARROW, "block"), (LAPTOP, "table")):
        _, context = staff_context(browser, live_server, therapist, size)
        page = context.new_page()
        page.goto(f"{live_server.url}/patients/")
        found = page.evaluate(cell)
        assert found["table"] == shown_as, size
        assert found["role"] == "cell"
        assert found["fits"], f"the long email runs out of its card at {size['width']} px"
        if shown_as == "block":
            assert found["label"] == '"Contact"'
        context.close()
