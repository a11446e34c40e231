"""Drop the single-column index Django gave each foreign key below: a composite index or unique
constraint on the same table already leads with that column and serves every lookup it served
(tests/test_schema_indexes.py keeps the schema so). Only the index goes: the foreign key
constraint stays and no row changes. The SQL names the index directly because AlterField would
also drop and re-validate the foreign key and, for a partial unique constraint on the same
column, drop that constraint too.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = [  # table, column, index
    ("clinic_patient", "clinic_id", "clinic_patient_clinic_id_a1ef915f"),
    ("clinic_patient", "primary_therapist_id", "clinic_patient_primary_therapist_id_b278bf01"),
]


class Migration(migrations.Migration):
    dependencies = [
('clinic', '0018_clinic_email'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='patient',
                    name='clinic',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='patients', to='clinic.clinic'),
                ),
                migrations.AlterField(
                    model_name='patient',
                    name='primary_therapist',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='primary_patients', to=settings.AUTH_USER_MODEL),
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
