"""The summary row says which questionnaire got worse beyond the MCID and when the oldest open
request is due (issue 15). Both columns are empty on rows written before (no data is guessed):
the next refresh fills them, at the latest the hourly one.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0002_forget_the_old_refresh_task_name'),
    ]

    operations = [
        migrations.AddField(
            model_name='patientsummary',
            name='questionnaire_due_on',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='patientsummary',
            name='questionnaire_worse',
            field=models.CharField(blank=True, default='', max_length=200),
        ),
    ]
