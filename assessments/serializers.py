from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.interpretation import ChangeClass, Standing, from_micrometres
from assessments.models import AngleMethod, AssessmentKind, SpineMotion
from clinic.models import LengthUnit, Side


@extend_schema_field({"type": "string", "format": "decimal", "example": "11.8"})
class CentimetresField(serializers.Field):
    """A distance in centimetres, exact (to 4 decimal places) and as a string."""

    def to_representation(self, micrometres: int) -> str:
        return str(from_micrometres(micrometres, "cm"))


@extend_schema_field({"type": "string", "format": "decimal", "example": "4.625"})
class InchesField(serializers.Field):
    def to_representation(self, micrometres: int) -> str:
        return str(from_micrometres(micrometres, "in"))


SIDES = [(Side.LEFT.value, Side.LEFT.label), (Side.RIGHT.value, Side.RIGHT.label)]


@extend_schema_field(
    {"type": "string", "enum": [value for value, _ in SIDES]}, component_name="ShorterSideEnum"
)
class ShorterSideField(serializers.ChoiceField):
    """Left or right: a side of the body, unlike a symptomatic side (which may be both or none)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=SIDES, **kwargs)


class ChangeSerializer(serializers.Serializer):
    delta_cm = CentimetresField(
        source="delta_um",
        allow_null=True,
        help_text="null when not comparable: a side without a number has no difference.",
    )
    mdc_cm = CentimetresField(source="mdc_um", help_text="The MDC this change was judged by.")
    classification = serializers.ChoiceField(
        choices=[change.value for change in ChangeClass],
        help_text="improved / worse only when the change reaches the MDC; not_comparable when "
        "either test could not reach the wall and its gap was not measured.",
    )
    reason = serializers.CharField(
        help_text="Why it is not comparable, in plain words; empty otherwise."
    )


class AngleChangeSerializer(serializers.Serializer):
    delta_deg = serializers.DecimalField(max_digits=4, decimal_places=1)
    mdc_deg = serializers.DecimalField(
        max_digits=4, decimal_places=1, help_text="The angle's MDC this change was judged by."
    )
    classification = serializers.ChoiceField(
        choices=[change.value for change in ChangeClass if change != ChangeClass.NOT_COMPARABLE],
        help_text="improved / worse only when the change reaches the angle's MDC.",
    )
    note = serializers.CharField(help_text="E.g. the two angles came from different instruments.")


class SideResultSerializer(serializers.Serializer):
    reached = serializers.BooleanField(help_text="False: the knee could not reach the wall.")
    measured = serializers.BooleanField(
        help_text="False: could not reach and the gap was not measured; the distance is null."
    )
    distance_cm = CentimetresField(
        source="distance_um",
        allow_null=True,
        help_text="Toe-to-wall distance; below 0 (the gap) when not reached; null when the gap "
        "was not measured.",
    )
    distance_in = InchesField(source="distance_um", allow_null=True)
    tibia_angle_deg = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        allow_null=True,
        help_text="The measured tibia angle from vertical; null when none was measured.",
    )
    angle_method = serializers.ChoiceField(
        source="angle_method_measured",
        choices=AngleMethod.choices,
        allow_blank=True,
        help_text="How the angle was measured; empty when none was.",
    )
    angle_spread_deg = serializers.DecimalField(
        max_digits=3,
        decimal_places=1,
        allow_null=True,
        help_text="A phone capture's spread of readings while it was taken.",
    )
    angle_change_since_baseline = AngleChangeSerializer(
        source="angle_since_baseline",
        allow_null=True,
        help_text="Against the first clinic test that measured this side's angle; null when "
        "there is none, or this is it, or either angle was not measured.",
    )
    angle_change_since_previous = AngleChangeSerializer(
        source="angle_since_previous", allow_null=True
    )
    approx_tibia_angle_deg = serializers.IntegerField(
        source="approx_degrees",
        allow_null=True,
        help_text="Approximate, from distance (1 cm ≈ 3.6°); null without a distance.",
    )
    heel_down = serializers.BooleanField()
    pain = serializers.IntegerField(allow_null=True)
    standing = serializers.ChoiceField(choices=[s.value for s in Standing])
    change_since_baseline = ChangeSerializer(source="since_baseline", allow_null=True)
    change_since_previous = ChangeSerializer(source="since_previous", allow_null=True)


class AsymmetrySerializer(serializers.Serializer):
    difference_cm = CentimetresField(
        source="difference_um",
        allow_null=True,
        help_text="null when a side's gap was not measured (see more_than_cm and reason).",
    )
    more_than_cm = CentimetresField(
        source="more_than_um",
        allow_null=True,
        help_text="When one side's gap was not measured and the other reached the wall: the "
        "difference is larger than this.",
    )
    flagged = serializers.BooleanField(help_text="Over the clinic's threshold: a prompt to look.")
    shorter_side = ShorterSideField(
        allow_null=True, help_text="null when the sides are equal, or their order is not known."
    )
    reason = serializers.CharField(help_text="Why the difference is only a bound or not known.")


class CompensationsSerializer(serializers.Serializer):
    feet_turned_out = serializers.BooleanField()
    knees_in = serializers.BooleanField()
    anterior_pelvic_tilt = serializers.BooleanField()
    push_off_turn_out = serializers.BooleanField()


class ChainScreenSerializer(serializers.Serializer):
    lumbar_flexion = serializers.CharField()
    lumbar_extension = serializers.CharField()
    lumbar_side_bend_left = serializers.CharField()
    lumbar_side_bend_right = serializers.CharField()
    lumbar_rotation_left = serializers.CharField()
    lumbar_rotation_right = serializers.CharField()
    hip_notes = serializers.CharField()
    knee_notes = serializers.CharField()


class AssessmentSerializer(serializers.Serializer):
    """One assessment's current values with their interpretation (a selectors.Reading)."""

    id = serializers.IntegerField(source="revision.assessment_id")
    patient = serializers.IntegerField(source="revision.assessment.patient_id")
    kind = serializers.ChoiceField(
        source="revision.assessment.kind", choices=AssessmentKind.choices
    )
    measured_at = serializers.DateTimeField(source="revision.measured_at")
    measured_by = serializers.IntegerField(source="revision.measured_by_id", allow_null=True)
    entry_unit = serializers.ChoiceField(source="revision.entry_unit", choices=LengthUnit.choices)
    revision = serializers.IntegerField(source="revision.number")
    is_baseline = serializers.BooleanField()
    left = SideResultSerializer()
    right = SideResultSerializer()
    asymmetry = AsymmetrySerializer()
    compensations = CompensationsSerializer(source="revision")
    symptomatic_side = serializers.ChoiceField(
        source="revision.symptomatic_side", choices=Side.choices
    )
    chain_screen = ChainScreenSerializer(source="revision")
    notes = serializers.CharField(source="revision.notes")
    recorded_by = serializers.IntegerField(source="revision.recorded_by_id", allow_null=True)
    recorded_at = serializers.DateTimeField(source="revision.recorded_at")
    correction_reason = serializers.CharField(source="revision.correction_reason")


