"""The API patient list against a bare view plus the SQL it runs, in one run (issue 19, goal 3).

Goal: GET /api/v1/patients/ (a personal token, 25 a page) within 2x the time of the bare
JsonResponse (/bench/bare/, through the same middleware) plus the list's SQL, at 10,000 and
100,000 patients. For each bench clinic in the database ("Bench 100", "Bench 10000",
"Bench 100000" from bench_data) it captures the exact statements one list request runs (with
their parameters), then measures, interleaved so a busy machine slows all three alike:

- bare: the bare view, in-process (Django's test client, DEBUG off);
- sql: those statements replayed through a raw psycopg cursor, in autocommit as the request
  runs them, every row fetched (the audit INSERT is replayed too: it adds rows like the
  list's own, naming the bench token, to the bench database's trail);
- list: the list itself, in-process.

It prints the p50 of each and list / (bare + sql). Run:

    DATABASE_URL=postgres://.../dorsi_bench .venv/bin/python bench/api_list.py [--runs 300]
"""

import argparse
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.update(
    DEBUG="false",
    SECRET_KEY="bench-only-secret-key-not-for-production-0000000000000",  # noqa: S106
    ALLOWED_HOSTS="testserver",
    BENCH_ENDPOINTS="true",
    SECURE_COOKIES="false",
    SECURE_SSL_REDIRECT="false",
    ENV_FILE="/nonexistent",
    LOG_LEVEL="WARNING",
)

import django

django.setup()

from django.db import connection
from django.test import Client

from accounts.api_tokens import api_token_issue, api_token_revoke
from clinic.models import Clinic, User

TOKEN_NAME = "bench api_list"  # noqa: S105  (a name, not a secret)
LIST = "/api/v1/patients/"
BARE = "/bench/bare/"


def bench_client(admin: User) -> Client:
    """A client with a fresh token of the clinic admin (earlier bench tokens revoked)."""
    for old in admin.api_tokens.filter(name=TOKEN_NAME, revoked_at__isnull=True):
        api_token_revoke(token=old, revoked_by=None, reason=": a new bench run")
    # The operator's shell stands in for the Security page's two-factor session.
    secret = api_token_issue(user=admin, name=TOKEN_NAME, days=1, second_factor_passed=True)[1]
    return Client(HTTP_AUTHORIZATION=f"Token {secret}")


def capture(client: Client, path: str) -> list[tuple[str, object]]:
    """The statements one request runs, exactly as sent, with their parameters."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert client.get(path).status_code == 200
    return statements


def replay(statements: list[tuple[str, object]], each: list[list[float]]) -> None:
    with connection.connection.cursor() as cursor:
        for (sql, params), times in zip(statements, each, strict=True):
            started = time.perf_counter()
            cursor.execute(sql, params)
            if cursor.description is not None:
                cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    for size in (100, 10000, 100000):
        clinic = Clinic.objects.filter(name=f"Bench {size}").first()
        if clinic is None:
            print(f"{size:>7,} patients: no bench clinic (manage.py bench_data --patients {size})")
            continue
        admin = User.objects.get(clinic=clinic, role="clinic_admin")
        client = bench_client(admin)
        for _ in range(20):  # warm: first use written, caches and connections made
            assert client.get(LIST).status_code == 200
            assert client.get(BARE).status_code == 200
        statements = capture(client, LIST)
        connection.ensure_connection()
        bare, sql, listed = [], [], []
        each = [[] for _ in statements]
        for _ in range(args.runs):
            bare.append(timed(partial(client.get, BARE)))
            sql.append(timed(partial(replay, statements, each)))
            listed.append(timed(partial(client.get, LIST)))
        # Every run's statements are what was captured (no first-use write crept in).
        assert len(capture(client, LIST)) == len(statements)
        p_bare, p_sql, p_list = (statistics.median(t) for t in (bare, sql, listed))
        ratio = p_list / (p_bare + p_sql)
        print(
            f"{size:>7,} patients: bare {p_bare:5.2f} ms, list's SQL ({len(statements)} "
            f"statements) {p_sql:5.2f} ms, list {p_list:5.2f} ms; "
            f"list / (bare + SQL) = {ratio:.2f} (goal <= 2)"
        )
        for (sql_text, _params), times in zip(statements, each, strict=True):
            print(f"    {statistics.median(times):6.2f} ms  {' '.join(sql_text.split())[:100]}")


if __name__ == "__main__":
    main()
