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
    ("neural_neuralexam", "patient_id", "neural_neuralexam_patient_id_8a2fb4cb"),
    ("neural_neuraltestresult", "exam_id", "neural_neuraltestresult_exam_id_76448d26"),
]


class Migration(migrations.Migration):
    dependencies = [
        ('neural', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='neuralexam',
                    name='patient',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='neural_exams', to='clinic.patient'),
                ),
                migrations.AlterField(
                    model_name='neuraltestresult',
                    name='exam',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='results', to='neural.neuralexam'),
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
