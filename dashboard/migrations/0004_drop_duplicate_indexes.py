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
    ("clinic_patientsummary", "clinic_id", "clinic_patientsummary_clinic_id_09fe0808"),
    ("clinic_patientsummary", "primary_therapist_id", "clinic_patientsummary_primary_therapist_id_27e2dcd6"),
]


class Migration(migrations.Migration):
    dependencies = [
        ('dashboard', '0003_questionnaire_flags'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='patientsummary',
                    name='clinic',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinic.clinic'),
                ),
                migrations.AlterField(
                    model_name='patientsummary',
                    name='primary_therapist',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
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
