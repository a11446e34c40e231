"""Dashboard benchmark: queries and server time at 100, 1,000 and 10,000 patients.

Goals (issue 7): at most 12 queries at any size; t(10,000) / t(100) at most 1.5; p50 at most
60 ms at 10,000 patients; the patient page at most 5 queries. Needs the bench clinics:

    DATABASE_URL=postgres://.../dorsi_bench .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python manage.py bench_data --patients 100   (and 1000, 10000)
    DATABASE_URL=... .venv/bin/python bench/dashboard.py
"""

import os
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from staff_pages import admin_client, percentile

from clinic import services
from clinic.models import Clinic, Patient, User

RUNS = int(os.environ.get("BENCH_RUNS", "60"))


def measure(client: Client, path: str) -> tuple[int, list[float]]:
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    queries = len(context)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return queries, times


results = {}
for size in (100, 1000, 10000):
    clinic = Clinic.objects.filter(name=f"Bench {size}").first()
    if clinic is None:
        print(f"{size:>6} patients: no bench clinic (run bench_data --patients {size})")
        continue
    admin = User.objects.get(clinic=clinic, role="clinic_admin")
    client = admin_client(admin)
    queries, times = measure(client, "/dashboard/")
    results[size] = statistics.median(times)
    print(
        f"{size:>6} patients: dashboard {queries} queries, p50 {statistics.median(times):6.1f} ms,"
        f" p95 {percentile(times, 0.95):6.1f} ms (clinic admin, whole clinic, page 1)"
    )
    patient = Patient.objects.filter(clinic=clinic).order_by("pk").first()
    queries, times = measure(client, f"/patients/{patient.pk}/")
    print(
        f"        staff drill-down /patients/<id>/ {queries} queries, p50 "
        f"{statistics.median(times):6.1f} ms, p95 {percentile(times, 0.95):6.1f} ms"
    )
    link = services.patient_link_issue(patient=patient, issued_by=admin)
    patient_client = Client()
    patient_client.get(
        services.patient_link_url(link).split("localhost:8000")[-1].replace("http://testserver", "")
    )
    for path in ("/me/", "/me/routine/"):
        queries, times = measure(patient_client, path)
        print(
            f"        patient page {path:<12} {queries} queries, p50 "
            f"{statistics.median(times):6.1f} ms, p95 {percentile(times, 0.95):6.1f} ms"
        )

if 100 in results and 10000 in results:
    print(f"t(10,000) / t(100) = {results[10000] / results[100]:.2f} (goal <= 1.5)")