def _angle_method_input() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=AngleMethod.choices,
        required=False,
        allow_blank=True,
        help_text="How the angle was measured; required with an angle. `unrecorded` only in a "
        "correction of an angle recorded before Dorsi kept the method.",
    )


def _angle_spread_input() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=3,
        decimal_places=1,
        required=False,
        allow_null=True,
        help_text="A phone capture's spread of readings (max - min, degrees); over 1.0 the "
        "capture is refused as taken while the phone moved.",
    )


class AssessmentInputSerializer(serializers.Serializer):
    """The shape of a knee-to-wall entry; the rules are the service's."""

    patient = serializers.IntegerField(help_text="A patient of your clinic.")
    unit = serializers.ChoiceField(choices=LengthUnit.choices)
    measured_at = serializers.DateTimeField()
    measured_by = serializers.IntegerField(
        required=False, help_text="A therapist of your clinic; defaults to you."
    )
    left_reached = serializers.BooleanField(default=True)
    left_distance = serializers.DecimalField(
        max_digits=8,
        decimal_places=3,
        required=False,
        allow_null=True,
        help_text="Toe-to-wall distance in `unit`, when the knee reached the wall.",
    )
    left_gap = serializers.DecimalField(
        max_digits=8,
        decimal_places=3,
        required=False,
        allow_null=True,
        help_text="Knee-to-wall gap with the toe at the wall, when it could not reach.",
    )
    left_tibia_angle_deg = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True
    )
    left_angle_method = _angle_method_input()
    left_angle_spread_deg = _angle_spread_input()
    left_heel_down = serializers.BooleanField(default=True)
    left_pain = serializers.IntegerField(required=False, allow_null=True)
    right_reached = serializers.BooleanField(default=True)
    right_distance = serializers.DecimalField(
        max_digits=8, decimal_places=3, required=False, allow_null=True
    )
    right_gap = serializers.DecimalField(
        max_digits=8, decimal_places=3, required=False, allow_null=True
    )
    right_tibia_angle_deg = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True
    )
    right_angle_method = _angle_method_input()
    right_angle_spread_deg = _angle_spread_input()
    right_heel_down = serializers.BooleanField(default=True)
    right_pain = serializers.IntegerField(required=False, allow_null=True)
    feet_turned_out = serializers.BooleanField(default=False)
    knees_in = serializers.BooleanField(default=False)
    anterior_pelvic_tilt = serializers.BooleanField(default=False)
    push_off_turn_out = serializers.BooleanField(default=False)
    symptomatic_side = serializers.ChoiceField(choices=Side.choices, required=False)
    lumbar_flexion = serializers.ChoiceField(
        choices=SpineMotion.choices, required=False, allow_blank=True
    )
    lumbar_extension = serializers.ChoiceField(
        choices=SpineMotion.choices, required=False, allow_blank=True
    )
    lumbar_side_bend_left = serializers.ChoiceField(
        choices=SpineMotion.choices, required=False, allow_blank=True
    )
    lumbar_side_bend_right = serializers.ChoiceField(
        choices=SpineMotion.choices, required=False, allow_blank=True
    )
    lumbar_rotation_left = serializers.ChoiceField(
        choices=SpineMotion.choices, required=False, allow_blank=True
    )
    lumbar_rotation_right = serializers.ChoiceField(
        choices=SpineMotion.choices, required=False, allow_blank=True
    )
    hip_notes = serializers.CharField(required=False, allow_blank=True)
    knee_notes = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class AssessmentCorrectionSerializer(AssessmentInputSerializer):
    patient = None
    correction_reason = serializers.CharField(help_text="Why the values are corrected.")
