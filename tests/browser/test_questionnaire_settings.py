"""A clinic admin sets when the clinic asks for a questionnaire, on a phone: a bad number of
visits is refused on its field, the corrected one is saved and shown on the list.

Driven in Debian's chromium by Playwright; screenshots land in test-artifacts/.
"""

from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client

from questionnaires.models import ClinicInstrumentSetting
from tests.questionnaires.conftest import instruments as shipped_instruments

instruments = shipped_instruments  # the fixture, for this folder's tests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def signed_in_context(browser, live_server, user):
    """A phone's browser context with the user's session (past two-factor, as force_login
    gives it in the tests)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
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


def test_a_clinic_admin_schedules_a_questionnaire_on_a_phone(
    browser, live_server, clinic, clinic_admin, instruments, artifacts_dir
):
    context = signed_in_context(browser, live_server, clinic_admin)
    page = context.new_page()
    page.goto(f"{live_server.url}/patients/")
    # On a phone the menu is collapsed, and the questionnaires are under "More".
    page.get_by_role("button", name="Menu").click()
    page.locator(".nav-more summary").click()
    page.get_by_role("link", name="Questionnaires").click()
    page.get_by_role("heading", name="Outcome questionnaires").wait_for()
    assert page.get_by_text("Only when a therapist asks").count() == len(instruments)
    page.screenshot(path=artifacts_dir / "questionnaire-settings-phone.png", full_page=True)

    page.get_by_role("link", name="Change Lower Extremity Functional Scale").click()
    page.get_by_label("At intake").check()
    page.get_by_label("Every N visits").fill("0")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Enter a number of visits from 1 to 52, or leave it empty.").wait_for()
    page.screenshot(path=artifacts_dir / "questionnaire-setting-errors-phone.png", full_page=True)
    assert not ClinicInstrumentSetting.objects.exists()

    page.get_by_label("Every N visits").fill("6")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Automatically at intake, every 6 visits").wait_for()
    setting = ClinicInstrumentSetting.objects.get(clinic=clinic)
    assert (setting.ask_at_intake, setting.ask_every_n_visits) == (True, 6)
    context.close()
