"""PatientSummary moves from the clinic app to the dashboard, its table unchanged.

State only (SeparateDatabaseAndState): the table keeps its name (clinic_patientsummary), its
rows and its indexes; the content type (and so the permissions) follows the model to the new
app label. clinic 0013 then removes the model from clinic's state.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from clinic.model_moves import content_types_mover


content_types_forward, content_types_backward = content_types_mover("clinic", "dashboard", ["patientsummary"])


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('clinic', '0012_api_token_to_accounts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='PatientSummary',
            fields=[
                ('patient', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='summary', serialize=False, to='clinic.patient')),
                ('is_active', models.BooleanField(default=True)),
                ('left_um', models.IntegerField(blank=True, null=True)),
                ('right_um', models.IntegerField(blank=True, null=True)),
                ('left_reached', models.BooleanField(default=True)),
                ('right_reached', models.BooleanField(default=True)),
                ('last_tested_at', models.DateTimeField(blank=True, null=True)),
                ('left_change', models.CharField(blank=True, max_length=16)),
                ('right_change', models.CharField(blank=True, max_length=16)),
                ('left_delta_um', models.IntegerField(blank=True, null=True)),
                ('right_delta_um', models.IntegerField(blank=True, null=True)),
                ('asymmetry_um', models.IntegerField(blank=True, null=True)),
                ('adherence_percent', models.PositiveSmallIntegerField(blank=True, help_text='Share of prescribed sessions done, last 14 days.', null=True)),
                ('last_pain', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('last_pain_on', models.DateField(blank=True, null=True)),
                ('next_appointment_at', models.DateTimeField(blank=True, null=True)),
                ('retest_due_on', models.DateField(blank=True, null=True)),
                ('flags', models.PositiveIntegerField(default=0)),
                ('urgency', models.PositiveIntegerField(default=0)),
                ('refreshed_at', models.DateTimeField()),
                ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinic.clinic')),
                ('primary_therapist', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'clinic_patientsummary',
                'indexes': [models.Index(fields=['clinic', 'is_active', '-urgency', 'patient'], name='clinic_pati_clinic__668672_idx'), models.Index(fields=['primary_therapist', 'is_active', '-urgency'], name='clinic_pati_primary_7013fb_idx')],
            },
        ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
