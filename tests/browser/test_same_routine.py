"""A therapist prescribes, on a phone, the routine the patient already has: the page warns and
offers to change the active one or to end it (issue 17, item 2)."""

import os
from pathlib import Path

import pytest

from tests.browser.test_patient_journeys import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_prescribing_the_same_routine_again_warns_and_offers_a_new_version(
    browser, live_server, patient, therapist, prescribed, artifacts_dir
):
    from exercises.models import Prescription

    shots = [artifacts_dir]
    if os.environ.get("DORSI_SHOTS"):  # a folder of one's own to look at, as well
        shots.append(Path(os.environ["DORSI_SHOTS"]))
        shots[-1].mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server.url, "maya")
    page.goto(f"{live_server.url}/patients/{patient.pk}/routine/prescribe/")
    page.get_by_role("button", name="Use this routine").click()
    page.get_by_role("button", name="Prescribe").click()

    warning = page.get_by_role("heading", name="Alex already has this routine")
    warning.wait_for()
    active = prescribed.prescription
    page.get_by_text(f"(prescription {active.pk}) active, from the same template").wait_for()
    for folder in shots:
        page.screenshot(path=folder / "same-routine-warning-phone.png", full_page=False)
    # Nothing sideways on a phone: the warning and its buttons fit the width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert Prescription.objects.filter(patient=patient).count() == 1

    page.get_by_role("button", name="Change it: a new version with these doses").click()
    page.get_by_text("version 2 is in force").wait_for()
    for folder in shots:
        page.screenshot(path=folder / "same-routine-new-version-phone.png", full_page=False)
    assert Prescription.objects.filter(patient=patient).count() == 1
    assert active.versions.count() == 2
    context.close()
