"""Run the test suite on the real services that are reachable, and say which ones those are.

PostgreSQL and Redis come from TEST_DATABASE_URL and TEST_REDIS_URL (default: localhost). When
one is not reachable the suite runs on SQLite or the embedded broker instead, and the tests that
need the real thing are skipped and listed. With CI=true nothing may be missing: the run stops
before the first test.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dorsi"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"
DEFAULT_CHROMIUM = "/usr/bin/chromium"


def postgres_reachable(url: str) -> str | None:
    """None when PostgreSQL answers at url, otherwise why not."""
    import psycopg

    parts = urlsplit(url)
    try:
        with psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname="postgres",
            connect_timeout=3,
        ) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return str(exc).strip().splitlines()[0]
    return None


def redis_reachable(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except Exception as exc:
        return str(exc)
    return None


def cache_url_beside(redis_url: str) -> str:
    """The cache in the next Redis database after the broker's, so neither sees the other's
    keys (the tests give each test its own key prefix within it)."""
    parts = urlsplit(redis_url)
    db = parts.path.strip("/")
    next_db = (int(db) + 1) % 16 if db.isdigit() else 1
    return parts._replace(path=f"/{next_db}").geturl()


def main(argv: list[str]) -> int:
    ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    env = os.environ
    database_url = env.get("TEST_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = env.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)
    chromium = env.get("CHROMIUM_PATH", DEFAULT_CHROMIUM)

    problems: list[str] = []
    lines: list[str] = []

    pg_error = postgres_reachable(database_url)
    if pg_error is None:
        env["DATABASE_URL"] = database_url
        lines.append(f"database: PostgreSQL at {urlsplit(database_url).netloc}")
    else:
        env["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'dorsi.sqlite3'}"
        lines.append(f"database: SQLite (PostgreSQL not reachable: {pg_error})")
        problems.append(f"PostgreSQL is not reachable at {database_url}: {pg_error}")

    redis_error = redis_reachable(redis_url)
    if redis_error is None:
        env["CELERY_BROKER_URL"] = redis_url
        env["CACHE_URL"] = env.get("TEST_CACHE_URL") or cache_url_beside(redis_url)
        lines.append(f"broker:   Redis at {urlsplit(redis_url).netloc}")
        lines.append(f"cache:    Redis at {env['CACHE_URL']}")
    else:
        env["CELERY_BROKER_URL"] = "filesystem://"
        env["CACHE_URL"] = "locmemcache://"
        lines.append(f"broker:   embedded filesystem broker (Redis not reachable: {redis_error})")
        problems.append(f"Redis is not reachable at {redis_url}: {redis_error}")

    if os.access(chromium, os.X_OK):
        env["CHROMIUM_PATH"] = chromium
        lines.append(f"browser:  {chromium}")
    else:
        env["CHROMIUM_PATH"] = ""  # tells the suite there is none
        lines.append(f"browser:  none ({chromium} not found): browser tests are skipped")
        problems.append(f"Chromium is not installed at {chromium} (apt-get install chromium)")

    # Test settings: debug-style static files, a throwaway key, mail kept in memory by Django,
    # and a queue of this run's own so that no other worker on the same Redis takes its tasks.
    env["DEBUG"] = "true"
    env.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-000")
    env["SITE_URL"] = "http://testserver"
    env["CELERY_TASK_DEFAULT_QUEUE"] = f"dorsi-test-{socket.gethostname()}-{os.getpid()}"
    env["DORSI_REQUIRE_SERVICES"] = "true" if ci else "false"
    # The suite starts Celery workers, beat and manage.py as subprocesses: with bytecode caching
    # off (some machines set PYTHONDONTWRITEBYTECODE) each one compiles the whole project again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    print("Dorsi tests\n  " + "\n  ".join(lines), flush=True)
    if ci and problems:
        print("\nCI=true needs every real service; missing:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 3

    os.chdir(ROOT)
    pytest = [sys.executable, "-m", "pytest", *argv]
    os.execv(sys.executable, pytest)  # noqa: S606 - replaces this process with pytest
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
