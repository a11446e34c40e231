"""An upgrade keeps every row: a clinic's database as of the schema before the app restructure
(tests/fixtures/premove_schema_dump.sql.gz, see tests/fixtures/README.md) is restored into a fresh
PostgreSQL database (once a module; each test migrates a copy of its own) and `manage.py migrate`
runs forward on it with whatever migrations the working tree has. Every table must still be
there with the same rows and values (new columns and new tables are fine), content types must
still name installed models, and the database's own guards (the append-only audit trail, no
double booking) must still hold.

Migrating from empty: on PostgreSQL pytest-django builds the test database with every migration
(the suite does not use --nomigrations; test_the_test_database_is_built_by_migrate holds that
in place); from an empty SQLite file, test_migrate_from_an_empty_sqlite_file.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from tests.conftest import ROOT, postgres_server, postgres_url, sqlite_reader

DUMP = ROOT / "tests" / "fixtures" / "premove_schema_dump.sql.gz"

# Django's bookkeeping: migrate adds rows for new migrations, models and permissions. Rows may
# only be added there; every earlier row must stay as it was.
GROWING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}

# Columns a migration may rewrite or drop on purpose: table -> {column: why}.
MAY_CHANGE = {
    "django_content_type": {
        "app_label": "moving a model to a new app relabels its content type (same id, same "
        "permissions and admin log rows)",
    },
}

# Content types in the dump with no installed model: app_label -> why.
STALE_CONTENT_TYPES = {
    "authtoken": "rest_framework.authtoken left INSTALLED_APPS in clinic 0009, which dropped its "
    "table and migration records but not its content types and permissions",
}

CHECK_SCRIPT = """
import json
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
executor = MigrationExecutor(connection)
plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
print(json.dumps({
    "unresolved": sorted(
        [ct.app_label, ct.model] for ct in ContentType.objects.all() if ct.model_class() is None
    ),
    "unapplied": [str(migration) for migration, _ in plan],
}))
"""


# --- Helpers ----------------------------------------------------------------------------------


def _restore(database: str) -> None:
    """The dump through psql, as an operator restores a plain dump: gunzip | psql."""
    settings = connection.settings_dict
    env = dict(os.environ)
    if settings["PASSWORD"]:
        env["PGPASSWORD"] = settings["PASSWORD"]
    with gzip.open(DUMP, "rb") as dump:
        script = dump.read()
    done = subprocess.run(
        [
            "psql",
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            "--host",
            settings["HOST"] or "127.0.0.1",
            "--port",
            str(settings["PORT"] or 5432),
            "--username",
            settings["USER"] or "postgres",
            "--dbname",
            database,
        ],
        input=script,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"restoring the dump failed:\n{done.stderr.decode()}"


def _manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Table:
    columns: list[str]
    key: list[str]  # the primary key's columns, or every column when there is none
    rows: list[tuple]


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [name for (name,) in cursor.fetchall()]


def _primary_key(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT a.attname FROM pg_index i"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
        " WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY array_position(i.indkey, "
        " a.attnum)",
        [f"public.{table}"],
    )
    return [name for (name,) in cursor.fetchall()]


def _rows(cursor, table: str, columns: list[str], key: list[str]) -> list[tuple]:
    cursor.execute(
        sql.SQL("SELECT {} FROM public.{} ORDER BY {}").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, key)),
        )
    )
    return cursor.fetchall()


def _tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    return [name for (name,) in cursor.fetchall()]


def _snapshot(cursor) -> dict[str, Table]:
    """Every table's rows, every column, in primary-key order, as Python values."""
    snapshot = {}
    for table in _tables(cursor):
        columns = [c for c in _columns(cursor, table) if c not in MAY_CHANGE.get(table, {})]
        key = _primary_key(cursor, table) or columns
        snapshot[table] = Table(columns, key, _rows(cursor, table, columns, key))
    return snapshot


