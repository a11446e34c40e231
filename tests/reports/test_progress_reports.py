"""Progress reports: drafted in the interpretation's own words, edited, signed and then locked
through every path (service, API, admin, the database), amended as a new version, exported as
a PDF that poppler reads back, every export in the audit trail."""

import csv
import io
import json
import uuid
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from audit.models import AuditAction, AuditEvent
from clinic import services as clinic_services
from clinic.access import Actor
from exercises.models import SessionLog
from questionnaires import services as questionnaire_services
from questionnaires.models import Instrument
from records import services as record_services
from reports import services
from reports.models import ProgressReport, ReportStatus
from tests.factories import StaffFactory, record_knee_to_wall, shipped_instruments_seed
from tests.neural.recording import record_neural
from tests.reports.helpers import pdf_pages, pdf_text, registered_days_ago, visits

pytestmark = pytest.mark.django_db


def answer_nprs_leg(patient, therapist, worst: int):
    request = questionnaire_services.request_create(
        patient=patient,
        instrument=Instrument.objects.get(clinic=None, slug="nprs-leg"),
        requested_by=therapist,
    )
    questionnaire_services.response_submit(
        actor=Actor(patient=patient),
        request=request,
        answers={"worst-24h": worst},
        submission_key=uuid.uuid4(),
    )


@pytest.fixture
def history(patient, therapist, prescribed):
    """A month of care: two knee-to-wall tests (left a real gain, right under the MDC), leg
    pain answered twice (an important improvement), a neural exam and five visits."""
    shipped_instruments_seed()
    registered_days_ago(patient, 40)
    record_knee_to_wall(patient, therapist, left="8.0", right="9.0", days_ago=30)
    record_knee_to_wall(patient, therapist, left="10.5", right="9.8", days_ago=2)
    answer_nprs_leg(patient, therapist, 7)
    answer_nprs_leg(patient, therapist, 3)
    record_neural(patient, therapist)
    visits(patient, 5, start_days=30)
    return patient


def signed_report(patient, therapist) -> ProgressReport:
    report = services.report_draft(patient=patient, by=therapist)
    report = services.report_update(
        report=report,
        by=therapist,
        goals="Walk the dog for 30 minutes without leg pain.",
        assessment="Left ankle loosened beyond the MDC; the right has not changed.",
        plan="Keep the routine; re-test in three weeks.",
    )
    return services.report_sign(report=report, by=therapist)


def test_the_pdf_says_the_values_in_the_interpretations_own_words(history, therapist):
    report = signed_report(history, therapist)
    text = pdf_text(services.report_pdf(report=report))
    assert "Lakeside" in text
    assert "Alex Anders" in text
    assert "Maya Okafor" in text
    assert "5 visits attended" in text
    assert "8.0 cm → 10.5 cm, a real improvement" in text
    # 0.8 cm is under the MDC: said as no real change, never as progress.
    assert "9.0 cm → 9.8 cm, no real change" in text
    assert "7 → 3, an important improvement (MCID 2 points or 30 %)" in text
    assert "positive for neural involvement" in text
    assert "Walk the dog for 30 minutes without leg pain." in text
    assert "Signed by Maya Okafor" in text


def test_a_change_under_the_mdc_is_never_called_progress(patient, therapist):
    registered_days_ago(patient, 40)
    record_knee_to_wall(patient, therapist, left="8.0", right="8.0", days_ago=30)
    record_knee_to_wall(patient, therapist, left="9.5", right="9.5", days_ago=1)
    report = services.report_draft(patient=patient, by=therapist)
    text = pdf_text(services.report_pdf(report=report))
    # Both sides, since the baseline and since the previous test (the same two tests).
    assert text.count("8.0 cm → 9.5 cm, no real change") == 4
    assert "real improvement" not in text
    assert "draft, not signed" in text


def test_a_year_of_history_stays_within_four_pages(patient, therapist, prescribed):
    registered_days_ago(patient, 370)
    for week in range(52):
        record_knee_to_wall(
            patient, therapist, left=f"{6 + week * 0.1:.1f}", right="9.0", days_ago=365 - 7 * week
        )
    visits(patient, 100, start_days=360)
    version = prescribed
    today = patient.clinic.local_today()
    SessionLog.objects.bulk_create(
        SessionLog(
            patient=patient,
            version=version,
            session_date=today - timedelta(days=d),
            pain=d % 8,
            client_token=uuid.uuid4(),
        )
        for d in range(1, 360)
    )
    report = services.report_draft(
        patient=patient, by=therapist, period_start=today - timedelta(days=365)
    )
    pdf = services.report_pdf(report=report)
    assert 1 <= pdf_pages(pdf) <= 4
    assert "100 visits attended" in pdf_text(pdf)


