"""Knee-to-wall assessments.

An Assessment is one visit (or one self-test at home). Its values live in revisions: a
correction adds a revision and marks it current, so the earlier values, who changed them and
when stay on record. Nothing here is updated in place or deleted.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.interpretation import MAX_DISTANCE_UM, MAX_GAP_UM
from audit.querysets import AuditedQuerySet
from clinic.models import Clinic, LengthUnit, Patient, Side, User


class AssessmentKind(models.TextChoices):
    CLINIC = "clinic", _("Clinic test")
    SELF_TEST = "self_test", _("Self-test at home")


class AngleMethod(models.TextChoices):
    """How a lunge angle was measured. An angle estimated from the distance is never stored:
    it is computed where it is shown, always labelled approximate (approx_degrees)."""

    PHONE = "phone", _("Phone tilt sensor")
    INCLINOMETER = "inclinometer", _("Inclinometer")
    GONIOMETER = "goniometer", _("Goniometer")
    # Angles recorded before Dorsi kept the method: a value, with no instrument on record.
    UNRECORDED = "unrecorded", _("Method not recorded")


# Plausibility for a new lunge angle (degrees from vertical, negative: the tibia behind it).
# Storage accepts up to 80°, the limit of the first version, so no earlier value is lost.
ANGLE_MIN_DEG = -10
ANGLE_MAX_DEG = 70
ANGLE_STORED_MAX_DEG = 80
# A phone capture is steady when its readings stay within ±0.5° (a spread of 1°).
STEADY_SPREAD_DEG = 1


class SpineMotion(models.TextChoices):
    FULL = "full", _("Full")
    LIMITED = "limited", _("Limited")
    PAINFUL = "painful", _("Painful")


class Assessment(models.Model):
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="assessments", db_index=False
    )
    # Kept with the row so that clinic scoping needs no join through the patient.
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=AssessmentKind.choices)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["patient", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of patient {self.patient_id}"


class AssessmentRevisionQuerySet(AuditedQuerySet):
    def current(self) -> "AssessmentRevisionQuerySet":
        return self.filter(is_current=True)


def _side_constraints(side: str) -> list[models.CheckConstraint]:
    reached = Q(**{f"{side}_reached": True})
    distance = f"{side}_distance_um"
    return [
        models.CheckConstraint(
            condition=(reached & Q(**{f"{distance}__gte": 0, f"{distance}__lte": MAX_DISTANCE_UM}))
            | (~reached & Q(**{f"{distance}__lte": 0, f"{distance}__gte": -MAX_GAP_UM})),
            name=f"revision_{side}_distance_in_range",
        ),
        models.CheckConstraint(
            condition=Q(**{f"{side}_pain__isnull": True})
            | Q(**{f"{side}_pain__gte": 0, f"{side}_pain__lte": 10}),
            name=f"revision_{side}_pain_0_to_10",
        ),
        models.CheckConstraint(
            condition=Q(**{f"{side}_tibia_angle_deg__isnull": True})
            | Q(
                **{
                    f"{side}_tibia_angle_deg__gte": ANGLE_MIN_DEG,
                    f"{side}_tibia_angle_deg__lte": ANGLE_STORED_MAX_DEG,
                }
            ),
            name=f"revision_{side}_angle_in_range",
        ),
        # An angle always has its method, and a method never stands without an angle.
        models.CheckConstraint(
            condition=(
                Q(**{f"{side}_tibia_angle_deg__isnull": True, f"{side}_angle_method": ""})
                | (
                    Q(**{f"{side}_tibia_angle_deg__isnull": False})
                    & ~Q(**{f"{side}_angle_method": ""})
                )
            ),
            name=f"revision_{side}_angle_has_method",
        ),
        # The spread of a capture's readings is the phone's, and only a steady one is kept.
        models.CheckConstraint(
            condition=Q(**{f"{side}_angle_spread_deg__isnull": True})
            | Q(
                **{
                    f"{side}_angle_method": AngleMethod.PHONE,
                    f"{side}_angle_spread_deg__gte": 0,
                    f"{side}_angle_spread_deg__lte": STEADY_SPREAD_DEG,
                }
            ),
            name=f"revision_{side}_spread_of_a_steady_phone_capture",
        ),
    ]


def _angle_method_field() -> models.CharField:
    return models.CharField(max_length=12, choices=AngleMethod.choices, blank=True)


def _angle_spread_field() -> models.DecimalField:
    return models.DecimalField(
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Phone captures: how far the readings moved while the angle was taken (°)."),
    )


class AssessmentRevision(models.Model):
    """The values of one assessment as recorded, or as corrected later."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="revisions", db_index=False
    )
    number = models.PositiveSmallIntegerField()
    is_current = models.BooleanField(default=True)
    measured_at = models.DateTimeField()
    measured_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The therapist who measured; empty for a patient's self-test."),
    )
    entry_unit = models.CharField(max_length=2, choices=LengthUnit.choices)

    left_reached = models.BooleanField(default=True)
    left_distance_um = models.IntegerField()
    left_tibia_angle_deg = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True
    )
    left_angle_method = _angle_method_field()
    left_angle_spread_deg = _angle_spread_field()
    left_heel_down = models.BooleanField(default=True)
    left_pain = models.PositiveSmallIntegerField(null=True, blank=True)

    right_reached = models.BooleanField(default=True)
    right_distance_um = models.IntegerField()
    right_tibia_angle_deg = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True
    )
    right_angle_method = _angle_method_field()
    right_angle_spread_deg = _angle_spread_field()
    right_heel_down = models.BooleanField(default=True)
    right_pain = models.PositiveSmallIntegerField(null=True, blank=True)

    # Compensations seen in standing and walking (clinical brief).
    feet_turned_out = models.BooleanField(default=False)
    knees_in = models.BooleanField(default=False, help_text=_("Knees in / hip internal rotation."))
    anterior_pelvic_tilt = models.BooleanField(default=False)
    push_off_turn_out = models.BooleanField(
        default=False, help_text=_("Foot turning out at push-off.")
    )
    symptomatic_side = models.CharField(max_length=5, choices=Side.choices, default=Side.NONE)

    # The chain screen that led to the ankle: lumbar spine first, then hip and knee.
    lumbar_flexion = models.CharField(max_length=8, choices=SpineMotion.choices, blank=True)
    lumbar_extension = models.CharField(max_length=8, choices=SpineMotion.choices, blank=True)
    lumbar_side_bend_left = models.CharField(max_length=8, choices=SpineMotion.choices, blank=True)
    lumbar_side_bend_right = models.CharField(max_length=8, choices=SpineMotion.choices, blank=True)
    lumbar_rotation_left = models.CharField(max_length=8, choices=SpineMotion.choices, blank=True)
    lumbar_rotation_right = models.CharField(max_length=8, choices=SpineMotion.choices, blank=True)
    hip_notes = models.TextField(blank=True)
    knee_notes = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    recorded_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who entered this revision; empty when the patient did."),
    )
    recorded_at = models.DateTimeField()
    correction_reason = models.TextField(blank=True)

    objects = AssessmentRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["assessment_id", "number"]
        indexes = [models.Index(fields=["is_current", "measured_at"])]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "number"], name="revision_number_unique"),
            models.UniqueConstraint(
                fields=["assessment"],
                condition=Q(is_current=True),
                name="revision_one_current_per_assessment",
            ),
            models.CheckConstraint(
                condition=Q(number=1) | ~Q(correction_reason=""),
                name="revision_correction_has_reason",
            ),
            *_side_constraints("left"),
            *_side_constraints("right"),
        ]

    def __str__(self) -> str:
        return f"Assessment {self.assessment_id} revision {self.number}"

    def side(self, side: str) -> dict:
        return {
            "reached": getattr(self, f"{side}_reached"),
            "distance_um": getattr(self, f"{side}_distance_um"),
            "tibia_angle_deg": getattr(self, f"{side}_tibia_angle_deg"),
            "angle_method": getattr(self, f"{side}_angle_method"),
            "angle_spread_deg": getattr(self, f"{side}_angle_spread_deg"),
            "heel_down": getattr(self, f"{side}_heel_down"),
            "pain": getattr(self, f"{side}_pain"),
        }

    @property
    def compensations(self) -> list[str]:
        labels = {
            "feet_turned_out": _("feet turned out"),
            "knees_in": _("knees in / hip internal rotation"),
            "anterior_pelvic_tilt": _("anterior pelvic tilt"),
            "push_off_turn_out": _("foot turns out at push-off"),
        }
        return [label for field, label in labels.items() if getattr(self, field)]
