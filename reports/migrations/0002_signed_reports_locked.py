"""The database itself refuses to change or delete a signed progress report, whatever the
caller (a shell, a script, a future code path): an amendment is a new row."""

from django.db import migrations

POSTGRES = """
CREATE FUNCTION progress_report_signed_locked() RETURNS trigger AS $$
BEGIN
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
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS progress_report_signed_locked ON reports_progressreport;
DROP FUNCTION IF EXISTS progress_report_signed_locked();
"""
SQLITE = [
    """CREATE TRIGGER progress_report_signed_no_update BEFORE UPDATE ON reports_progressreport
       WHEN OLD.status = 'signed'
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
