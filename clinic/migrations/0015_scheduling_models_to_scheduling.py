"""Scheduling's models move to the scheduling app (3 of 3): the reminder's appointment now points
at scheduling.Appointment, and the models leave clinic's state. State only: the tables and the
reminder's foreign key column are untouched."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0014_scheduling_fields_leave_clinic'),
        ('scheduling', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='reminder',
                    name='appointment',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='scheduling.appointment'),
                ),
                migrations.RemoveField(
                    model_name='waitlistentry',
                    name='booked',
                ),
                migrations.RemoveField(
                    model_name='appointmenttype',
                    name='clinic',
                ),
                migrations.RemoveField(
                    model_name='waitlistentry',
                    name='appointment_type',
                ),
                migrations.RemoveField(
                    model_name='calendarfeed',
                    name='clinic',
                ),
                migrations.RemoveField(
                    model_name='calendarfeed',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='calendarfeed',
                    name='patient',
                ),
                migrations.RemoveField(
                    model_name='calendarfeed',
                    name='therapist',
                ),
                migrations.RemoveField(
                    model_name='timeoff',
                    name='therapist',
                ),
                migrations.RemoveField(
                    model_name='waitlistentry',
                    name='clinic',
                ),
                migrations.RemoveField(
                    model_name='waitlistentry',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='waitlistentry',
                    name='patient',
                ),
                migrations.RemoveField(
                    model_name='waitlistentry',
                    name='therapist',
                ),
                migrations.RemoveField(
                    model_name='workinghours',
                    name='therapist',
                ),
                migrations.DeleteModel(
                    name='Appointment',
                ),
                migrations.DeleteModel(
                    name='AppointmentType',
                ),
                migrations.DeleteModel(
                    name='CalendarFeed',
                ),
                migrations.DeleteModel(
                    name='TimeOff',
                ),
                migrations.DeleteModel(
                    name='WaitlistEntry',
                ),
                migrations.DeleteModel(
                    name='WorkingHours',
                ),
            ],
            database_operations=[],
        ),
    ]
