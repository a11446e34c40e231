"""The dashboard's counts, maintained (dashboard.counts): the tables, filled from every
clinic's summary rows as they stand, and indexes for the dashboard's other sorts."""

import zoneinfo
from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def counts_fill(apps, schema_editor):
    from django.utils import timezone

    from assessments.interpretation import Thresholds
    from dashboard.counts import KEEP_IMPROVED_DAYS, rows_counted

    Clinic = apps.get_model("clinic", "Clinic")
    PatientSummary = apps.get_model("dashboard", "PatientSummary")
    SummaryCount = apps.get_model("dashboard", "SummaryCount")
    ImprovedDay = apps.get_model("dashboard", "ImprovedDay")
    for clinic in Clinic.objects.order_by("pk"):
        limits = Thresholds.for_clinic(clinic)
        zone = zoneinfo.ZoneInfo(clinic.time_zone)
        counts, days = rows_counted(PatientSummary.objects.filter(clinic=clinic), limits, zone)
        SummaryCount.objects.bulk_create(
            SummaryCount(
                clinic=clinic,
                therapist_id=key,
                target_um=limits.target_um,
                needs_work_below_um=limits.needs_work_below_um,
                **values,
            )
            for key, values in counts.items()
        )
        oldest = timezone.now().astimezone(zone).date() - timedelta(days=KEEP_IMPROVED_DAYS)
        ImprovedDay.objects.bulk_create(
            ImprovedDay(clinic=clinic, day=day, therapist_id=key, improved=n)
            for (day, key), n in days.items()
            if day >= oldest
        )


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0022_patient_name_indexes'),
        ('dashboard', '0004_drop_duplicate_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ImprovedDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('therapist_id', models.PositiveIntegerField()),
                ('improved', models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='SummaryCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('therapist_id', models.PositiveIntegerField()),
                ('target_um', models.IntegerField()),
                ('needs_work_below_um', models.IntegerField()),
                ('patients', models.IntegerField(default=0, help_text='Active patients.')),
                ('discharged', models.IntegerField(default=0)),
                ('untested', models.IntegerField(default=0)),
                ('needs_work', models.IntegerField(default=0)),
                ('below_target', models.IntegerField(default=0)),
                ('at_target', models.IntegerField(default=0)),
                ('adherence_none', models.IntegerField(default=0)),
                ('adherence_low', models.IntegerField(default=0)),
                ('adherence_mid', models.IntegerField(default=0)),
                ('adherence_high', models.IntegerField(default=0)),
                ('flag_regression', models.IntegerField(default=0)),
                ('flag_high_pain', models.IntegerField(default=0)),
                ('flag_failed_reminder', models.IntegerField(default=0)),
                ('flag_retest_overdue', models.IntegerField(default=0)),
                ('flag_low_adherence', models.IntegerField(default=0)),
                ('flag_no_follow_up', models.IntegerField(default=0)),
                ('flag_asymmetry', models.IntegerField(default=0)),
                ('flag_below_target', models.IntegerField(default=0)),
                ('flag_not_comparable', models.IntegerField(default=0)),
                ('flag_pain_worse', models.IntegerField(default=0)),
                ('flag_function_worse', models.IntegerField(default=0)),
                ('flag_questionnaire_overdue', models.IntegerField(default=0)),
                ('flag_report_due', models.IntegerField(default=0)),
                ('flag_report_due_soon', models.IntegerField(default=0)),
            ],
        ),
        migrations.AddIndex(
            model_name='patientsummary',
            index=models.Index(fields=['clinic', 'is_active', 'adherence_percent', '-urgency', 'patient'], name='summary_by_adherence'),
        ),
        migrations.AddIndex(
            model_name='patientsummary',
            index=models.Index(fields=['clinic', 'is_active', 'last_tested_at', '-urgency', 'patient'], name='summary_by_tested'),
        ),
        migrations.AddField(
            model_name='improvedday',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinic.clinic'),
        ),
        migrations.AddField(
            model_name='summarycount',
            name='clinic',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='clinic.clinic'),
        ),
        migrations.AddConstraint(
            model_name='improvedday',
            constraint=models.UniqueConstraint(fields=('clinic', 'day', 'therapist_id'), name='improved_day_one_per_therapist'),
        ),
        migrations.AddConstraint(
            model_name='summarycount',
            constraint=models.UniqueConstraint(fields=('clinic', 'therapist_id'), name='summary_count_one_per_therapist'),
        ),
        migrations.RunPython(counts_fill, migrations.RunPython.noop),
    ]
