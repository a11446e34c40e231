"""ApiToken now belongs to the accounts app (accounts 0001 took it over, table and all): remove
it from clinic's state only. The table is not touched."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0011_task_progress"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ApiToken")],
            database_operations=[],
        ),
    ]
