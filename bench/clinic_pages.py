"""Clinic-wide pages at every bench size (issue 19, goal 4): each page against its own SQL.

For each bench clinic in the database ("Bench 100", "Bench 10000", "Bench 100000", made by
`manage.py bench_data --patients N`), signed in as its clinic admin, for the dashboard (each
sort, and a search), the patient list (its order, and a search), the due-list and the schedule's
day and week views (the clinic, and one therapist), this prints:

- queries: statements the page runs (goal: the same number as at 100 patients);
- p50 / p95 of the page's server time over BENCH_RUNS requests, in process;
- SQL: p50 of the summed time of the page's own statements replayed through a raw cursor (the
  exact SQL the page ran, in a transaction rolled back after each replay, so writes such as
  the audit row are measured and undone); page/SQL (goal: at most 2);
- t/t100: p50 over the same page's p50 at 100 patients (goal: at most 1.5);
- KB: the size of the HTML.

    DATABASE_URL=postgres://.../dorsi_bench .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python manage.py bench_data --patients 100   (and 10000, 100000)
    DATABASE_URL=... .venv/bin/python bench/clinic_pages.py
"""

import os
import statistics
import time

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from staff_pages import admin_client, percentile

from clinic.models import Clinic, Patient, Role, User
from dashboard.summaries import SORTS

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
# BENCH_PAGES=dashboard,patients: only the pages whose name starts so.
ONLY = tuple(filter(None, os.environ.get("BENCH_PAGES", "").split(",")))
SIZES = (100, 10_000, 100_000)
NOT_REPLAYED = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "BEGIN", "COMMIT")


def pages(clinic: Clinic) -> dict[str, str]:
    """The pages measured, by a name that is the same at every size."""
    # A patient present at every size, found by the surname people would type.
    searched = Patient.objects.filter(clinic=clinic).order_by("pk")[42].last_name
    therapist = User.objects.filter(clinic=clinic, role=Role.THERAPIST).order_by("pk").first()
    found = {f"dashboard sort={sort}": f"/dashboard/?sort={sort}" for sort in SORTS}
    found["dashboard search"] = f"/dashboard/?q={searched}"
    found["dashboard page 3"] = "/dashboard/?page=3"
    found["patients"] = "/patients/"
    found["patients search"] = f"/patients/?q={searched}"
    found["patients all"] = "/patients/?status=all"
    found["due-list"] = "/schedule/due/"
    found["schedule day"] = "/schedule/"
    found["schedule week"] = "/schedule/?view=week"
    found["schedule day 1 th."] = f"/schedule/?therapist={therapist.pk}"
    found["schedule week 1 th."] = f"/schedule/?view=week&therapist={therapist.pk}"
    return found


def sql_time(statements: list[str]) -> float:
    """Milliseconds to run these statements once, results fetched, in a rolled-back
    transaction."""
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
        transaction.set_rollback(True)
    return (time.perf_counter() - started) * 1000


def measure(clients: dict[int, tuple[Client, str]]) -> dict[int, dict]:
    """One page at every size, the sizes' requests interleaved run by run so that a change in
    the machine's load weighs on each size alike."""
    found = {}
    for size, (client, path) in clients.items():
        # The log keeps the last 9,000 statements: a full log would capture none.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as context:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        found[size] = {
            "queries": len(context),
            "kb": len(response.content) / 1024,
            "statements": [
                query["sql"]
                for query in context.captured_queries
                if not query["sql"].startswith(NOT_REPLAYED)
            ],
            "times": [],
            "sql_times": [],
        }
    for _ in range(RUNS):
        for size, (client, path) in clients.items():
            started = time.perf_counter()
            assert client.get(path).status_code == 200
            found[size]["times"].append((time.perf_counter() - started) * 1000)
            found[size]["sql_times"].append(sql_time(found[size]["statements"]))
    for row in found.values():
        row["p50"] = statistics.median(row["times"])
        row["p95"] = percentile(row["times"], 0.95)
        row["sql"] = statistics.median(row["sql_times"])
    return found


def main() -> None:
    clients: dict[int, tuple[Client, dict[str, str]]] = {}
    for size in SIZES:
        clinic = Clinic.objects.filter(name=f"Bench {size}").first()
        if clinic is None:
            print(f"{size:>7,} patients: no bench clinic (run bench_data --patients {size})")
            continue
        admin = User.objects.get(clinic=clinic, role=Role.CLINIC_ADMIN)
        client = admin_client(admin)
        clinic_pages = {
            name: path for name, path in pages(clinic).items() if not ONLY or name.startswith(ONLY)
        }
        clients[size] = (client, clinic_pages)
    if not clients:
        return
    results: dict[int, dict[str, dict]] = {size: {} for size in clients}
    for name in next(iter(clients.values()))[1]:
        measured = measure(
            {size: (client, paths[name]) for size, (client, paths) in clients.items()}
        )
        for size, row in measured.items():
            results[size][name] = row
    base = results.get(100, {})
    print(f"clinic-wide pages, clinic admin, {RUNS} runs each, in process (ms)")
    print(
        f"{'page':<24}{'patients':>9}{'queries':>8}{'p50':>8}{'p95':>8}{'SQL':>8}"
        f"{'page/SQL':>9}{'t/t100':>8}{'KB':>7}  goals"
    )
    shortfalls = 0
    for name in next(iter(results.values())):
        for size, found in results.items():
            row = found[name]
            ratio = row["p50"] / row["sql"] if row["sql"] else float("inf")
            first = base.get(name)
            growth = row["p50"] / first["p50"] if first else None
            verdicts = ["SQL ok" if ratio <= 2 else "SQL MISSED"]
            if first and size != 100:
                same = row["queries"] == first["queries"]
                verdicts.append("queries ok" if same else f"queries MISSED ({first['queries']})")
                verdicts.append("flat ok" if growth <= 1.5 else "flat MISSED")
            shortfalls += sum("MISSED" in verdict for verdict in verdicts)
            print(
                f"{name:<24}{size:>9,}{row['queries']:>8}{row['p50']:>8.1f}{row['p95']:>8.1f}"
                f"{row['sql']:>8.1f}{ratio:>9.2f}"
                f"{(f'{growth:.2f}' if growth else '-'):>8}{row['kb']:>7.0f}  {', '.join(verdicts)}"
            )
    print(
        "goals (issue 19, goal 4): queries as at 100 patients; p50 <= 2x its SQL; "
        f"t/t100 <= 1.5. {shortfalls} shortfall(s)."
    )


if __name__ == "__main__":
    main()
