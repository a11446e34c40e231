"""Start-up refuses bad or missing configuration, naming the variable."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

LOAD_SETTINGS = "import django; django.setup(); from django.conf import settings; settings.DEBUG"


def start(tmp_path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
    }
    environment.update(
        {"DJANGO_SETTINGS_MODULE": "clinic.settings", "ENV_FILE": str(tmp_path / "none")}
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


PRODUCTION = {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "dorsi.example.org"}


def test_production_settings_load_when_complete(tmp_path):
    result = start(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALLOWED_HOSTS": "a.example"}, "Set the SECRET_KEY environment variable"),
        ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "a.example"}, "SECRET_KEY must be at least"),
        ({"SECRET_KEY": "x" * 50}, "Set the ALLOWED_HOSTS environment variable"),
        ({**PRODUCTION, "DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({**PRODUCTION, "DATABASE_URL": "mysql://db/dorsi"}, "DATABASE_URL must be a postgres"),
        ({**PRODUCTION, "DATABASE_URL": "postgres://db:5432"}, "DATABASE_URL must name"),
        ({**PRODUCTION, "CELERY_BROKER_URL": "sqs://x"}, "CELERY_BROKER_URL must be"),
        ({**PRODUCTION, "EMAIL_URL": "pigeon://coop"}, "EMAIL_URL scheme 'pigeon'"),
        ({**PRODUCTION, "HEARTBEAT_INTERVAL_SECONDS": "often"}, "HEARTBEAT_INTERVAL_SECONDS"),
        ({**PRODUCTION, "PATIENT_LINK_MAX_AGE_DAYS": "0"}, "PATIENT_LINK_MAX_AGE_DAYS must be"),
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
