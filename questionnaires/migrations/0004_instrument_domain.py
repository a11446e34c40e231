"""An instrument's domain (pain intensity, or disability and function) becomes data, so that a
clinic's own pain scale counts as pain on the dashboard and the outcomes page; until now it was
decided by the shipped NPRS slugs.

Safe on a database holding data: the column is added with "function" for every existing row
(today's behaviour for everything but the shipped NPRS: PSFS, LEFS and every clinic's own
instrument), a constant default that PostgreSQL 11 and later add without rewriting the table;
then the shipped NPRS back and leg are set to pain. The default is not kept: a new instrument
must say which it is. Answers, requests and settings are not touched.
"""

from django.db import migrations, models

# The shipped instruments' domains (0002_shipped_instruments); anything else stays "function".
SHIPPED_DOMAINS = {"nprs-back": "pain", "nprs-leg": "pain", "psfs": "function", "lefs": "function"}


def set_domains(apps, schema_editor):
    Instrument = apps.get_model("questionnaires", "Instrument")
    for slug, domain in SHIPPED_DOMAINS.items():
        Instrument.objects.filter(clinic__isnull=True, slug=slug).update(domain=domain)


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0003_clinic_schedule")]

    operations = [
        migrations.AddField(
            model_name="instrument",
            name="domain",
            field=models.CharField(
                choices=[("pain", "Pain intensity"), ("function", "Disability or function")],
                default="function",
                help_text="Pain intensity, or disability and function: where its changes count "
                "on the dashboard and the outcomes page.",
                max_length=10,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(set_domains, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="instrument",
            constraint=models.CheckConstraint(
                condition=models.Q(("domain__in", ["pain", "function"])),
                name="instrument_domain_valid",
            ),
        ),
    ]
