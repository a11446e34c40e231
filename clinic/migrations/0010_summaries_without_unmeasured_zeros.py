"""Dashboard summaries written before a gap could be "not measured" hold 0 µm for a side that
could not reach the wall without a measured gap, and changes and a side-to-side difference
computed from that 0. Clear those values (None: no number); the next refresh (on the
patient's next change, and hourly for everyone) recomputes them by today's rules."""

from django.db import migrations
from django.db.models import Q


def clear_unmeasured_zeros(apps, schema_editor):
    PatientSummary = apps.get_model("clinic", "PatientSummary")
    for side in ("left", "right"):
        unmeasured = Q(**{f"{side}_reached": False, f"{side}_um": 0})
        PatientSummary.objects.filter(unmeasured).update(
            **{f"{side}_um": None, f"{side}_change": "", f"{side}_delta_um": None},
            asymmetry_um=None,
        )


class Migration(migrations.Migration):
    dependencies = [("clinic", "0009_api_tokens")]

    operations = [migrations.RunPython(clear_unmeasured_zeros, migrations.RunPython.noop)]
