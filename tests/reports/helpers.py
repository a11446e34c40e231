"""Visits and PDFs for the report tests."""

from __future__ import annotations

import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from clinic.models import Patient
from scheduling import services as scheduling_services
from scheduling.models import Appointment, AppointmentStatus


def registered_days_ago(patient: Patient, days: int) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(created_at=timezone.now() - timedelta(days=days))
    patient.refresh_from_db()
    return patient


def visits(
    patient: Patient,
    count: int,
    *,
    status=AppointmentStatus.COMPLETED,
    start_days: int = 60,
    hour: int = 0,
):
    """`count` past visits of the patient with their therapist, a day apart, from
    `start_days` ago (the patient must have been registered before), `hour` hours later in
    the day than now (another patient of the same therapist needs another hour)."""
    (follow_up,) = [
        kind
        for kind in scheduling_services.appointment_types_ensure(clinic=patient.clinic)
        if kind.kind == "follow_up"
    ]
    made = []
    for index in range(count):
        starts = timezone.now() - timedelta(days=start_days - index) + timedelta(hours=hour)
        made.append(
            Appointment.objects.create(
                clinic=patient.clinic,
                patient=patient,
                therapist=patient.primary_therapist,
                appointment_type=follow_up,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=30),
                status=status,
                booked_by=patient.primary_therapist,
            )
        )
    # Written around the services, as a clinic's history would be imported: the patient's row
    # learns of them as it would from appointment_mark.
    scheduling_services.patient_appointments_refresh(patient_ids=[patient.pk])
    return made


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as poppler's pdftotext reads it, in reading order (a table cell's
    sentence stays whole), every run of white space made one space."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    return " ".join(text.split())


def pdf_pages(pdf: bytes) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        info = subprocess.run(
            ["pdfinfo", str(path)], check=True, capture_output=True, text=True
        ).stdout
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


def pdf_first_page_png(pdf: bytes, folder: Path, *, dpi: int = 150) -> Path:
    path = folder / "document.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", str(path), str(folder / "page")],
        check=True,
    )
    return next(folder.glob("page*.png"))
