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
    ("questionnaires_clinicinstrumentsetting", "clinic_id", "questionnaires_clinicinstrumentsetting_clinic_id_6bb638b5"),
    ("questionnaires_instrument", "clinic_id", "questionnaires_instrument_clinic_id_0e0d9da2"),
    ("questionnaires_questionnairerequest", "clinic_id", "questionnaires_questionnairerequest_clinic_id_9c81a544"),
    ("questionnaires_questionnaireresponse", "patient_id", "questionnaires_questionnaireresponse_patient_id_1e7971ba"),
]


class Migration(migrations.Migration):
    dependencies = [
        ('questionnaires', '0004_instrument_domain'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='clinicinstrumentsetting',
                    name='clinic',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinic.clinic'),
                ),
                migrations.AlterField(
                    model_name='instrument',
                    name='clinic',
                    field=models.ForeignKey(blank=True, db_index=False, help_text='Empty for the instruments Dorsi ships; the clinic that holds the licence of its own otherwise.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clinic.clinic'),
                ),
                migrations.AlterField(
                    model_name='questionnairerequest',
                    name='clinic',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clinic.clinic'),
                ),
                migrations.AlterField(
                    model_name='questionnaireresponse',
                    name='patient',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='questionnaire_responses', to='clinic.patient'),
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
