"""Scheduling's models move to the scheduling app (1 of 3): their relations leave clinic's
state first, so that the new app can declare them with the same related names. State only:
no table or column changes."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0013_patient_summary_to_dashboard'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='appointment',
                    name='appointment_type',
                ),
                migrations.RemoveField(
                    model_name='appointment',
                    name='booked_by',
                ),
                migrations.RemoveField(
                    model_name='appointment',
                    name='cancelled_by',
                ),
                migrations.RemoveField(
                    model_name='appointment',
                    name='clinic',
                ),
                migrations.RemoveField(
                    model_name='appointment',
                    name='patient',
                ),
                migrations.RemoveField(
                    model_name='appointment',
                    name='therapist',
                ),
            ],
            database_operations=[],
        ),
    ]
