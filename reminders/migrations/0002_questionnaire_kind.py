"""A kind for outcome questionnaires ("questionnaire", 13 characters): the column widens from 12
to 20 characters. Widening a varchar is a catalogue change on PostgreSQL (no table rewrite, no
long lock); on SQLite (the demo) Django copies the table, rows and constraints included. Every
existing row keeps its value; the choices are not in the database."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='reminder',
            name='kind',
            field=models.CharField(choices=[('appointment', 'Appointment reminder'), ('booking', 'Booking confirmation or change'), ('exercise', 'Home-exercise reminder'), ('retest', 'Re-test due'), ('digest', "Therapist's daily digest"), ('questionnaire', 'Outcome questionnaire to answer')], max_length=20),
        ),
    ]
