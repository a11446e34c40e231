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
    ("clinic_appointment", "clinic_id", "clinic_appointment_clinic_id_4cb97f6a"),
    ("clinic_appointment", "patient_id", "clinic_appointment_patient_id_dd04daf6"),
    ("clinic_appointment", "therapist_id", "clinic_appointment_therapist_id_7942b8e8"),
    ("clinic_appointmenttype", "clinic_id", "clinic_appointmenttype_clinic_id_07b71e67"),
]


class Migration(migrations.Migration):
    dependencies = [
        ('scheduling', '0002_appointment_updated_at_sequence'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='appointment',
                    name='clinic',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='clinic.clinic'),
                ),
                migrations.AlterField(
                    model_name='appointment',
                    name='patient',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='clinic.patient'),
                ),
                migrations.AlterField(
                    model_name='appointment',
                    name='therapist',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='appointmenttype',
                    name='clinic',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='appointment_types', to='clinic.clinic'),
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
