"""The reminder outbox moves to the reminders app (1 of 2): it leaves clinic's state. State
only: the table clinic_reminder, its rows, indexes and constraints stay where they are, and
reminders 0001 takes the model over with db_table clinic_reminder."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0015_scheduling_models_to_scheduling'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='Reminder',
                ),
            ],
            database_operations=[],
        ),
    ]
