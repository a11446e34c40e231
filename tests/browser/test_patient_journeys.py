"""The front desk registers a patient and gives them a link; the patient opens it on a phone.

Driven in Debian's chromium by Playwright; screenshots land in test-artifacts/.
"""

import re

import pytest

from clinic.models import Patient
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/patients/$"))


def test_front_desk_registers_a_patient_who_opens_their_link_on_a_phone(
    browser, live_server, settings, front_desk, therapist, other_patient, artifacts_dir
):
    settings.SITE_URL = live_server.url
    desk = browser.new_context(viewport=DESKTOP)
    page = desk.new_page()
    sign_in(page, live_server.url, "sam")
    page.screenshot(path=artifacts_dir / "patients-list-desktop.png", full_page=True)

    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("First name").fill("Carla")
    page.get_by_label("Last name").fill("Castro")
    page.get_by_label("Date of birth").fill("2999-01-01")
    page.get_by_label("Phone").fill("12")
    page.get_by_role("button", name="Register patient").click()
    # The server refuses, naming each field; nothing is saved.
    page.get_by_text("The date of birth cannot be in the future.").wait_for()
    page.screenshot(path=artifacts_dir / "patient-form-errors-desktop.png", full_page=True)
    assert not Patient.objects.filter(first_name="Carla").exists()

    page.get_by_label("Date of birth").fill("1975-03-02")
    page.get_by_label("Phone").fill("312 555 0177")
    page.get_by_label("Email").fill("carla@mail.example")
    page.get_by_label("Primary therapist").select_option(label=str(therapist))
    page.get_by_role("button", name="Register patient").click()
    page.get_by_role("heading", name="Carla Castro").wait_for()
    assert page.get_by_text("Symptoms").count() == 0  # the front desk sees no clinical data

    page.get_by_role("button", name="Create a link").click()
    link_url = page.get_by_role("textbox", name="Personal link").first.input_value()
    assert link_url.startswith(f"{live_server.url}/p/")
    page.screenshot(path=artifacts_dir / "patient-detail-desktop.png", full_page=True)

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    patient_page = phone.new_page()
    patient_page.goto(link_url)
    patient_page.wait_for_url(re.compile(r"/me/$"))
    patient_page.get_by_role("heading", name="Hello, Carla").wait_for()
    assert "Bianca" not in patient_page.content()
    patient_page.screenshot(path=artifacts_dir / "patient-home-phone.png", full_page=True)

    # Staff pages stay closed to the patient.
    response = patient_page.goto(f"{live_server.url}/patients/")
    assert response.status == 403

    # Revoking the link signs the phone out at its next request.
    page.reload()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").first.click()
    page.get_by_text("The link is revoked").wait_for()
    response = patient_page.goto(f"{live_server.url}/me/")
    assert response.status == 403
    desk.close()
    phone.close()


def test_a_therapist_uses_the_patient_list_on_a_phone(
    browser, live_server, therapist, patient, other_patient, artifacts_dir
):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server.url, "maya")
    page.get_by_label("Search").fill("Anders")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Anders, Alex").wait_for()
    assert page.get_by_role("link", name="Baker, Bianca").count() == 0
    page.screenshot(path=artifacts_dir / "patients-list-phone.png", full_page=True)
    page.get_by_role("link", name="Anders, Alex").click()
    page.get_by_text("Left side").wait_for()
    page.screenshot(path=artifacts_dir / "patient-detail-phone.png", full_page=True)
    context.close()


def test_the_first_tab_reaches_the_skip_link(browser, live_server, artifacts_dir):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/me/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.goto(f"{live_server.url}/accounts/login/")
    page.screenshot(path=artifacts_dir / "login-desktop.png")
    context.close()
