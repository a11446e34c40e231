"""The home-exercise handout: the routine on one or two pages, and a QR code that decodes to a
fresh personal link, issued and audited when the handout is made."""

from pathlib import Path

import pytest
import zxingcpp
from django.conf import settings
from django.test import Client
from PIL import Image

from audit.models import AuditAction, AuditEvent
from clinic.models import PatientAccessLink
from reports import services
from reports.tasks import handout_email
from tests.reports.helpers import pdf_first_page_png, pdf_pages, pdf_text

pytestmark = pytest.mark.django_db


def qr_address(pdf: bytes, folder: Path) -> str:
    """The QR code on the handout's first page, decoded from the page as printed (150 dpi)."""
    (code,) = zxingcpp.read_barcodes(Image.open(pdf_first_page_png(pdf, folder)))
    assert code.format == zxingcpp.BarcodeFormat.QRCode
    return code.text


def test_the_handout_shows_each_exercise_with_its_dose_steps_and_rhythm(
    patient, therapist, prescribed
):
    pdf = services.handout_pdf(patient=patient, issued_by=therapist)
    text = pdf_text(pdf)
    assert 1 <= pdf_pages(pdf) <= 2
    assert "Alex Anders" in text
    for item in prescribed.items.select_related("exercise"):
        assert item.exercise.name in text
        first_step = item.exercise.instructions.splitlines()[0].strip()
        assert first_step in text
    assert "2 min each side, in and out of tension (10 s in, 5 s off)" in text
    assert "10 s easing into the stretch, 5 s easing off" in text
    assert "each side in turn" in text


def test_the_qr_code_opens_a_fresh_personal_link(patient, therapist, prescribed, tmp_path):
    before = set(PatientAccessLink.objects.filter(patient=patient).values_list("pk", flat=True))
    pdf = services.handout_pdf(patient=patient, issued_by=therapist)
    address = qr_address(pdf, tmp_path)
    (link,) = PatientAccessLink.objects.filter(patient=patient).exclude(pk__in=before)
    assert address.startswith(settings.SITE_URL + "/p/")
    # The link works: a phone that scans it lands on the patient's own page.
    phone = Client()
    opened = phone.get(address.removeprefix(settings.SITE_URL))
    assert opened.status_code == 302
    assert opened.url == "/me/"
    assert "Alex" in phone.get("/me/").content.decode()
    link.refresh_from_db()
    assert link.last_opened_at is not None


def test_making_a_handout_is_audited_with_its_link(patient, therapist, prescribed, client_as):
    response = client_as("therapist").post(f"/patients/{patient.pk}/handout.pdf")
    assert response["Content-Type"] == "application/pdf"
    link = PatientAccessLink.objects.filter(patient=patient).latest("created_at")
    export = AuditEvent.objects.get(action=AuditAction.EXPORT, object_type="handout")
    assert export.patient_id == patient.pk
    assert export.actor_user_id == therapist.pk
    assert str(link.pk) in export.note
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="patientaccesslink", object_id=str(link.pk)
    ).exists()


def test_a_patient_downloads_their_own_handout_from_me(patient, prescribed, client_as, tmp_path):
    client = client_as("patient")
    assert "Your routine on paper (PDF)" in client.get("/me/").content.decode()
    response = client.post("/me/handout.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Alex Anders" in pdf_text(response.content)
    export = AuditEvent.objects.get(action=AuditAction.EXPORT, object_type="handout")
    assert export.actor_kind == "patient"
    assert export.patient_id == patient.pk
    address = qr_address(response.content, tmp_path)
    assert Client().get(address.removeprefix(settings.SITE_URL)).url == "/me/"


def test_another_patient_gets_only_their_own_handout(patient, other_patient, prescribed, client_as):
    # Bianca has no routine: her handout is refused; Alex's is never hers to take.
    client = client_as("other_patient")
    response = client.post("/me/handout.pdf")
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    assert client.post(f"/patients/{patient.pk}/handout.pdf").status_code == 403


def test_the_front_desk_cannot_print_the_routine(patient, prescribed, client_as):
    assert client_as("front_desk").post(f"/patients/{patient.pk}/handout.pdf").status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_the_handout_is_emailed_as_a_pdf_by_a_worker(
    patient,
    therapist,
    prescribed,
    client_as,
    mailoutbox,
    django_capture_on_commit_callbacks,
    tmp_path,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_as("therapist").post(f"/patients/{patient.pk}/handout/email/")
    assert response.status_code == 302
    assert len(callbacks) >= 1
    link = PatientAccessLink.objects.filter(patient=patient).latest("created_at")
    export = AuditEvent.objects.get(action=AuditAction.EXPORT, object_type="handout")
    assert "emailed" in export.note
    assert str(link.pk) in export.note
    # What the worker does with the task's arguments.
    handout_email.run(link_id=str(link.pk))
    (message,) = mailoutbox
    assert message.to == [patient.email]
    ((name, pdf, kind),) = message.attachments
    assert (name, kind) == ("calf-routine.pdf", "application/pdf")
    assert "Alex Anders" in pdf_text(pdf)
    assert Client().get(qr_address(pdf, tmp_path).removeprefix(settings.SITE_URL)).url == "/me/"


def test_no_email_is_sent_for_a_link_revoked_before_the_worker_ran(
    patient, therapist, prescribed, mailoutbox
):
    link = services.handout_email(patient=patient, issued_by=therapist)
    PatientAccessLink.objects.filter(pk=link.pk).update(revoked_at=link.created_at)
    handout_email.run(link_id=str(link.pk))
    assert mailoutbox == []
