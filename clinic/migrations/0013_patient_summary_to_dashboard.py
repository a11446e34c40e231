"""PatientSummary now belongs to the dashboard app (dashboard 0001 took it over, table and all):
remove it from clinic's state only. The table is not touched."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0012_api_token_to_accounts"),
        ("dashboard", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PatientSummary")],
            database_operations=[],
        ),
    ]
