"""Time to render a progress report as a PDF, beside the same page as HTML.

Goal (issue 18): a patient with a year of history renders in under a second. Runs on a
throwaway SQLite database with the demo data and a year of weekly tests, visits and sessions:

    .venv/bin/python bench/pdf_render.py
"""

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
scratch = tempfile.mkdtemp(prefix="dorsi-bench-")
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "ENV_FILE": str(Path(scratch) / "none"),
        "VAR_DIR": scratch,
        "DATABASE_URL": f"sqlite:///{scratch}/bench.sqlite3",
        "CELERY_BROKER_URL": "filesystem://",
        "SITE_URL": "http://testserver",
        "LOG_LEVEL": "WARNING",
    }
)

import django

django.setup()

from django.core.management import call_command
from django.utils import timezone

from assessments import services as assessment_services
from clinic.models import Patient
from exercises.models import PrescriptionVersion, SessionLog
from reports import services
from reports.draft import report_facts
from reports.pdf import pdf_from_html
from scheduling.models import Appointment, AppointmentStatus

ROUNDS = 7

call_command("migrate", verbosity=0)
call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
patient = Patient.objects.select_related("clinic", "primary_therapist").order_by("id").first()
therapist = patient.primary_therapist
clinic = patient.clinic
now = timezone.now()
Patient.objects.filter(pk=patient.pk).update(created_at=now - timedelta(days=380))
patient.refresh_from_db()

# A year of history: a weekly clinic test, two visits a week, a session every day.
for week in range(52):
    assessment_services.assessment_record(
        patient=patient,
        measured_by=therapist,
        recorded_by=therapist,
        unit="cm",
        data={
            "measured_at": now - timedelta(days=365 - 7 * week, hours=3),
            "left_reached": True,
            "left_distance": f"{6 + week * 0.12:.1f}",
            "right_reached": True,
            "right_distance": f"{8 + week * 0.05:.1f}",
        },
    )
kind = Appointment.objects.filter(clinic=clinic).first().appointment_type
Appointment.objects.bulk_create(
    Appointment(
        clinic=clinic,
        patient=patient,
        therapist=therapist,
        appointment_type=kind,
        starts_at=now - timedelta(days=364 - day, hours=5),
        ends_at=now - timedelta(days=364 - day, hours=5) + timedelta(minutes=30),
        status=AppointmentStatus.COMPLETED,
        booked_by=therapist,
    )
    for day in range(0, 364, 3)
)
version = PrescriptionVersion.objects.filter(prescription__patient=patient).first()
today = clinic.local_today()
SessionLog.objects.bulk_create(
    SessionLog(
        patient=patient,
        version=version,
        session_date=today - timedelta(days=day),
        pain=day % 7,
        client_token=uuid.uuid4(),
    )
    for day in range(1, 365)
    if not SessionLog.objects.filter(patient=patient, session_date=today - timedelta(days=day))
)

report = services.report_draft(
    patient=patient, by=therapist, period_start=today - timedelta(days=365)
)
html = services.report_document_html(report)
pdf_from_html(html)  # fonts loaded once, as in a running worker


def timed(render) -> float:
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        render()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


html_seconds = timed(lambda: services.report_document_html(report))
pdf_seconds = timed(lambda: pdf_from_html(services.report_document_html(report)))
draft_seconds = timed(
    lambda: report_facts(
        patient=patient, period_start=report.period_start, period_end=report.period_end
    )
)
pages = pdf_from_html(html).count(b"/Type /Page\n")
print(
    f"Progress report, a year of history ({report.facts['knee_to_wall']['tests']} tests, "
    f"{len(report.facts['visits']['attended'])} visits), median of {ROUNDS}:"
)
print(f"  drafting from the record: {draft_seconds * 1000:.0f} ms")
print(f"  HTML page:                {html_seconds * 1000:.0f} ms")
print(
    f"  PDF:                      {pdf_seconds * 1000:.0f} ms; goal < 1 s: "
    f"{'met' if pdf_seconds < 1 else 'MISSED'}"
)

if os.environ.get("BENCH_PROFILE"):
    import cProfile
    import pstats

    cProfile.run("pdf_from_html(html)", f"{scratch}/profile")
    pstats.Stats(f"{scratch}/profile").sort_stats("cumulative").print_stats(30)
