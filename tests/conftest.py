"""The cast every test can use, and the rules for tests that need real services.

Cast: a clinic with a therapist, a front-desk user, a clinic admin and two patients; a second
clinic with its own therapist and patient.

Tests marked `postgres` run only on PostgreSQL, tests marked `browser` only where Debian's
chromium is installed; skipped ones are listed at the end of the run. With CI=true (or
DORSI_REQUIRE_SERVICES=true) a missing service stops the run instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from clinic import services
from clinic.models import Clinic, Patient, Role, User
from tests.factories import ClinicFactory, PatientFactory, StaffFactory

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
ROLES = [
    "anonymous",
    "patient",
    "other_patient",
    "therapist",
    "front_desk",
    "clinic_admin",
    "other_clinic_therapist",
]

_SKIP_POSTGRES = "needs PostgreSQL (running on SQLite)"
_SKIP_BROWSER = "needs Debian's chromium (not installed)"


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    return path if os.access(path, os.X_OK) else None


def services_required() -> bool:
    flags = (os.environ.get("CI", ""), os.environ.get("DORSI_REQUIRE_SERVICES", ""))
    return any(flag.lower() in {"1", "true", "yes"} for flag in flags)


def pytest_sessionstart(session: pytest.Session) -> None:
    if not services_required():
        return
    missing = []
    if connection.vendor != "postgresql":
        missing.append(f"PostgreSQL (DATABASE_URL gives {connection.vendor})")
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        missing.append(f"Redis (CELERY_BROKER_URL is {settings.CELERY_BROKER_URL})")
    if chromium_path() is None:
        missing.append("chromium at /usr/bin/chromium")
    if missing:
        pytest.exit("CI needs every real service; missing: " + "; ".join(missing), returncode=3)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = connection.vendor == "postgresql"
    has_browser = chromium_path() is not None
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason=_SKIP_POSTGRES))
        if "browser" in item.keywords and not has_browser:
            item.add_marker(pytest.mark.skip(reason=_SKIP_BROWSER))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    for reason, title in ((_SKIP_POSTGRES, "PostgreSQL-only"), (_SKIP_BROWSER, "browser")):
        names = [report.nodeid for report in skipped if reason in str(report.longrepr)]
        if names:
            terminalreporter.section(f"{len(names)} {title} tests skipped: {reason}")
            for name in names:
                terminalreporter.line(f"  {name}")


# --- The cast ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    # The cast signs in with passwords; production-strength hashing would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinic(db) -> Clinic:
    return ClinicFactory(name="Lakeside", time_zone="America/Chicago")


@pytest.fixture
def other_clinic(db) -> Clinic:
    return ClinicFactory(name="Hillside", time_zone="Europe/Berlin")


@pytest.fixture
def therapist(clinic) -> User:
    return StaffFactory(
        clinic=clinic, role=Role.THERAPIST, username="maya", first_name="Maya", last_name="Okafor"
    )


@pytest.fixture
def front_desk(clinic) -> User:
    return StaffFactory(
        clinic=clinic, role=Role.FRONT_DESK, username="sam", first_name="Sam", last_name="Lee"
    )


@pytest.fixture
def clinic_admin(clinic) -> User:
    return StaffFactory(
        clinic=clinic,
        role=Role.CLINIC_ADMIN,
        username="jordan",
        first_name="Jordan",
        last_name="Blake",
    )


@pytest.fixture
def other_clinic_therapist(other_clinic) -> User:
    return StaffFactory(
        clinic=other_clinic,
        role=Role.THERAPIST,
        username="otto",
        first_name="Otto",
        last_name="Weber",
    )


@pytest.fixture
def patient(clinic, therapist) -> Patient:
    return PatientFactory(
        clinic=clinic,
        primary_therapist=therapist,
        first_name="Alex",
        last_name="Anders",
        symptomatic_side="left",
    )


@pytest.fixture
def other_patient(clinic, therapist) -> Patient:
    return PatientFactory(
        clinic=clinic, primary_therapist=therapist, first_name="Bianca", last_name="Baker"
    )


@pytest.fixture
def foreign_patient(other_clinic, other_clinic_therapist) -> Patient:
    return PatientFactory(
        clinic=other_clinic,
        primary_therapist=other_clinic_therapist,
        first_name="Farid",
        last_name="Fremd",
    )


def sign_in_patient(client: Client, patient: Patient) -> None:
    issuer = User.objects.filter(clinic=patient.clinic).first() or StaffFactory(
        clinic=patient.clinic
    )
    link = services.patient_link_issue(patient=patient, issued_by=issuer)
    response = client.get(services.patient_link_url(link).removeprefix(settings.SITE_URL))
    assert response.status_code == 302, response


@pytest.fixture
def client_as(request, patient, other_patient, foreign_patient) -> Callable[[str], Client]:
    """A test client signed in as one of ROLES.

    The cast (both clinics, all three patients) exists in every test that uses this, so each
    role is tested against data it must not see.
    """

    def make(role: str) -> Client:
        client = Client()
        if role == "anonymous":
            return client
        if role == "patient":
            sign_in_patient(client, patient)
        elif role == "other_patient":
            sign_in_patient(client, other_patient)
        else:
            client.force_login(request.getfixturevalue(role))
        return client

    return make


# --- Real processes ---------------------------------------------------------------------------


def test_database_url() -> str:
    """The URL of the test database, for processes started by tests."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{connection.settings_dict['NAME']}"
    return postgres_url(connection.settings_dict["NAME"])


