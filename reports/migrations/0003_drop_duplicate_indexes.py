"""Drop the single-column index Django gave each foreign key below: a composite index or unique
constraint on the same table already leads with that column and serves every lookup it served
(tests/test_schema_indexes.py keeps the schema so). Only the index goes: the foreign key
constraint stays and no row changes. The SQL names the index directly because AlterField would
also drop and re-validate the foreign key and, for a partial unique constraint on the same
column, drop that constraint too.
"""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = [  # table, column, index
    ("reports_progressreport", "patient_id", "reports_progressreport_patient_id_1d021752"),
]


class Migration(migrations.Migration):
    dependencies = [
        ('reports', '0002_signed_reports_locked'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='progressreport',
                    name='patient',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='progress_reports', to='clinic.patient'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ("{column}")',
                )
                for table, column, index in DROPPED
            ],
        ),
    ]
