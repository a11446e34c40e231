from rest_framework import serializers

from neural.interpretation import SlrFinding, SlumpFinding
from neural.models import (
    AngleMethod,
    Differentiation,
    Location,
    NeuralTest,
    TestSide,
    YesNoNotTested,
)

FINDINGS = sorted({*SlrFinding, *SlumpFinding})


class NeuralInterpretationSerializer(serializers.Serializer):
    finding = serializers.ChoiceField(
        choices=[str(f) for f in FINDINGS],
        help_text="slr: positive (below the knee, 30-70°, changed by differentiation), "
        "neural_atypical, not_neural, undifferentiated, negative; slump: positive, not_eased, "
        "undifferentiated, negative.",
    )
    sentence = serializers.CharField(help_text="The finding in a sentence for people.")
    notes = serializers.ListField(child=serializers.CharField())


class ResultSerializer(serializers.Serializer):
    """One test on one side, read back with its interpretation (a selectors.ResultReading)."""

    test = serializers.ChoiceField(source="result.test", choices=NeuralTest.choices)
    side = serializers.ChoiceField(source="result.side", choices=TestSide.choices)
    symptoms = serializers.BooleanField(
        source="result.symptoms",
        help_text="slr: symptoms came on before the end of range; slump: reproduced.",
    )
    onset_angle_deg = serializers.DecimalField(
        source="result.onset_angle_deg", max_digits=4, decimal_places=1, allow_null=True
    )
    max_angle_deg = serializers.DecimalField(
        source="result.max_angle_deg", max_digits=4, decimal_places=1, allow_null=True
    )
    angle_method = serializers.CharField(source="result.angle_method")
    approximate = serializers.SerializerMethodField(
        help_text="True when the angle was estimated by eye."
    )
    angle_spread_deg = serializers.DecimalField(
        source="result.angle_spread_deg", max_digits=4, decimal_places=2, allow_null=True
    )
    location = serializers.CharField(source="result.location")
    bragard = serializers.CharField(source="result.bragard")
    hip_internal_rotation = serializers.CharField(source="result.hip_internal_rotation")
    crossed = serializers.CharField(source="result.crossed")
    neck_extension_eased = serializers.CharField(source="result.neck_extension_eased")
    interpretation = NeuralInterpretationSerializer()
    change_since_first = serializers.CharField(
        source="since_first",
        help_text="SLR onset angle change in degrees since the first valid SLR of this side; "
        "never judged real or not (no MDC is known). Empty for the first, and for the slump.",
    )

    def get_approximate(self, reading) -> bool:
        return reading.result.angle_method == AngleMethod.ESTIMATED


class NeuralExamSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="exam.pk")
    patient = serializers.IntegerField(source="exam.patient_id")
    assessment = serializers.IntegerField(
        source="exam.assessment_id",
        allow_null=True,
        help_text="The knee-to-wall visit these tests were done at; null when alone.",
    )
    measured_at = serializers.DateTimeField(source="exam.measured_at")
    measured_by = serializers.IntegerField(source="exam.measured_by_id")
    recorded_by = serializers.IntegerField(source="exam.recorded_by_id")
    recorded_at = serializers.DateTimeField(source="exam.recorded_at")
    notes = serializers.CharField(source="exam.notes")
    entered_in_error = serializers.BooleanField(source="exam.entered_in_error")
    entered_in_error_at = serializers.DateTimeField(
        source="exam.entered_in_error_at", allow_null=True
    )
    entered_in_error_reason = serializers.CharField(source="exam.entered_in_error_reason")
    results = ResultSerializer(many=True)


class ResultInputSerializer(serializers.Serializer):
    """The shape of one result; which fields go with which test is the service's rule."""

    test = serializers.ChoiceField(choices=NeuralTest.choices)
    side = serializers.ChoiceField(choices=TestSide.choices)
    symptoms = serializers.BooleanField(
        help_text="slr: symptoms came on before the end of range; slump: reproduced."
    )
    onset_angle_deg = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="slr with symptoms: hip flexion at onset, 0-110°, one decimal.",
    )
    max_angle_deg = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="slr without symptoms: the greatest angle reached (optional).",
    )
    angle_method = serializers.ChoiceField(
        choices=AngleMethod.choices, required=False, allow_blank=True
    )
    angle_spread_deg = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="A phone reading's spread over its capture window (max - min); over 1.0° "
        "is refused (the phone was moving).",
    )
    location = serializers.ChoiceField(choices=Location.choices, required=False, allow_blank=True)
    bragard = serializers.ChoiceField(
        choices=Differentiation.choices, required=False, allow_blank=True
    )
    hip_internal_rotation = serializers.ChoiceField(
        choices=Differentiation.choices, required=False, allow_blank=True
    )
    crossed = serializers.ChoiceField(
        choices=YesNoNotTested.choices, required=False, allow_blank=True
    )
    neck_extension_eased = serializers.ChoiceField(
        choices=YesNoNotTested.choices,
        required=False,
        allow_blank=True,
        help_text="slump with symptoms reproduced: were they eased by neck extension?",
    )


class NeuralExamInputSerializer(serializers.Serializer):
    patient = serializers.IntegerField(help_text="A patient of your clinic.")
    measured_at = serializers.DateTimeField()
    measured_by = serializers.IntegerField(
        required=False, help_text="A therapist of your clinic; defaults to you."
    )
    assessment = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="This patient's knee-to-wall clinic test the tests were done at.",
    )
    notes = serializers.CharField(required=False, allow_blank=True)
    results = ResultInputSerializer(
        many=True, help_text="One per test and side; the same test and side once."
    )


class EnteredInErrorInputSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the record is entered in error.")
