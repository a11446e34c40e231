"""The reminder outbox moves to the reminders app (2 of 2), its table unchanged: state only
(SeparateDatabaseAndState). The table keeps its name (db_table clinic_reminder), rows, indexes
and constraints; the content type (and so the permissions) follows the model to the new app
label; the planner's progress row follows its task's new name, cursor included."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from clinic.model_moves import content_types_mover

content_types_forward, content_types_backward = content_types_mover("clinic", "reminders", ["reminder"])

OLD_PLAN_TASK, NEW_PLAN_TASK = "clinic.tasks.reminders_plan", "reminders.tasks.reminders_plan"


def plan_task_renamed(apps, old, new):
    # The planner's cursor lives in its TaskProgress row, named after the task: a run cut
    # short before the upgrade resumes where it stopped, and a time-out recorded under the
    # old name does not stay on /healthz for ever (no task of that name completes any more).
    TaskProgress = apps.get_model("clinic", "TaskProgress")
    if TaskProgress.objects.filter(name=old).exists():
        TaskProgress.objects.filter(name=new).delete()
        TaskProgress.objects.filter(name=old).update(name=new)


def plan_task_forward(apps, schema_editor):
    plan_task_renamed(apps, OLD_PLAN_TASK, NEW_PLAN_TASK)


def plan_task_backward(apps, schema_editor):
    plan_task_renamed(apps, NEW_PLAN_TASK, OLD_PLAN_TASK)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('clinic', '0016_reminder_leaves_clinic'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('scheduling', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Reminder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('appointment', 'Appointment reminder'), ('booking', 'Booking confirmation or change'), ('exercise', 'Home-exercise reminder'), ('retest', 'Re-test due'), ('digest', "Therapist's daily digest")], max_length=12)),
                        ('channel', models.CharField(choices=[('email', 'Email'), ('sms', 'Text message'), ('none', 'No reminders')], max_length=10)),
                        ('key', models.CharField(max_length=200, unique=True)),
                        ('due_at', models.DateTimeField()),
                        ('next_attempt_at', models.DateTimeField()),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='pending', max_length=10)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('provider_id', models.CharField(blank=True, max_length=200)),
                        ('last_error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('appointment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='scheduling.appointment')),
                        ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinic.clinic')),
                        ('patient', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='clinic.patient')),
                        ('staff', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'clinic_reminder',
                        'ordering': ['due_at', 'id'],
                        'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='clinic_remi_status_a79f07_idx'), models.Index(fields=['patient', 'due_at'], name='clinic_remi_patient_958001_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('patient__isnull', False), ('staff__isnull', False), _connector='OR'), name='reminder_has_recipient'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'sent'), _negated=True), ('sent_at__isnull', False), _connector='OR'), name='reminder_sent_has_time')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
        migrations.RunPython(plan_task_forward, plan_task_backward),
    ]
