"""The hourly refresh was registered as clinic.tasks.dashboard_refresh before the dashboard had
an app; it is dashboard.tasks.dashboard_refresh now. A time-out recorded under the old name
would never be cleared (no task of that name completes any more) and would stay on /healthz."""

from django.db import migrations


def forget_old_name(apps, schema_editor):
    TaskProgress = apps.get_model("clinic", "TaskProgress")
    TaskProgress.objects.filter(name="clinic.tasks.dashboard_refresh").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_initial"),
        ("clinic", "0015_scheduling_models_to_scheduling"),
    ]

    operations = [migrations.RunPython(forget_old_name, migrations.RunPython.noop)]
