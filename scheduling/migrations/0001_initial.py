"""Scheduling's models move to the scheduling app (2 of 3), their tables unchanged: state only
(SeparateDatabaseAndState). The tables keep their names (db_table clinic_*), rows, indexes
and the exclusion constraints that refuse double booking; the content types (and so the
permissions) follow the models to the new app label."""

import clinic.models
import django.contrib.postgres.fields.ranges
import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

from clinic.model_moves import content_types_mover


MOVED = ["workinghours", "timeoff", "appointmenttype", "appointment", "waitlistentry", "calendarfeed"]


content_types_forward, content_types_backward = content_types_mover("clinic", "scheduling", MOVED)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('clinic', '0014_scheduling_fields_leave_clinic'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AppointmentType',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('initial', 'Initial assessment'), ('follow_up', 'Follow-up'), ('retest', 'Re-test')], max_length=10)),
                        ('name', models.CharField(max_length=80)),
                        ('default_minutes', models.PositiveSmallIntegerField()),
                        ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='appointment_types', to='clinic.clinic')),
                    ],
                    options={
                        'db_table': 'clinic_appointmenttype',
                        'ordering': ['clinic_id', 'default_minutes', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='Appointment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('starts_at', models.DateTimeField()),
                        ('ends_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('booked', 'Booked'), ('cancelled', 'Cancelled'), ('completed', 'Completed'), ('no_show', 'No-show')], default='booked', max_length=10)),
                        ('note', models.CharField(blank=True, help_text='Front-desk note.', max_length=500)),
                        ('series', models.UUIDField(blank=True, help_text='Appointments booked together.', null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                        ('patient_response', models.CharField(blank=True, choices=[('', 'No answer'), ('confirmed', 'Confirmed'), ('reschedule', 'Asked to reschedule')], help_text="The patient's answer through the reminder link.", max_length=10)),
                        ('responded_at', models.DateTimeField(blank=True, null=True)),
                        ('booked_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('cancelled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='clinic.clinic')),
                        ('patient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='clinic.patient')),
                        ('therapist', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to=settings.AUTH_USER_MODEL)),
                        ('appointment_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='scheduling.appointmenttype')),
                    ],
                    options={
                        'db_table': 'clinic_appointment',
                        'ordering': ['starts_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='CalendarFeed',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinic.clinic')),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('patient', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='calendar_feeds', to='clinic.patient')),
                        ('therapist', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='calendar_feeds', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'clinic_calendarfeed',
                    },
                ),
                migrations.CreateModel(
                    name='TimeOff',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('starts_at', models.DateTimeField()),
                        ('ends_at', models.DateTimeField()),
                        ('reason', models.CharField(blank=True, max_length=200)),
                        ('therapist', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='time_off', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'clinic_timeoff',
                        'ordering': ['starts_at'],
                    },
                ),
                migrations.CreateModel(
                    name='WaitlistEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('note', models.CharField(blank=True, max_length=300)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('removed_at', models.DateTimeField(blank=True, null=True)),
                        ('appointment_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='scheduling.appointmenttype')),
                        ('booked', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='scheduling.appointment')),
                        ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinic.clinic')),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('patient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='waitlist', to='clinic.patient')),
                        ('therapist', models.ForeignKey(blank=True, help_text='Empty: any therapist.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'clinic_waitlistentry',
                        'ordering': ['created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='WorkingHours',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('weekday', models.PositiveSmallIntegerField(help_text='0 is Monday, 6 is Sunday.')),
                        ('starts', models.TimeField()),
                        ('ends', models.TimeField()),
                        ('therapist', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='working_hours', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'clinic_workinghours',
                        'ordering': ['therapist_id', 'weekday', 'starts'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='appointmenttype',
                    constraint=models.UniqueConstraint(fields=('clinic', 'kind'), name='appointment_type_per_kind'),
                ),
                migrations.AddConstraint(
                    model_name='appointmenttype',
                    constraint=models.CheckConstraint(condition=models.Q(('default_minutes__gte', 5), ('default_minutes__lte', 480)), name='appointment_type_length'),
                ),
                migrations.AddIndex(
                    model_name='appointment',
                    index=models.Index(fields=['clinic', 'starts_at'], name='clinic_appo_clinic__40706f_idx'),
                ),
                migrations.AddIndex(
                    model_name='appointment',
                    index=models.Index(fields=['therapist', 'starts_at'], name='clinic_appo_therapi_ae9ccc_idx'),
                ),
                migrations.AddIndex(
                    model_name='appointment',
                    index=models.Index(fields=['patient', 'starts_at'], name='clinic_appo_patient_63f511_idx'),
                ),
                migrations.AddConstraint(
                    model_name='appointment',
                    constraint=models.CheckConstraint(condition=models.Q(('ends_at__gt', models.F('starts_at'))), name='appointment_ends_after_start'),
                ),
                migrations.AddConstraint(
                    model_name='appointment',
                    constraint=clinic.models.PostgresExclusionConstraint(condition=models.Q(('status', 'cancelled'), _negated=True), expressions=[(clinic.models.TsTzRange('starts_at', 'ends_at', django.contrib.postgres.fields.ranges.RangeBoundary()), '&&'), ('therapist', '=')], name='appointment_no_therapist_overlap'),
                ),
                migrations.AddConstraint(
                    model_name='appointment',
                    constraint=clinic.models.PostgresExclusionConstraint(condition=models.Q(('status', 'cancelled'), _negated=True), expressions=[(clinic.models.TsTzRange('starts_at', 'ends_at', django.contrib.postgres.fields.ranges.RangeBoundary()), '&&'), ('patient', '=')], name='appointment_no_patient_overlap'),
                ),
                migrations.AddConstraint(
                    model_name='calendarfeed',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('patient__isnull', False), ('therapist__isnull', True)), models.Q(('patient__isnull', True), ('therapist__isnull', False)), _connector='OR'), name='calendar_feed_one_owner'),
                ),
                migrations.AddConstraint(
                    model_name='timeoff',
                    constraint=models.CheckConstraint(condition=models.Q(('ends_at__gt', models.F('starts_at'))), name='time_off_order'),
                ),
                migrations.AddConstraint(
                    model_name='workinghours',
                    constraint=models.CheckConstraint(condition=models.Q(('weekday__lte', 6)), name='working_hours_weekday'),
                ),
                migrations.AddConstraint(
                    model_name='workinghours',
                    constraint=models.CheckConstraint(condition=models.Q(('ends__gt', models.F('starts'))), name='working_hours_order'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
