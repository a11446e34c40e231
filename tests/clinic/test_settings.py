"""Start-up refuses bad or missing configuration, naming the variable."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.conftest import ROOT, test_database_url

LOAD_SETTINGS = "import django; django.setup(); from django.conf import settings; settings.DEBUG"


def start(tmp_path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
    }
    environment.update(
        {"DJANGO_SETTINGS_MODULE": "config.settings", "ENV_FILE": str(tmp_path / "none")}
    )
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", LOAD_SETTINGS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# Fixed rather than random so a failure reproduces; it only has to look like a real key.
A_GOOD_KEY = "q4Zr8vN1xWm3Tj6Ke2Lp9Hs5Dc7Yb0Fa-Gu_Iw4Oe8Rt2Ny6Mv1Sk3Bz5Xh7Cd9"
PRODUCTION = {"SECRET_KEY": A_GOOD_KEY, "ALLOWED_HOSTS": "dorsi.example.org"}


def test_production_settings_load_when_complete(tmp_path):
    result = start(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALLOWED_HOSTS": "a.example"}, "Set the SECRET_KEY environment variable"),
        ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "a.example"}, "SECRET_KEY must be at least"),
        ({**PRODUCTION, "SECRET_KEY": A_GOOD_KEY[:49]}, "SECRET_KEY must be at least 50"),
        ({**PRODUCTION, "SECRET_KEY": "abcd" * 20}, "SECRET_KEY must be at least 50 random"),
        ({**PRODUCTION, "SECRET_KEY": "django-insecure-" + A_GOOD_KEY}, "SECRET_KEY must be"),
        ({**PRODUCTION, "SECRET_KEY": "CHANGE-ME" + A_GOOD_KEY}, "SECRET_KEY must be"),
        ({"SECRET_KEY": A_GOOD_KEY}, "Set the ALLOWED_HOSTS environment variable"),
        ({**PRODUCTION, "SECURE_HSTS_SECONDS": "a year"}, "SECURE_HSTS_SECONDS must be"),
        ({**PRODUCTION, "SECURE_SSL_REDIRECT": "maybe"}, "SECURE_SSL_REDIRECT must be"),
        ({**PRODUCTION, "DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({**PRODUCTION, "DATABASE_URL": "mysql://db/dorsi"}, "DATABASE_URL must be a postgres"),
        ({**PRODUCTION, "DATABASE_URL": "postgres://db:5432"}, "DATABASE_URL must name"),
        ({**PRODUCTION, "CELERY_BROKER_URL": "sqs://x"}, "CELERY_BROKER_URL must be"),
        ({**PRODUCTION, "EMAIL_URL": "pigeon://coop"}, "EMAIL_URL scheme 'pigeon'"),
        ({**PRODUCTION, "HEARTBEAT_INTERVAL_SECONDS": "often"}, "HEARTBEAT_INTERVAL_SECONDS"),
        ({**PRODUCTION, "PATIENT_LINK_MAX_AGE_DAYS": "0"}, "PATIENT_LINK_MAX_AGE_DAYS must be"),
        ({**PRODUCTION, "FHIR_NAMESPACE": "lakeside"}, "FHIR_NAMESPACE must be a UUID"),
        ({**PRODUCTION, "CALENDAR_UID_DOMAIN": "dorsi@clinic"}, "CALENDAR_UID_DOMAIN must be"),
        ({**PRODUCTION, "MAIL_DOMAIN": "dorsi clinic"}, "MAIL_DOMAIN must be"),
        ({**PRODUCTION, "DEFAULT_FROM_EMAIL": "Lakeside"}, "DEFAULT_FROM_EMAIL must hold"),
    ],
)
def test_bad_configuration_stops_start_up_naming_the_variable(tmp_path, env, message):
    result = start(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_debug_runs_with_the_embedded_defaults(tmp_path):
    result = start(
        tmp_path,
        DEBUG="true",
        VAR_DIR=str(tmp_path / "var"),
        CELERY_BROKER_URL="",
        EMAIL_URL="",
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "mail").is_dir()
    assert (tmp_path / "var" / "broker" / "queue").is_dir()


# --- Production: check --deploy and the security headers --------------------------------------


def production_environment(tmp_path, **env: str) -> dict[str, str]:
    """Only what an operator sets, on top of a clean environment without the test settings."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV"}
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ENV_FILE": str(tmp_path / "none"),
            "VAR_DIR": str(tmp_path / "var"),
            "DEBUG": "false",
            **PRODUCTION,
        }
    )
    environment.update(env)
    return environment


def check_deploy(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_finds_nothing_in_production(tmp_path):
    result = check_deploy(production_environment(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_finds_nothing_with_the_example_env_under_compose(tmp_path):
    """.env.example as docker-compose.yml uses it: the operator only fills in the CHANGE-MEs."""
    example = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            example[key.strip()] = value.strip()
    example["SECRET_KEY"] = A_GOOD_KEY
    example["DATABASE_URL"] = "postgres://dorsi:password@postgres:5432/dorsi"
    example["CELERY_BROKER_URL"] = "redis://redis:6379/0"
    result = check_deploy(production_environment(tmp_path, **example))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_when_https_is_turned_off(tmp_path):
    environment = production_environment(
        tmp_path, SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0", SECURE_COOKIES="false"
    )
    result = check_deploy(environment)
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


REQUEST_IN_PRODUCTION = """
import json, django
django.setup()
from django.test import Client
client = Client(SERVER_NAME="dorsi.example.org")
over_https = client.get("/favicon.ico", secure=True)
print(json.dumps({
    "https": dict(over_https.headers),
    "http": client.get("/accounts/login/?next=/patients/").headers.get("Location"),
    "healthz": client.get("/healthz").status_code,
}))
"""


@pytest.mark.django_db
def test_production_redirects_to_https_and_pins_it_with_hsts(tmp_path):
    environment = production_environment(
        tmp_path,
        DATABASE_URL=test_database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
    )
    result = subprocess.run(
        [sys.executable, "-c", REQUEST_IN_PRODUCTION],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["https"]["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert seen["http"] == "https://dorsi.example.org/accounts/login/?next=/patients/"
    # The container health check probes plain HTTP from inside and must not be redirected.
    assert seen["healthz"] in {200, 503}


def test_every_response_carries_the_security_headers(client):
    response = client.get("/accounts/login/", secure=True)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "screen-wake-lock=(self)" in response.headers["Permissions-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" in response.headers["Cache-Control"]


def test_staff_pages_with_patient_data_are_never_cached(client_as, patient):
    therapist = client_as("therapist")
    for path in ("/patients/", f"/patients/{patient.pk}/", "/dashboard/", "/api/v1/patients/"):
        response = therapist.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers["Cache-Control"], path


def test_the_api_docs_page_runs_no_inline_script(client_as):
    response = client_as("therapist").get("/api/v1/docs/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<style" not in page
    assert '<script src="/api/v1/docs/?script="></script>' in page
    script = client_as("therapist").get("/api/v1/docs/?script=")
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