def test_a_signed_report_is_locked_in_the_service(history, therapist):
    report = signed_report(history, therapist)
    with pytest.raises(ValidationError, match="signed and cannot be changed"):
        services.report_update(report=report, by=therapist, plan="Something else.")
    with pytest.raises(ValidationError):
        services.report_sign(report=report, by=therapist)
    with pytest.raises(ValidationError):
        services.report_redraft(report=report)
    report.refresh_from_db()
    assert report.plan == "Keep the routine; re-test in three weeks."


def test_a_signed_report_is_locked_in_the_database(history, therapist):
    report = signed_report(history, therapist)
    with pytest.raises(DatabaseError), transaction.atomic():
        ProgressReport.objects.filter(pk=report.pk).update(plan="Rewritten behind Dorsi's back.")
    with pytest.raises(DatabaseError), transaction.atomic():
        ProgressReport.objects.filter(pk=report.pk).delete()
    assert ProgressReport.objects.get(pk=report.pk).plan.startswith("Keep the routine")


def test_a_signed_report_is_locked_in_the_api(history, therapist, client_as):
    report = signed_report(history, therapist)
    client = client_as("therapist")
    url = f"/api/v1/progress-reports/{report.pk}/"
    response = client.patch(url, data={"plan": "Changed."}, content_type="application/json")
    assert response.status_code == 400
    assert "signed and cannot be changed" in json.dumps(response.json())
    assert client.post(f"{url}sign/").status_code == 400
    assert client.get(url).json()["plan"] == "Keep the routine; re-test in three weeks."