def _differences(table: str, before: Table, cursor) -> list[str]:
    """What the upgrade lost or changed in one table (empty: nothing)."""
    missing = [c for c in before.columns if c not in _columns(cursor, table)]
    if missing:
        return [f"{table}: columns dropped: {missing}"]
    after = _rows(cursor, table, before.columns, before.key)
    if table not in GROWING_TABLES and len(after) != len(before.rows):
        return [f"{table}: {len(before.rows)} rows before, {len(after)} after"]
    positions = [before.columns.index(c) for c in before.key]
    after_by_key = {tuple(row[p] for p in positions): row for row in after}
    problems = []
    for row in before.rows:
        key = tuple(row[p] for p in positions)
        if key not in after_by_key:
            problems.append(f"{table}: row {key} is gone")
        elif after_by_key[key] != row:
            changed = {
                column: (old, new)
                for column, old, new in zip(before.columns, row, after_by_key[key], strict=True)
                if old != new
            }
            problems.append(f"{table}: row {key} changed (before, after): {changed}")
        if len(problems) >= 5:
            problems.append(f"{table}: ... (first differences only)")
            break
    return problems


def _copy_row(table: str, columns: list[str], where: str, overrides: dict) -> sql.Composed:
    """INSERT a copy of one row (all its columns but id), some of them replaced: a raw insert
    that keeps working whatever columns later migrations add."""
    copied = [c for c in columns if c != "id"]
    return sql.SQL(
        "INSERT INTO {table} ({columns}) SELECT {values} FROM {table} WHERE {where}"
    ).format(
        table=sql.Identifier(table),
        columns=sql.SQL(", ").join(map(sql.Identifier, copied)),
        values=sql.SQL(", ").join(
            sql.Literal(overrides[c]) if c in overrides else sql.Identifier(c) for c in copied
        ),
        where=sql.SQL(where),
    )


# --- Tests ------------------------------------------------------------------------------------


def _drop(name: str) -> None:
    with postgres_server() as server:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        server.execute(drop.format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def restored_dump():
    """The dump restored once a module (as an operator restores it), into a database the tests
    only copy: nobody connects to it, so it stays exactly what psql restored."""
    name = f"{connection.settings_dict['NAME']}_premove_{uuid.uuid4().hex[:8]}"
    with postgres_server() as server:
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        _restore(name)
        yield name
    finally:
        _drop(name)


@pytest.fixture
def upgraded_database(restored_dump):
    """A fresh database holding the dump (a copy of the restored one), dropped afterwards
    whatever happens."""
    name = f"{connection.settings_dict['NAME']}_upgrade_{uuid.uuid4().hex[:8]}"
    with postgres_server() as server:
        server.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(restored_dump)
            )
        )
    try:
        yield name
    finally:
        _drop(name)


