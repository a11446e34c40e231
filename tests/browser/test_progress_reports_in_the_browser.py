"""Issue 18 in the browser: a therapist drafts, edits, signs and downloads a progress report;
the front desk sees who is due one; a patient's handout carries a QR code that opens their page
on a phone. The pages pass axe-core at phone and desktop sizes."""

from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from reports import services
from reports.models import ProgressReport
from tests.browser.test_accessibility import SIZES, axe_source, context_for, violations
from tests.browser.test_patient_journeys import DESKTOP, PHONE, sign_in
from tests.factories import record_knee_to_wall
from tests.reports.helpers import pdf_first_page_png, pdf_text, registered_days_ago, visits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["axe_source"]  # the fixture, used by name below


@pytest.fixture
def due_patient(patient, therapist, prescribed):
    registered_days_ago(patient, 60)
    record_knee_to_wall(patient, therapist, left="8.0", right="9.0", days_ago=40)
    record_knee_to_wall(patient, therapist, left="10.5", right="9.5", days_ago=3)
    visits(patient, 10, start_days=50)
    return patient


def test_a_therapist_drafts_edits_signs_and_downloads_a_report(
    browser, live_server, therapist, due_patient, artifacts_dir, tmp_path
):
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server.url, "maya")
    page.goto(f"{live_server.url}/patients/{due_patient.pk}/")
    assert page.get_by_text("Progress report due (10 visits)").is_visible()
    page.get_by_role("link", name="Progress reports").click()
    page.get_by_role("button", name="Draft the report").click()
    page.wait_for_url("**/progress-reports/*/")
    assert page.get_by_text("8.0 cm → 10.5 cm, a real improvement").is_visible()
    page.get_by_label("Goals").fill("Climb stairs without leg pain.")
    page.get_by_label("Assessment").fill("Left ankle loosened beyond the MDC.")
    page.get_by_label("Plan").fill("Keep the routine; re-test in three weeks.")
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_role("button", name="Sign the report").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("It can no longer be changed, only amended.").is_visible()
    page.screenshot(path=artifacts_dir / "progress-report-signed.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = Path(download.value.path()).read_bytes()
    text = pdf_text(pdf)
    assert "Climb stairs without leg pain." in text
    assert "Signed by Maya Okafor" in text
    assert ProgressReport.objects.get(patient=due_patient).is_signed
    context.close()


def test_the_handouts_qr_code_opens_the_patients_page_on_a_phone(
    browser, live_server, settings, therapist, due_patient, tmp_path
):
    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server.url, "maya")
    page.goto(f"{live_server.url}/patients/{due_patient.pk}/")
    with page.expect_download() as download:
        page.get_by_role("button", name="Handout (PDF, with a new personal link)").click()
    pdf = Path(download.value.path()).read_bytes()
    (code,) = zxingcpp.read_barcodes(Image.open(pdf_first_page_png(pdf, tmp_path)))
    phone = browser.new_context(viewport=PHONE)
    patient_page = phone.new_page()
    patient_page.goto(code.text)
    assert patient_page.url == f"{live_server.url}/me/"
    assert patient_page.get_by_role("button", name="Your routine on paper (PDF)").is_visible()
    context.close()
    phone.close()


def test_report_pages_pass_axe_at_phone_and_desktop_sizes(
    browser, live_server, therapist, front_desk, due_patient, axe_source
):
    draft = services.report_draft(patient=due_patient, by=therapist)
    signed = services.report_draft(patient=due_patient, by=therapist)
    services.report_update(report=signed, by=therapist, assessment="Better.", plan="Go on.")
    services.report_sign(report=signed, by=therapist)
    pages = {
        therapist: [
            f"/patients/{due_patient.pk}/",
            f"/patients/{due_patient.pk}/progress-reports/",
            f"/progress-reports/{draft.pk}/",
            f"/progress-reports/{signed.pk}/",
            f"/progress-reports/{signed.pk}/print/",
            "/dashboard/",
        ],
        front_desk: ["/schedule/due/"],
    }
    problems = []
    for user, paths in pages.items():
        for size_name, size in SIZES.items():
            context = context_for(browser, live_server, user, size)
            page = context.new_page()
            for path in paths:
                response = page.goto(f"{live_server.url}{path}")
                assert response.status == 200, (path, response.status)
                problems += [f"{size_name} {path}: {line}" for line in violations(page, axe_source)]
            context.close()
    assert problems == [], "\n".join(problems)