def test_a_draft_is_edited_and_signed_through_the_api(history, client_as):
    client = client_as("therapist")
    created = client.post(
        "/api/v1/progress-reports/", data={"patient": history.pk}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft"
    assert body["facts"]["knee_to_wall"]["sides"][0]["since_baseline"].endswith(
        "a real improvement"
    )
    url = f"/api/v1/progress-reports/{body['id']}/"
    edited = client.patch(
        url, data={"assessment": "Better.", "plan": "Go on."}, content_type="application/json"
    )
    assert edited.status_code == 200
    signed = client.post(f"{url}sign/")
    assert signed.status_code == 200
    assert signed.json()["status"] == "signed"


def test_a_signed_report_is_locked_in_the_admin(history, therapist, client):
    report = signed_report(history, therapist)
    root = StaffFactory(clinic=None, role="", is_superuser=True, is_staff=True, username="root")
    client.force_login(root)
    url = f"/admin/reports/progressreport/{report.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="plan"' not in page.content.decode()  # read-only: no field to type in
    response = client.post(url, {"plan": "Changed in the admin.", "_save": "Save"})
    assert response.status_code == 403
    delete = client.post(f"/admin/reports/progressreport/{report.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    report.refresh_from_db()
    assert report.plan == "Keep the routine; re-test in three weeks."


def test_the_pages_refuse_to_change_a_signed_report(history, therapist, client_as):
    report = signed_report(history, therapist)
    client = client_as("therapist")
    client.post(f"/progress-reports/{report.pk}/", {"plan": "Changed.", "assessment": "x"})
    report.refresh_from_db()
    assert report.plan == "Keep the routine; re-test in three weeks."


def test_an_amendment_is_a_new_version_that_keeps_the_signed_one(history, therapist, client_as):
    report = signed_report(history, therapist)
    client = client_as("therapist")
    response = client.post(f"/progress-reports/{report.pk}/amend/", {"reason": "Wrong goal."})
    amendment = ProgressReport.objects.get(amends=report)
    assert response.url == f"/progress-reports/{amendment.pk}/"
    assert (amendment.version, amendment.status) == (2, ReportStatus.DRAFT)
    assert amendment.goals == report.goals
    services.report_update(report=amendment, by=therapist, goals="Walk 5 km.")
    services.report_sign(report=amendment, by=therapist)
    report.refresh_from_db()
    assert report.goals == "Walk the dog for 30 minutes without leg pain."
    text = pdf_text(services.report_pdf(report=amendment))
    assert "Amends version 1" in text
    assert "Wrong goal." in text
    with pytest.raises(ValidationError, match="amended already"):
        services.report_amend(report=report, by=therapist, reason="Again.")


def test_signing_needs_the_therapists_assessment_and_plan(history, therapist):
    report = services.report_draft(patient=history, by=therapist)
    with pytest.raises(ValidationError, match="assessment and plan"):
        services.report_sign(report=report, by=therapist)


def test_a_therapist_drafts_edits_signs_and_downloads_on_the_pages(history, client_as):
    client = client_as("therapist")
    drafted = client.post(f"/patients/{history.pk}/progress-reports/new/", {})
    report = ProgressReport.objects.get(patient=history)
    assert drafted.url == f"/progress-reports/{report.pk}/"
    page = client.get(drafted.url).content.decode()
    assert "8.0 cm → 10.5 cm, a real improvement" in page
    client.post(
        drafted.url,
        {
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
            "goals": "Run again.",
            "assessment": "Better.",
            "plan": "Go on.",
        },
    )
    client.post(f"/progress-reports/{report.pk}/sign/")
    report.refresh_from_db()
    assert report.is_signed
    assert report.goals == "Run again."
    download = client.get(f"/progress-reports/{report.pk}/report.pdf")
    assert download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF")
    printed = client.get(f"/progress-reports/{report.pk}/print/")
    assert printed.status_code == 200
    assert "Run again." in printed.content.decode()


def test_each_pdf_export_is_in_the_audit_trail(history, therapist, client_as):
    report = signed_report(history, therapist)
    client = client_as("therapist")
    client.get(f"/progress-reports/{report.pk}/report.pdf")
    client.get(f"/progress-reports/{report.pk}/report.pdf")
    exports = AuditEvent.objects.filter(
        action=AuditAction.EXPORT, object_type="progressreport", object_id=str(report.pk)
    )
    assert exports.count() == 2
    event = exports.first()
    assert event.patient_id == history.pk
    assert event.actor_user_id == therapist.pk
    assert "progress report PDF, version 1 (signed)" in event.note


def test_the_front_desk_never_gets_a_report(history, therapist, client_as):
    report = signed_report(history, therapist)
    desk = client_as("front_desk")
    for url in (
        f"/progress-reports/{report.pk}/",
        f"/progress-reports/{report.pk}/report.pdf",
        f"/progress-reports/{report.pk}/print/",
        f"/patients/{history.pk}/progress-reports/",
        f"/api/v1/progress-reports/{report.pk}/",
    ):
        assert desk.get(url).status_code == 403, url
    assert desk.get("/api/v1/progress-reports/").status_code == 403
    # Nor does the patient page tell them more than that a report exists.
    page = desk.get(f"/patients/{history.pk}/").content.decode()
    assert "Progress reports" not in page


def test_another_clinic_does_not_learn_the_report_exists(history, therapist, client_as):
    report = signed_report(history, therapist)
    other = client_as("other_clinic_therapist")
    assert other.get(f"/progress-reports/{report.pk}/report.pdf").status_code == 404
    assert other.get(f"/api/v1/progress-reports/{report.pk}/").status_code == 404


def test_anonymising_the_patient_empties_the_words_of_their_signed_reports(
    history, therapist, clinic_admin
):
    report = signed_report(history, therapist)
    amendment = services.report_amend(report=report, by=therapist, reason="Alex asked for it.")
    clinic_services.patient_discharge(patient=history, by=therapist)
    record_services.patient_anonymise(patient=history, by=clinic_admin)
    report.refresh_from_db()
    amendment.refresh_from_db()
    assert (report.goals, report.assessment, report.plan) == ("", "", "")
    assert report.is_signed
    assert amendment.amendment_reason == "Removed when the patient was anonymised."
    text = pdf_text(services.report_pdf(report=report))
    assert "Alex" not in text
    assert "Anders" not in text
    assert "8.0 cm → 10.5 cm, a real improvement" in text  # the record's part stays


def test_emptying_the_words_does_not_open_a_signed_report_to_other_changes(history, therapist):
    report = signed_report(history, therapist)
    with pytest.raises(DatabaseError), transaction.atomic():
        ProgressReport.objects.filter(pk=report.pk).update(
            goals="", assessment="", plan="", period_end=report.period_start
        )
    with pytest.raises(DatabaseError), transaction.atomic():
        ProgressReport.objects.filter(pk=report.pk).update(
            goals="", assessment="", plan="", facts={}
        )


def test_the_patients_csv_export_holds_every_version_of_their_reports(history, therapist):
    report = signed_report(history, therapist)
    services.report_amend(report=report, by=therapist, reason="Wrong goal.")
    archive = zipfile.ZipFile(io.BytesIO(record_services.patient_export_csv(patient=history)))
    rows = list(
        csv.DictReader(
            io.StringIO(
                archive.read(f"patient-{history.pk}/progress_reports.csv").decode("utf-8-sig")
            )
        )
    )
    assert [(row["version"], row["status"]) for row in rows] == [("1", "signed"), ("2", "draft")]
    assert rows[0]["goals"] == "Walk the dog for 30 minutes without leg pain."
    assert rows[1]["amendment_reason"] == "Wrong goal."
    assert "a real improvement" in rows[0]["record_drafted"]
