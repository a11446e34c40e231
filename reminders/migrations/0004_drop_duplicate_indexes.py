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
    ("clinic_reminder", "patient_id", "clinic_reminder_patient_id_9207b784"),
]


class Migration(migrations.Migration):
    dependencies = [
        ('reminders', '0003_short_link'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='reminder',
                    name='patient',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='clinic.patient'),
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
