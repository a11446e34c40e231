"""The clinic's schedule per instrument: ask at intake, before each knee-to-wall re-test, every N
visits. Every existing setting gets "no" and an empty N, which is today's behaviour (nothing is
asked without a therapist). Columns with a constant default and a nullable one are added without
rewriting the table on PostgreSQL 11 and later; the new check holds for every existing row (N is
empty)."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0016_reminder_leaves_clinic'),
        ('questionnaires', '0002_shipped_instruments'),
    ]

    operations = [
        migrations.AddField(
            model_name='clinicinstrumentsetting',
            name='ask_at_intake',
            field=models.BooleanField(default=False, help_text='Ask each new patient once, in their first two weeks.', verbose_name='ask at intake'),
        ),
        migrations.AddField(
            model_name='clinicinstrumentsetting',
            name='ask_before_retest',
            field=models.BooleanField(default=False, help_text='Ask in the week before each re-test falls due.', verbose_name='ask before each knee-to-wall re-test'),
        ),
        migrations.AddField(
            model_name='clinicinstrumentsetting',
            name='ask_every_n_visits',
            field=models.PositiveSmallIntegerField(blank=True, help_text='Ask again after this many attended visits; empty: not by visits.', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(52)], verbose_name='ask every N visits'),
        ),
        migrations.AddConstraint(
            model_name='clinicinstrumentsetting',
            constraint=models.CheckConstraint(condition=models.Q(('ask_every_n_visits__isnull', True), models.Q(('ask_every_n_visits__gte', 1), ('ask_every_n_visits__lte', 52)), _connector='OR'), name='clinic_instrument_setting_every_n_visits_in_range'),
        ),
    ]
