"""Where a periodic task got to (the reminder planner's cursor) and when one last ran out of
time: a new table, so existing data is untouched."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("clinic", "0010_summaries_without_unmeasured_zeros")]

    operations = [
        migrations.CreateModel(
            name="TaskProgress",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True)),
                ("cursor", models.JSONField(blank=True, default=dict)),
                ("completed_at", models.DateTimeField(blank=True, null=True)),
                ("timed_out_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
    ]
