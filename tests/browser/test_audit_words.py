"""A clinic admin reads the audit trail on a phone: sentences with names, search by name."""

import os
from pathlib import Path

import pytest

from tests.browser.test_questionnaire_settings import signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinic_admin_finds_a_patients_events_by_name_on_a_phone(
    browser, live_server, client_as, patient, other_patient, clinic_admin, artifacts_dir
):
    therapist = client_as("therapist")
    therapist.get(f"/patients/{patient.pk}/")
    therapist.get(f"/patients/{other_patient.pk}/")
    shots = [artifacts_dir]
    if os.environ.get("DORSI_SHOTS"):  # a folder of one's own to look at, as well
        shots.append(Path(os.environ["DORSI_SHOTS"]))
        shots[-1].mkdir(parents=True, exist_ok=True)
    context = signed_in_context(browser, live_server, clinic_admin)
    page = context.new_page()
    page.goto(f"{live_server.url}/audit/")
    page.get_by_label("Search", exact=True).fill("Anders")
    page.get_by_role("button", name="Search").click()
    page.get_by_text("Maya Okafor opened the record of Alex Anders.").wait_for()
    assert page.get_by_text("opened the record of Bianca Baker").count() == 0
    for folder in shots:
        page.screenshot(path=folder / "audit-search-phone.png", full_page=True)

    page.goto(f"{live_server.url}/audit/?patient=Anders")
    page.get_by_text(
        "Patient: Enter the patient's number; to find a patient by name, use Search."
    ).wait_for()
    page.get_by_text("Nothing is listed until the search above can be read.").wait_for()
    for folder in shots:
        page.screenshot(path=folder / "audit-bad-filter-phone.png", full_page=True)
    context.close()