def postgres_url(database: str) -> str:
    """The URL of a database on the test PostgreSQL server."""
    db = connection.settings_dict
    auth = db["USER"] or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"


test_database_url.__test__ = False  # a helper, not a test


def postgres_server(database: str = "postgres"):
    """An autocommit connection to a database of the test PostgreSQL server (to create, restore
    and drop databases of a test's own)."""
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        dbname=database,
        autocommit=True,
    )


def dorsi_process_env(directory: Path) -> dict[str, str]:
    """The environment for a Dorsi process started by a test: same database, same broker;
    mail and a (missing) env file under `directory`."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": test_database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "EMAIL_URL": f"filemail://{directory / 'mail'}",
            "ENV_FILE": str(directory / "no.env"),
            "DEBUG": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@pytest.fixture
def process_env(tmp_path) -> dict[str, str]:
    """The environment for a Dorsi process started by a test: same database, same broker."""
    return dorsi_process_env(tmp_path)


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory) -> Path:
    """An empty SQLite file after `manage.py migrate`, as an operator runs it: migrated once a
    run (about 12 s) for the tests that read what it holds. Open it read-only (sqlite_reader)."""
    directory = tmp_path_factory.mktemp("sqlite")
    path = directory / "empty.sqlite3"
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env={**dorsi_process_env(directory), "DATABASE_URL": f"sqlite:///{path}"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert migrated.returncode == 0, f"migrate failed:\n{migrated.stdout}\n{migrated.stderr}"
    return path


def sqlite_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection, so no test changes a file other tests read."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


@pytest.fixture
def celery_worker_process(process_env, tmp_path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Starts real `celery worker` processes; stops them when the test ends."""
    started: list[subprocess.Popen] = []

    def start(*, beat: bool = False, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=info",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"test-{uuid.uuid4().hex[:8]}@%h",
        ]
        if beat:
            command += ["--beat", "--schedule", str(tmp_path / f"beat-{len(started)}")]
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**process_env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            # A group of its own: the pool's children go with it at the end of the test.
            start_new_session=True,
        )
        process.log_path = log.name
        started.append(process)
        return process

    yield start

    for process in started:
        _signal_group(process, signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # A pool child still in a task (a sweep keeps going while rows are due) would outlive
        # its parent and claim the next test's reminders: nothing of the group survives.
        _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def wait_for(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


# --- Browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip(_SKIP_BROWSER)
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def exercise_library(db):
    """The shared library and the starter routine from the data migration.

    Transactional tests flush every table after they run, so tests that need the migration's
    rows ask for them here (the function is idempotent).
    """
    import importlib

    from django.apps import apps

    from exercises.models import RoutineTemplate

    importlib.import_module("exercises.migrations.0002_seed_library").seed(apps, None)
    return RoutineTemplate.objects.get(clinic__isnull=True, name="Calf routine — starter")


@pytest.fixture
def prescribed(patient, therapist, exercise_library):
    """The starter routine prescribed to the patient a week ago, once a day, every day."""
    from datetime import timedelta

    from exercises import services as exercise_services

    return exercise_services.routine_assign(
        patient=patient,
        prescribed_by=therapist,
        items=exercise_services.template_items(exercise_library),
        title=exercise_library.name,
        start_date=patient.clinic.local_now().date() - timedelta(days=7),
        template=exercise_library,
    )


# --- Sign-in security -------------------------------------------------------------------------


def verify_second_factor(client: Client, user: User) -> None:
    """Mark the client's session as past the two-factor step, with a confirmed device."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def api_token_for(user: User, *, name: str = "Test token", days: int | None = None) -> str:
    """A usable API token's secret for the user, issued as from a session past two-factor
    (the Security page's way; tests of the page itself post to it)."""
    from accounts.api_tokens import api_token_issue

    _, secret = api_token_issue(
        user=user,
        name=name,
        days=days or settings.API_TOKEN_MAX_AGE.days,
        second_factor_passed=True,
    )
    return secret


@pytest.fixture(autouse=True)
def _test_client_sign_in(monkeypatch) -> None:
    """force_login skips the password, so it skips the second factor too: a clinic admin made
    by it is fully signed in. client.login gets the request django-axes needs to count the
    attempt (Django's test client passes none). Tests of the real flow post to the pages."""
    from django.test import RequestFactory

    from accounts.two_factor import two_factor_needed

    original_force_login = Client.force_login
    original_login = Client.login

    def force_login(self, user, backend=None):
        original_force_login(self, user, backend)
        if two_factor_needed(user):
            verify_second_factor(self, user)

    def login(self, **credentials):
        credentials.setdefault("request", RequestFactory().post("/accounts/login/"))
        return original_login(self, **credentials)

    monkeypatch.setattr(Client, "force_login", force_login)
    monkeypatch.setattr(Client, "login", login)


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings) -> None:
    """Each test counts (invalid patient links, ...) from zero, without flushing a Redis that
    other test runs may share: a key prefix of its own."""
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for alias, config in settings.CACHES.items()
    }


def project_sources() -> list[Path]:
    """Every Python file of the application (the packages at the top level, not the tests,
    the virtual environment or the benchmarks): for tests that keep a rule in one home."""
    return [
        path
        for package in sorted(ROOT.iterdir())
        if (package / "__init__.py").exists() and package.name != "tests"
        for path in package.rglob("*.py")
    ]