@pytest.mark.postgres
def test_migrating_a_premove_database_keeps_every_row(upgraded_database, process_env):
    with postgres_server(upgraded_database) as db, db.cursor() as cursor:
        before = _snapshot(cursor)
    # The fixture is what a running clinic holds: no table of it may be empty.
    assert not [table for table, snap in before.items() if not snap.rows]
    assert len(before) == 39  # the tables of the schema at the dump's commit

    env = {**process_env, "DATABASE_URL": postgres_url(upgraded_database)}
    migrated = _manage(["migrate", "--noinput"], env)
    assert migrated.returncode == 0, f"migrate failed:\n{migrated.stdout}\n{migrated.stderr}"

    with postgres_server(upgraded_database) as db, db.cursor() as cursor:
        lost = sorted(set(before) - set(_tables(cursor)))
        assert not lost, f"tables lost by the upgrade: {lost}"
        problems = [p for table, snap in before.items() for p in _differences(table, snap, cursor)]
        assert not problems, "\n".join(problems)

        # Content types: each one of the dump keeps its id (checked above, app_label aside); a
        # moved model is relabelled, not given a second content type beside a stale one.
        cursor.execute("SELECT id, app_label, model FROM django_content_type")
        old_ids = {row[0] for row in before["django_content_type"].rows}
        old_models = {row[1] for row in before["django_content_type"].rows}
        added = [(app, model) for id_, app, model in cursor.fetchall() if id_ not in old_ids]
        doubled = [(app, model) for app, model in added if model in old_models]
        assert not doubled, f"models that had a content type got a second one: {doubled}"

    checked = _manage(["shell", "--verbosity", "0", "--command", CHECK_SCRIPT], env)
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout.strip().splitlines()[-1])
    assert report["unapplied"] == []
    unresolved = {(app, model) for app, model in report["unresolved"]}
    assert {app for app, _ in unresolved} <= set(STALE_CONTENT_TYPES), (
        f"content types naming no installed model: {sorted(unresolved)}"
    )

    with postgres_server(upgraded_database) as db, db.cursor() as cursor:
        # The trail is still append-only: changes refused, additions accepted.
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            cursor.execute("UPDATE audit_auditevent SET note = 'rewritten'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            cursor.execute("DELETE FROM audit_auditevent")
        with db.transaction(force_rollback=True):
            cursor.execute(
                _copy_row(
                    "audit_auditevent",
                    _columns(cursor, "audit_auditevent"),
                    "id = (SELECT min(id) FROM audit_auditevent)",
                    {"note": "appended"},
                )
            )

        # Double booking is still refused by the database, for the therapist and the patient.
        columns = _columns(cursor, "clinic_appointment")
        cursor.execute(
            "SELECT a.id, a.clinic_id, a.therapist_id FROM clinic_appointment a"
            " WHERE a.status = 'booked' ORDER BY a.id LIMIT 1"
        )
        booked, clinic_id, therapist_id = cursor.fetchone()
        cursor.execute(
            "SELECT p.id FROM clinic_patient p WHERE p.clinic_id = %s AND NOT EXISTS"
            " (SELECT 1 FROM clinic_appointment a WHERE a.patient_id = p.id) ORDER BY p.id",
            [clinic_id],
        )
        free_patient = cursor.fetchone()[0]
        cursor.execute(  # another therapist of the clinic, free at that time
            "SELECT u.id FROM clinic_user u WHERE u.clinic_id = %s AND u.id <> %s"
            " AND u.role = 'therapist' AND NOT EXISTS (SELECT 1 FROM clinic_appointment a,"
            " clinic_appointment b WHERE b.id = %s AND a.therapist_id = u.id"
            " AND a.status <> 'cancelled' AND a.starts_at < b.ends_at"
            " AND a.ends_at > b.starts_at) ORDER BY u.id",
            [clinic_id, therapist_id, booked],
        )
        free_therapist = cursor.fetchone()[0]
        where = f"id = {int(booked)}"
        for overrides, constraint in (
            ({"patient_id": free_patient}, "appointment_no_therapist_overlap"),
            ({"therapist_id": free_therapist}, "appointment_no_patient_overlap"),
        ):
            with pytest.raises(psycopg.errors.ExclusionViolation) as refused:
                cursor.execute(_copy_row("clinic_appointment", columns, where, overrides))
            assert refused.value.diag.constraint_name == constraint
            # The same row cancelled holds no time: the refusal was the overlap, nothing else.
            with db.transaction(force_rollback=True):
                cursor.execute(
                    _copy_row(
                        "clinic_appointment", columns, where, {**overrides, "status": "cancelled"}
                    )
                )


@pytest.mark.postgres
def test_the_reminder_planners_cursor_follows_its_task_to_the_reminders_app(
    upgraded_database, process_env
):
    env = {**process_env, "DATABASE_URL": postgres_url(upgraded_database)}
    before_the_move = _manage(["migrate", "--noinput", "clinic", "0016"], env)
    assert before_the_move.returncode == 0, before_the_move.stderr
    with postgres_server(upgraded_database) as db, db.cursor() as cursor:
        # A planner run cut short by its time limit just before the upgrade: its cursor says
        # where the next run resumes (the phase is still called "digests" then).
        cursor.execute(
            "INSERT INTO clinic_taskprogress (name, cursor, timed_out_at) VALUES"
            ' (\'clinic.tasks.reminders_plan\', \'{"phase": "digests", "after": 7}\', now())'
        )
    migrated = _manage(["migrate", "--noinput"], env)
    assert migrated.returncode == 0, migrated.stderr
    with postgres_server(upgraded_database) as db, db.cursor() as cursor:
        cursor.execute("SELECT name, cursor, timed_out_at IS NOT NULL FROM clinic_taskprogress")
        assert cursor.fetchall() == [
            ("reminders.tasks.reminders_plan", {"phase": "digests", "after": 7}, True)
        ]
        cursor.execute("SELECT app_label FROM django_content_type WHERE model = 'reminder'")
        assert cursor.fetchall() == [("reminders",)]


@pytest.mark.postgres
def test_appointments_from_before_the_upgrade_get_their_last_known_change(
    upgraded_database, process_env
):
    """scheduling 0002 gives each appointment the calendar feed's DTSTAMP / LAST-MODIFIED
    (updated_at) and SEQUENCE: the latest of booked, answered and cancelled; 1 for a cancelled
    one, as the cancel service now counts it, 0 for the rest. Their other values stay (the test
    above)."""
    env = {**process_env, "DATABASE_URL": postgres_url(upgraded_database)}
    before_the_fields = _manage(["migrate", "--noinput", "scheduling", "0001"], env)
    assert before_the_fields.returncode == 0, before_the_fields.stderr
    with postgres_server(upgraded_database) as db, db.cursor() as cursor:
        # A patient who answered the reminder link after the booking: a later change to know.
        cursor.execute(
            "UPDATE clinic_appointment SET patient_response = 'confirmed',"
            " responded_at = created_at + interval '2 hours'"
            " WHERE id = (SELECT min(id) FROM clinic_appointment WHERE status = 'booked')"
        )
        cursor.execute(
            "SELECT id, status, created_at, cancelled_at, responded_at FROM clinic_appointment"
            " ORDER BY id"
        )
        rows = cursor.fetchall()
    assert {status for _, status, *_ in rows} >= {"booked", "cancelled", "completed"}
    assert any(cancelled for *_, cancelled, _ in rows)
    assert any(responded for *_, responded in rows)

    migrated = _manage(["migrate", "--noinput"], env)
    assert migrated.returncode == 0, migrated.stderr
    with postgres_server(upgraded_database) as db, db.cursor() as cursor:
        cursor.execute("SELECT id, updated_at, sequence FROM clinic_appointment ORDER BY id")
        stamped = cursor.fetchall()
    assert stamped == [
        (
            id_,
            max(moment for moment in (created, cancelled, responded) if moment is not None),
            1 if status == "cancelled" else 0,
        )
        for id_, status, created, cancelled, responded in rows
    ]


@pytest.mark.postgres
def test_angles_from_before_the_upgrade_keep_their_value_and_say_their_method_was_not_recorded(
    upgraded_database, process_env
):
    """assessments 0002/0003 (issue 16): an angle stored before Dorsi kept how it was measured
    keeps its number and gets the method "unrecorded"; a side without an angle gets none. The
    new range check (-10..80) accepts every earlier value (the first version allowed 0..80)."""
    env = {**process_env, "DATABASE_URL": postgres_url(upgraded_database)}
    before_the_method = _manage(["migrate", "--noinput", "assessments", "0001"], env)
    assert before_the_method.returncode == 0, before_the_method.stderr
    with postgres_server(upgraded_database) as db, db.cursor() as cursor:
        # A clinic that used the full range of the first version: 80° on one side.
        cursor.execute(
            "UPDATE assessments_assessmentrevision SET left_tibia_angle_deg = 80.0,"
            " right_tibia_angle_deg = NULL WHERE id = (SELECT min(id) FROM"
            " assessments_assessmentrevision)"
        )
        cursor.execute(
            "SELECT id, left_tibia_angle_deg, right_tibia_angle_deg"
            " FROM assessments_assessmentrevision ORDER BY id"
        )
        rows = cursor.fetchall()
    assert any(left is not None for _, left, _ in rows)
    assert any(left is None or right is None for _, left, right in rows)

    migrated = _manage(["migrate", "--noinput"], env)
    assert migrated.returncode == 0, migrated.stderr
    with postgres_server(upgraded_database) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT id, left_tibia_angle_deg, right_tibia_angle_deg, left_angle_method,"
            " right_angle_method, left_angle_spread_deg, right_angle_spread_deg"
            " FROM assessments_assessmentrevision ORDER BY id"
        )
        after = cursor.fetchall()
    assert after == [
        (
            id_,
            left,
            right,
            "" if left is None else "unrecorded",
            "" if right is None else "unrecorded",
            None,
            None,
        )
        for id_, left, right in rows
    ]


@pytest.mark.django_db
def test_the_test_database_is_built_by_migrate():
    """pytest-django creates the test database by running every migration from empty, so each
    PostgreSQL run of the suite is the from-empty upgrade test."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    assert ("clinic", "0001_initial") in executor.recorder.applied_migrations()
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


def test_migrate_from_an_empty_sqlite_file(migrated_sqlite_file):
    from django.db.migrations.loader import MigrationLoader

    with sqlite_reader(migrated_sqlite_file) as db:
        applied = set(db.execute("SELECT app, name FROM django_migrations").fetchall())
        triggers = {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
    assert set(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()) <= applied
    assert {"audit_event_no_update", "audit_event_no_delete"} <= triggers
