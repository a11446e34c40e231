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
    ("exercises_exercise", "clinic_id", "exercises_exercise_clinic_id_bf64a296"),
    ("exercises_exerciselog", "session_id", "exercises_exerciselog_session_id_e04f9d58"),
    ("exercises_prescription", "patient_id", "exercises_prescription_patient_id_c346b12b"),
    ("exercises_prescriptionitem", "version_id", "exercises_prescriptionitem_version_id_191f8f6c"),
    ("exercises_prescriptionversion", "prescription_id", "exercises_prescriptionversion_prescription_id_13e57e73"),
    ("exercises_routinetemplateitem", "template_id", "exercises_routinetemplateitem_template_id_6f9cb53a"),
    ("exercises_sessionlog", "patient_id", "exercises_sessionlog_patient_id_19ea5b27"),
    ("exercises_sessionlog", "version_id", "exercises_sessionlog_version_id_14ff4e81"),
]


class Migration(migrations.Migration):
    dependencies = [
        ('exercises', '0002_seed_library'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='exercise',
                    name='clinic',
                    field=models.ForeignKey(blank=True, db_index=False, help_text="Empty for the shared library; a clinic's own exercises otherwise.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='exercises', to='clinic.clinic'),
                ),
                migrations.AlterField(
                    model_name='exerciselog',
                    name='session',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='exercises.sessionlog'),
                ),
                migrations.AlterField(
                    model_name='prescription',
                    name='patient',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='prescriptions', to='clinic.patient'),
                ),
                migrations.AlterField(
                    model_name='prescriptionitem',
                    name='version',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='items', to='exercises.prescriptionversion'),
                ),
                migrations.AlterField(
                    model_name='prescriptionversion',
                    name='prescription',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='versions', to='exercises.prescription'),
                ),
                migrations.AlterField(
                    model_name='routinetemplateitem',
                    name='template',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='items', to='exercises.routinetemplate'),
                ),
                migrations.AlterField(
                    model_name='sessionlog',
                    name='patient',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='session_logs', to='clinic.patient'),
                ),
                migrations.AlterField(
                    model_name='sessionlog',
                    name='version',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='session_logs', to='exercises.prescriptionversion'),
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
