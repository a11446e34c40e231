"""The database itself refuses to change or delete a signed progress report, whatever the
caller (a shell, a script, a future code path): an amendment is a new row.

One change is let through: anonymisation (records.services.patient_anonymise) empties the
therapist's free text, which may name the patient, and changes nothing else."""

from django.db import migrations

ANONYMISED_REASON = "Removed when the patient was anonymised."
KEPT = (
    "clinic_id",
    "patient_id",
    "version",
    "amends_id",
    "period_start",
    "period_end",
    "status",
    "facts",
    "created_by_id",
    "created_at",
    "signed_by_id",
    "signed_at",
)
WORDS_EMPTIED = (
    "NEW.goals = '' AND NEW.assessment = '' AND NEW.plan = '' AND "
    f"(NEW.amendment_reason = OLD.amendment_reason OR NEW.amendment_reason = '{ANONYMISED_REASON}')"
)
POSTGRES_ONLY_WORDS_EMPTIED = (
    WORDS_EMPTIED
    + " AND ROW("
    + ", ".join(f"NEW.{column}" for column in KEPT)
    + ") IS NOT DISTINCT FROM ROW("
    + ", ".join(f"OLD.{column}" for column in KEPT)
    + ")"
)
SQLITE_ONLY_WORDS_EMPTIED = WORDS_EMPTIED + "".join(
    f" AND NEW.{column} IS OLD.{column}" for column in KEPT
)

POSTGRES = """
CREATE FUNCTION progress_report_signed_locked() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'signed' AND (ONLY_WORDS_EMPTIED) THEN
        RETURN NEW;
    END IF;
    IF OLD.status = 'signed' THEN
        RAISE EXCEPTION 'a signed progress report cannot be changed (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER progress_report_signed_locked
    BEFORE UPDATE OR DELETE ON reports_progressreport
    FOR EACH ROW EXECUTE FUNCTION progress_report_signed_locked();
""".replace("ONLY_WORDS_EMPTIED", POSTGRES_ONLY_WORDS_EMPTIED)
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS progress_report_signed_locked ON reports_progressreport;
DROP FUNCTION IF EXISTS progress_report_signed_locked();
"""
SQLITE = [
    f"""CREATE TRIGGER progress_report_signed_no_update BEFORE UPDATE ON reports_progressreport
       WHEN OLD.status = 'signed' AND NOT ({SQLITE_ONLY_WORDS_EMPTIED})
       BEGIN SELECT RAISE(ABORT, 'a signed progress report cannot be changed'); END;""",
    """CREATE TRIGGER progress_report_signed_no_delete BEFORE DELETE ON reports_progressreport
       WHEN OLD.status = 'signed'
       BEGIN SELECT RAISE(ABORT, 'a signed progress report cannot be deleted'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS progress_report_signed_no_update;",
    "DROP TRIGGER IF EXISTS progress_report_signed_no_delete;",
]


def forwards(apps, schema_editor):
    statements = [POSTGRES] if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in [POSTGRES_REVERSE] if vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_progress_reports")]

    operations = [migrations.RunPython(forwards, backwards)]
