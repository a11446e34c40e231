"""The shapes of the exercises API. The rules are the services'; these only give the form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.templatetags.static import static
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exercises.adherence import days_mask, weekdays_of
from exercises.models import (
    DoseStyle,
    Exercise,
    ExerciseStatus,
    Prescription,
    PrescriptionVersion,
    RoutineTemplate,
)
from exercises.selectors import Adherence
from exercises.services import dose_errors


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": 6},
        "description": "Weekday numbers: 0 = Monday ... 6 = Sunday.",
        "example": [0, 2, 4],
    }
)
class WeekdaysField(serializers.Field):
    """Days of the week as a list of weekday numbers; a bit mask inside."""

    default_error_messages = {"invalid": "A list of weekday numbers, 0 = Monday to 6 = Sunday."}

    def to_representation(self, mask: int) -> list[int]:
        return weekdays_of(mask)

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, list) or any(
            not isinstance(day, int) or isinstance(day, bool) for day in data
        ):
            self.fail("invalid")
        try:
            return days_mask(data)
        except ValueError:
            self.fail("invalid")


# --- Output -----------------------------------------------------------------------------------


class DoseSerializer(serializers.Serializer):
    seconds_per_bout = serializers.IntegerField()
    bouts = serializers.IntegerField()
    per_side = serializers.BooleanField(help_text="Done on each side: the time counts twice.")
    style = serializers.ChoiceField(choices=DoseStyle.choices)
    into_tension_seconds = serializers.IntegerField(allow_null=True)
    ease_off_seconds = serializers.IntegerField(allow_null=True)
    total_seconds = serializers.IntegerField(help_text="All bouts, both sides when per side.")


class ExerciseSerializer(DoseSerializer):
    """A library exercise with its default dose."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    purpose = serializers.CharField()
    steps = serializers.ListField(child=serializers.CharField())
    cues = serializers.ListField(child=serializers.CharField(), source="cue_list")
    picture = serializers.SerializerMethodField(help_text="URL of the illustration.")
    video_url = serializers.CharField()
    is_shared = serializers.BooleanField(
        help_text="Part of the shared library: adapt it to change it."
    )
    based_on = serializers.IntegerField(
        source="based_on_id", allow_null=True, help_text="The exercise this one adapts."
    )

    def get_picture(self, exercise: Exercise) -> str | None:
        return static(exercise.picture) if exercise.picture else None


class RoutineTemplateItemSerializer(DoseSerializer):
    exercise = serializers.IntegerField(source="exercise_id")
    exercise_name = serializers.CharField(source="exercise.name")
    position = serializers.IntegerField()


class RoutineTemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    is_shared = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    items = RoutineTemplateItemSerializer(many=True)

    def get_is_shared(self, template: RoutineTemplate) -> bool:
        return template.clinic_id is None


class PrescriptionItemSerializer(DoseSerializer):
    id = serializers.IntegerField(help_text="Name it in a session log's entries.")
    exercise = serializers.IntegerField(source="exercise_id")
    exercise_name = serializers.CharField(source="exercise.name")
    position = serializers.IntegerField()


class PrescriptionVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Name it as `version` when logging a session.")
    number = serializers.IntegerField()
    effective_from = serializers.DateField()
    times_per_day = serializers.IntegerField()
    days_of_week = WeekdaysField()
    retest_on = serializers.DateField(allow_null=True)
    notes = serializers.CharField()
    items = PrescriptionItemSerializer(many=True)


class PrescriptionVersionSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    effective_from = serializers.DateField()


class WeekAdherenceSerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="The Monday of the week.")
    prescribed = serializers.IntegerField(help_text="Sessions prescribed up to today.")
    done = serializers.IntegerField()
    percent = serializers.IntegerField(
        allow_null=True, help_text="Done over prescribed; null when nothing was prescribed."
    )


class AdherenceSerializer(serializers.Serializer):
    this_week = WeekAdherenceSerializer()
    last_four_weeks = WeekAdherenceSerializer(many=True, help_text="Oldest first.")
    streak = serializers.IntegerField(help_text="Prescribed days in a row with a session done.")


@dataclass(frozen=True)
class PrescriptionRow:
    """A prescription with its current version, its versions and its patient's adherence."""

    prescription: Prescription
    current: PrescriptionVersion
    versions: list[PrescriptionVersion]
    adherence: Adherence


class PrescriptionSerializer(serializers.Serializer):
    """A prescription (a PrescriptionRow) as the API shows it."""

    id = serializers.IntegerField(source="prescription.pk")
    patient = serializers.IntegerField(source="prescription.patient_id")
    title = serializers.CharField(source="prescription.title")
    template = serializers.IntegerField(source="prescription.template_id", allow_null=True)
    ended_on = serializers.DateField(source="prescription.ended_on", allow_null=True)
    created_at = serializers.DateTimeField(source="prescription.created_at")
    current_version = PrescriptionVersionSerializer(source="current")
    versions = PrescriptionVersionSummarySerializer(many=True)
    adherence = AdherenceSerializer(help_text="The patient's, across all their prescriptions.")


class SessionEntrySerializer(serializers.Serializer):
    """One exercise of a session; the same shape is sent and answered."""

    item = serializers.IntegerField(source="item_id", help_text="A prescription item id.")
    exercise = serializers.IntegerField(source="item.exercise_id", read_only=True)
    exercise_name = serializers.CharField(source="item.exercise.name", read_only=True)
    status = serializers.ChoiceField(choices=ExerciseStatus.choices)


class SessionLogSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    version = serializers.IntegerField(source="version_id")
    version_number = serializers.IntegerField(source="version.number")
    prescription = serializers.IntegerField(source="version.prescription_id")
    session_date = serializers.DateField()
    slot = serializers.IntegerField(help_text="Which session of the day.")
    pain = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField()
    logged_at = serializers.DateTimeField()
    entries = SessionEntrySerializer(many=True, read_only=True)


# --- Input ------------------------------------------------------------------------------------


class _LinesField(serializers.CharField):
    default_error_messages = {"line_break": "One line each; send several as several entries."}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if "\n" in value or "\r" in value:
            self.fail("line_break")
        return value


class ExerciseInputSerializer(serializers.Serializer):
    """The shape of a clinic's own exercise, or of the changes made when adapting one."""

    name = serializers.CharField(max_length=120)
    purpose = serializers.CharField()
    steps = serializers.ListField(child=_LinesField(), allow_empty=False)
    cues = serializers.ListField(child=_LinesField(), required=False)
    video_url = serializers.URLField(required=False, allow_blank=True, max_length=200)
    seconds_per_bout = serializers.IntegerField(default=90, help_text="1 s to 30 min.")
    bouts = serializers.IntegerField(default=1, help_text="1 to 20.")
    per_side = serializers.BooleanField(default=True)
    style = serializers.ChoiceField(choices=DoseStyle.choices, default=DoseStyle.STATIC)
    into_tension_seconds = serializers.IntegerField(
        required=False, allow_null=True, help_text="In and out of tension: 1 to 120 s."
    )
    ease_off_seconds = serializers.IntegerField(
        required=False, allow_null=True, help_text="In and out of tension: 1 to 120 s."
    )

    def service_fields(self) -> dict[str, Any]:
        """The validated data as the library services take it (lines joined into text)."""
        fields = dict(self.validated_data)
        if "steps" in fields:
            fields["instructions"] = "\n".join(fields.pop("steps"))
        if "cues" in fields:
            fields["cues"] = "\n".join(fields["cues"])
        return fields


class ItemInputSerializer(serializers.Serializer):
    """One exercise of a routine with its dose."""

    exercise = serializers.IntegerField(help_text="An exercise of the shared or your library.")
    seconds_per_bout = serializers.IntegerField(help_text="1 s to 30 min.")
    bouts = serializers.IntegerField(default=1, help_text="1 to 20.")
    per_side = serializers.BooleanField(default=True)
    style = serializers.ChoiceField(choices=DoseStyle.choices, default=DoseStyle.STATIC)
    into_tension_seconds = serializers.IntegerField(
        required=False, allow_null=True, help_text="In and out of tension: 1 to 120 s."
    )
    ease_off_seconds = serializers.IntegerField(
        required=False, allow_null=True, help_text="In and out of tension: 1 to 120 s."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The service's dose rules, applied per item so each error names its field.
        errors = dose_errors(attrs)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class RoutineTemplateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True)
    items = ItemInputSerializer(many=True)


class PrescriptionInputSerializer(serializers.Serializer):
    patient = serializers.IntegerField(help_text="A patient of your clinic.")
    title = serializers.CharField(max_length=120)
    template = serializers.IntegerField(
        required=False, allow_null=True, help_text="A routine template to start from."
    )
    items = ItemInputSerializer(
        many=True, required=False, help_text="Omit to take the template's exercises and doses."
    )
    times_per_day = serializers.IntegerField(required=False, help_text="1 to 6; 1 by default.")
    days_of_week = WeekdaysField(required=False, help_text="Every day by default.")
    start_date = serializers.DateField(
        required=False, allow_null=True, help_text="Today by default."
    )
    retest_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="After the start; the clinic's re-test interval after it by default.",
    )
    notes = serializers.CharField(required=False, allow_blank=True)
    replace_active = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "When the patient already has the same routine active (the same template, or the "
            "same exercises), end it today and prescribe this one. Without it the request is "
            "refused with 409; to change the active one instead, PUT a new version to it."
        ),
    )


class RoutineAlreadyActiveSerializer(serializers.Serializer):
    """The 409 answer: the patient already has this routine active."""

    detail = serializers.CharField()
    field = serializers.ChoiceField(
        choices=["template", "items"],
        help_text="What makes it the same routine: the template, or the same exercises.",
    )
    active_prescription = serializers.IntegerField(help_text="The active prescription's id.")


class PrescriptionChangeSerializer(serializers.Serializer):
    """A change to a prescription: what the patient does from `start_date` on."""

    items = ItemInputSerializer(many=True)
    times_per_day = serializers.IntegerField(help_text="1 to 6.")
    days_of_week = WeekdaysField()
    start_date = serializers.DateField(
        required=False, allow_null=True, help_text="When the change takes effect; today by default."
    )
    retest_on = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class SessionLogInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The prescription version followed.")
    client_token = serializers.UUIDField(
        help_text="Made by the client once per form: sending it again records nothing new."
    )
    session_date = serializers.DateField(
        required=False, allow_null=True, help_text="Today (the clinic's) by default."
    )
    pain = serializers.IntegerField(required=False, allow_null=True, help_text="0 to 10.")
    comment = serializers.CharField(required=False, allow_blank=True)
    entries = SessionEntrySerializer(many=True, help_text="Every exercise of the version.")
