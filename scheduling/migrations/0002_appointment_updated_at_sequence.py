"""Appointments learn when they last changed and how often they moved, for calendar feeds
(scheduling/calendar_feeds.py: DTSTAMP, LAST-MODIFIED and SEQUENCE).

Rows written before this migration get the last change the table knows of: the latest of when
the appointment was booked, answered by the patient and cancelled (a move or a mark left no
time behind). Their SEQUENCE is what the services now give such a row: 1 for a cancelled
appointment (the cancellation is a significant change after the booking subscribers saw,
without a SEQUENCE, that is at 0), 0 for the rest (moves were not counted)."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import Case, Value, When
from django.db.models.functions import Coalesce, Greatest


def backfill(apps, schema_editor):
    Appointment = apps.get_model("scheduling", "Appointment")
    # created_at is never empty; each Coalesce keeps Greatest away from NULL, which SQLite's
    # MAX() would return for the whole expression.
    Appointment.objects.update(
        updated_at=Greatest(
            "created_at",
            Coalesce("responded_at", "created_at"),
            Coalesce("cancelled_at", "created_at"),
        ),
        sequence=Case(When(status="cancelled", then=Value(1)), default=Value(0)),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="sequence",
            field=models.PositiveIntegerField(
                default=0,
                help_text="How many times its time or its cancellation changed it (SEQUENCE).",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, default=django.utils.timezone.now, help_text="The last change."
            ),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
