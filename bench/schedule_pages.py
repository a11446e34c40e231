"""Schedule pages benchmark (issue 19, goal 4): the due-list and the schedule's day and week
views, for every bench clinic in the database, in one run.

For each page: queries, p50 and p95 of the whole request in-process, the SQL those queries take
when run again on their own (the page's essential SQL, p50 of as many runs), the ratio of the
two, and the HTML's size. Then t(largest) / t(100) per page, and the plan of the due-list's
candidate query at the largest size (an index, not a scan of the bookings).

    DATABASE_URL=postgres://.../dorsi_bench .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python manage.py bench_data --patients 100   (and 10000, 100000)
    DATABASE_URL=... .venv/bin/python bench/schedule_pages.py
"""

import os
import re
import statistics
import time

from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from staff_pages import admin_client, percentile

from clinic.models import Clinic, Patient, User

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
PAGES = {
    "due-list": "/schedule/due/",
    "day": "/schedule/",
    "week (everyone)": "/schedule/?view=week",
    "week (one therapist)": "/schedule/?view=week&therapist={therapist}",
}


def sql_time(statements: list[str]) -> float:
    """Milliseconds the page's reads take run again on their own, back to back."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def measure(client: Client, path: str) -> dict:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    reads = [q["sql"] for q in context.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    times, sql = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        sql.append(sql_time(reads))
    return {
        "queries": len(context),
        "p50": statistics.median(times),
        "p95": percentile(times, 0.95),
        "sql": statistics.median(sql),
        "bytes": len(response.content),
    }


results: dict[str, dict[int, dict]] = {}
sizes = []
for clinic in Clinic.objects.filter(name__regex=r"^Bench \d+$"):
    size = int(clinic.name.split()[1])
    sizes.append(size)
    admin = User.objects.get(clinic=clinic, role="clinic_admin")
    therapist = User.objects.filter(clinic=clinic, role="therapist").order_by("pk").first()
    client = admin_client(admin)
    for name, path in PAGES.items():
        client.get(path.format(therapist=therapist.pk))  # warm: session, appointment types
        figures = measure(client, path.format(therapist=therapist.pk))
        results.setdefault(name, {})[size] = figures
        print(
            f"{size:>7} patients  {name:<21} {figures['queries']:>3} queries  p50 "
            f"{figures['p50']:7.1f} ms  p95 {figures['p95']:7.1f} ms  SQL {figures['sql']:6.1f} ms"
            f"  p50/SQL {figures['p50'] / max(figures['sql'], 0.01):5.1f}"
            f"  {figures['bytes'] / 1024:7.1f} KB"
        )

if len(sizes) > 1:
    small, large = min(sizes), max(sizes)
    for name, by_size in results.items():
        ratio = by_size[large]["p50"] / by_size[small]["p50"]
        print(
            f"t({large:,}) / t({small:,}) {name:<21} {ratio:.2f}"
            f"  queries {by_size[small]['queries']} -> {by_size[large]['queries']}"
        )

if sizes:
    clinic = Clinic.objects.get(name=f"Bench {max(sizes)}")
    candidates = (
        Patient.objects.filter(clinic=clinic)
        .active()
        .filter(Q(booked_until__isnull=True) | Q(booked_until__lt=timezone.now()))
    )
    sql, params = candidates.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print(f"\nThe due-list's candidates at {max(sizes):,} patients:\n{plan}")
    if re.search(r"Seq Scan on clinic_appointment|clinic_appointment", plan):
        print("!! the plan reads the appointments")
