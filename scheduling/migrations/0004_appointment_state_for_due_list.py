"""The due-list's state on each patient's row (clinic 0020 adds the columns): the start of their
latest booked appointment and how many visits they completed, carried over from the
appointments a clinic already holds. Set-based, a few statements whatever the clinic's size;
PostgreSQL and SQLite alike. The partial index finds the bookings whose patient asked to
reschedule without reading the others."""

from django.db import migrations, models
from django.db.models import Count, Exists, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce


def appointment_state_backfill(apps, schema_editor):
    Patient = apps.get_model("clinic", "Patient")
    Appointment = apps.get_model("scheduling", "Appointment")
    mine = Appointment.objects.filter(patient_id=OuterRef("pk")).order_by().values("patient_id")
    Patient.objects.filter(Exists(mine)).update(
        booked_until=Subquery(
            mine.filter(status="booked").annotate(latest=Max("starts_at")).values("latest")
        ),
        completed_visits=Coalesce(
            Subquery(mine.filter(status="completed").annotate(n=Count("pk")).values("n")), 0
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0020_patient_booked_until"),
        ("scheduling", "0003_drop_duplicate_indexes"),
    ]

    operations = [
        migrations.RunPython(appointment_state_backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                condition=models.Q(("patient_response", "reschedule"), ("status", "booked")),
                fields=["clinic", "starts_at"],
                name="appointment_reschedule_idx",
            ),
        ),
    ]
