"""Backup and restore, as the operations guide does them: scripts/backup.sh (pg_dump, custom
format) of a seeded database, scripts/restore.sh (pg_restore into an empty database, then
`migrate --check`), and every table's row count compared with the original."""

import io
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from psycopg import sql

from audit.models import AuditEvent
from exercises.models import SessionLog
from tests.conftest import ROOT, postgres_server, test_database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _tables() -> list[str]:
    """The table of every installed model (many-to-many tables included) and the record of
    applied migrations, which `migrate --check` reads after a restore."""
    tables = {"django_migrations"}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    return sorted(tables)


def _counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{command[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture
def restored_database():
    """An empty database beside the test database, dropped afterwards whatever happens."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with postgres_server() as server:
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with postgres_server() as server:
            server.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def test_a_restored_backup_has_every_row_and_the_audit_trigger(
    exercise_library, restored_database, process_env, tmp_path
):
    call_command("seed_demo", patients=3, stdout=io.StringIO())
    assert SessionLog.objects.exists()
    assert AuditEvent.objects.exists()
    tables = _tables()
    with connection.cursor() as cursor:
        original = _counts(cursor, tables)

    dump = Path(
        _run(["scripts/backup.sh", str(tmp_path / "backups")], process_env).strip()
    ).resolve()
    assert dump.name.startswith(f"dorsi-{connection.settings_dict['NAME']}-")
    assert dump.suffix == ".dump"
    assert oct(dump.stat().st_mode & 0o777) == "0o600"  # patient data: the owner's only

    target_url = test_database_url().rsplit("/", 1)[0] + f"/{restored_database}"
    output = _run(["scripts/restore.sh", str(dump)], {**process_env, "DATABASE_URL": target_url})
    assert "schema matches" in output

    with postgres_server(restored_database) as restored, restored.cursor() as cursor:
        assert _counts(cursor, tables) == original
        # The trail stays append-only: the trigger came back with the data.
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            cursor.execute("UPDATE audit_auditevent SET note = 'rewritten'")


def test_restore_refuses_a_database_that_is_not_empty(process_env, tmp_path):
    dump = tmp_path / "any.dump"
    dump.write_bytes(b"")
    done = subprocess.run(
        ["scripts/restore.sh", str(dump)],
        cwd=ROOT,
        env=process_env,  # the test database itself: it has tables
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Refusing to restore" in done.stderr
