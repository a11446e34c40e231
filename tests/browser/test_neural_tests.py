"""A therapist records both sides' SLR and a slump from a knee-to-wall visit, on a phone, by
typing, and reads the interpretation, the history's chart and the patient page."""

import os
import re
from pathlib import Path

import pytest

from tests.browser.test_patient_journeys import PHONE, sign_in
from tests.factories import record_knee_to_wall
from tests.neural.recording import record_neural, slr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shots(artifacts_dir: Path) -> list[Path]:
    # Also where a reviewer of this feature looks, when asked for (NEURAL_SHOTS).
    extra = os.environ.get("NEURAL_SHOTS")
    return [artifacts_dir, *([Path(extra)] if extra else [])]


def _shot(page, artifacts_dir: Path, name: str) -> None:
    for folder in _shots(artifacts_dir):
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=folder / name, full_page=True)


def test_a_therapist_records_both_sides_by_typing_and_reads_the_interpretation(
    browser, live_server, therapist, patient, artifacts_dir
):
    record_neural(patient, therapist, [slr(angle="35"), slr("right", None)], days_ago=21)
    visit = record_knee_to_wall(patient, therapist, left="9", right="11").assessment
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server.url, "maya")
    page.goto(f"{live_server.url}/assessments/{visit.pk}/")
    page.get_by_role("link", name="Add neural tests to this visit").click()
    page.wait_for_url(re.compile(r"/neural-tests/new/\?assessment=\d+$"))

    page.get_by_label("Left straight-leg raise").select_option("symptoms")
    onset = page.get_by_label("Left hip flexion at symptom onset (°)")
    assert onset.get_attribute("data-tilt-measure") == "slr"
    onset.fill("47.5")
    page.get_by_label("Left measured with").select_option("inclinometer")
    page.get_by_label("Left furthest the symptoms reached").select_option("below_knee")
    page.get_by_label("Left ankle dorsiflexion (bragard)").select_option("changed")
    page.get_by_label("Left crossed slr").select_option("no")
    page.get_by_label("Right straight-leg raise").select_option("no_symptoms")
    page.get_by_label("Right no symptoms: greatest angle (°)").fill("80")
    page.get_by_label("Right measured with").select_option("estimated")
    page.get_by_label("Left slump test").select_option("reproduced")
    page.get_by_label("Left eased by neck extension").select_option("yes")
    _shot(page, artifacts_dir, "neural-entry-phone.png")
    page.get_by_role("button", name="Save neural tests").click()

    page.wait_for_url(re.compile(r"/neural-tests/\d+/$"))
    results = page.locator(".neural-results").inner_text()
    assert "Positive for neural involvement: pain below the knee from 47.5°" in results
    assert "+12.5° (35.0° → 47.5°); no MDC is known for this angle" in results
    assert "No symptoms up to ≈80° (approximate)" in results
    assert "reproduced and eased by neck extension" in results
    assert page.get_by_role("link", name="knee-to-wall visit").count() == 1
    _shot(page, artifacts_dir, "neural-detail-phone.png")

    page.get_by_role("link", name="History and charts").click()
    page.locator("figure.slr-chart").first.wait_for()
    assert page.locator("svg .classic-band").count() == 2
    assert page.locator("svg .slr-no-symptoms").count() == 2  # the right side, both times
    _shot(page, artifacts_dir, "neural-history-phone.png")

    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    section = page.locator("section", has=page.locator("#neural-h"))
    assert "positive for neural involvement" in section.inner_text()
    section.scroll_into_view_if_needed()
    _shot(page, artifacts_dir, "neural-patient-page-phone.png")
    context.close()
