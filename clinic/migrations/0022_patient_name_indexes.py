"""Searches and name orders of patients served by indexes at any clinic size.

- The (clinic, status, last_name) index grows to the whole name order, so that a page of one
  status (the patient list's default, the dashboard's name sort) is read from it in order.
- Trigram indexes (pg_trgm) on the fields the patient list and the dashboard search with
  `icontains`, which Django writes as UPPER(field) LIKE UPPER('%term%'): hence the index on
  UPPER(field). PostgreSQL only: SQLite (the demo) has neither the extension nor GIN, and
  scans its few rows.
"""

from django.db import migrations, models

SEARCHED = ["first_name", "last_name", "email", "phone"]


def trigram_indexes_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for field in SEARCHED:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "patient_{field}_trgm" ON "clinic_patient" '
            f'USING gin (UPPER("{field}") gin_trgm_ops)'
        )


def trigram_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for field in SEARCHED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "patient_{field}_trgm"')


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0021_patient_preferred_language"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="patient",
            name="clinic_pati_clinic__476e9c_idx",
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                fields=["clinic", "status", "last_name", "first_name", "id"],
                name="patient_by_status_and_name",
            ),
        ),
        migrations.RunPython(trigram_indexes_create, trigram_indexes_drop),
    ]
