"""The checks on a lunge angle, once every earlier angle has its method (0002)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0002_angle_method"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='assessmentrevision',
            constraint=models.CheckConstraint(condition=models.Q(('left_tibia_angle_deg__isnull', True), models.Q(('left_tibia_angle_deg__gte', -10), ('left_tibia_angle_deg__lte', 80)), _connector='OR'), name='revision_left_angle_in_range'),
        ),
        migrations.AddConstraint(
            model_name='assessmentrevision',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('left_angle_method', ''), ('left_tibia_angle_deg__isnull', True)), models.Q(('left_tibia_angle_deg__isnull', False), models.Q(('left_angle_method', ''), _negated=True)), _connector='OR'), name='revision_left_angle_has_method'),
        ),
        migrations.AddConstraint(
            model_name='assessmentrevision',
            constraint=models.CheckConstraint(condition=models.Q(('left_angle_spread_deg__isnull', True), models.Q(('left_angle_method', 'phone'), ('left_angle_spread_deg__gte', 0), ('left_angle_spread_deg__lte', 1)), _connector='OR'), name='revision_left_spread_of_a_steady_phone_capture'),
        ),
        migrations.AddConstraint(
            model_name='assessmentrevision',
            constraint=models.CheckConstraint(condition=models.Q(('right_tibia_angle_deg__isnull', True), models.Q(('right_tibia_angle_deg__gte', -10), ('right_tibia_angle_deg__lte', 80)), _connector='OR'), name='revision_right_angle_in_range'),
        ),
        migrations.AddConstraint(
            model_name='assessmentrevision',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('right_angle_method', ''), ('right_tibia_angle_deg__isnull', True)), models.Q(('right_tibia_angle_deg__isnull', False), models.Q(('right_angle_method', ''), _negated=True)), _connector='OR'), name='revision_right_angle_has_method'),
        ),
        migrations.AddConstraint(
            model_name='assessmentrevision',
            constraint=models.CheckConstraint(condition=models.Q(('right_angle_spread_deg__isnull', True), models.Q(('right_angle_method', 'phone'), ('right_angle_spread_deg__gte', 0), ('right_angle_spread_deg__lte', 1)), _connector='OR'), name='revision_right_spread_of_a_steady_phone_capture'),
        ),
    ]
