"""Lunge angles keep how they were measured (issue 16).

Angles recorded before this migration get the method "unrecorded": a value that was measured,
with no instrument on record. They keep their numbers, and are compared like any other.
The range check moves from 0..80 to -10..80: new entries are checked against -10..70 by the
service, and no earlier value falls outside what storage accepts.
"""

from django.conf import settings
from django.db import migrations, models


def methods_of_earlier_angles(apps, schema_editor):
    revisions = apps.get_model("assessments", "AssessmentRevision").objects
    for side in ("left", "right"):
        revisions.filter(**{f"{side}_tibia_angle_deg__isnull": False}).update(
            **{f"{side}_angle_method": "unrecorded"}
        )


def refuse_to_lose_methods(apps, schema_editor):
    """Going back drops the method columns and restores the 0..80 check: only safe while no
    angle has a known method or lies below 0. Otherwise stop before anything is lost."""
    revisions = apps.get_model("assessments", "AssessmentRevision").objects
    for side in ("left", "right"):
        measured = revisions.exclude(**{f"{side}_angle_method__in": ["", "unrecorded"]})
        below_zero = revisions.filter(**{f"{side}_tibia_angle_deg__lt": 0})
        if measured.exists() or below_zero.exists():
            raise RuntimeError(
                "assessments 0002 cannot be reversed: some lunge angles have their measuring "
                "method or lie below 0°, which the earlier schema cannot hold. Restore a backup "
                "taken before the upgrade instead."
            )


class Migration(migrations.Migration):

    dependencies = [
        ('assessments', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='assessmentrevision',
            name='revision_left_angle_in_range',
        ),
        migrations.RemoveConstraint(
            model_name='assessmentrevision',
            name='revision_right_angle_in_range',
        ),
        migrations.AddField(
            model_name='assessmentrevision',
            name='left_angle_method',
            field=models.CharField(blank=True, choices=[('phone', 'Phone tilt sensor'), ('inclinometer', 'Inclinometer'), ('goniometer', 'Goniometer'), ('unrecorded', 'Method not recorded')], max_length=12),
        ),
        migrations.AddField(
            model_name='assessmentrevision',
            name='left_angle_spread_deg',
            field=models.DecimalField(blank=True, decimal_places=1, help_text='Phone captures: how far the readings moved while the angle was taken (°).', max_digits=3, null=True),
        ),
        migrations.AddField(
            model_name='assessmentrevision',
            name='right_angle_method',
            field=models.CharField(blank=True, choices=[('phone', 'Phone tilt sensor'), ('inclinometer', 'Inclinometer'), ('goniometer', 'Goniometer'), ('unrecorded', 'Method not recorded')], max_length=12),
        ),
        migrations.AddField(
            model_name='assessmentrevision',
            name='right_angle_spread_deg',
            field=models.DecimalField(blank=True, decimal_places=1, help_text='Phone captures: how far the readings moved while the angle was taken (°).', max_digits=3, null=True),
        ),
        migrations.RunPython(methods_of_earlier_angles, refuse_to_lose_methods),
    ]
