"""Shapes of the scheduling API: appointments, free slots, appointment types and conflicts.

Input serializers check shape only; the rules (working hours, time off, overlaps, the past)
are the booking services'.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.models import Patient
from clinic.serializers import TherapistSerializer, WithholdsFieldsFromSomeRoles
from scheduling.models import Appointment, AppointmentKind, AppointmentStatus, AppointmentType

FREE_SLOTS_MAX_DAYS = 31

OUTCOMES = [
    (AppointmentStatus.COMPLETED.value, AppointmentStatus.COMPLETED.label),
    (AppointmentStatus.NO_SHOW.value, AppointmentStatus.NO_SHOW.label),
]
CONFLICT_FIELDS = [("therapist", "The therapist"), ("patient", "The patient")]


def _named_enum(choices: list[tuple[str, str]], component_name: str):
    # "kind" and "status" already name other choice sets in the schema (assessments, patients,
    # exercises); a named component keeps spectacular from renaming those or warning.
    return extend_schema_field(
        {
            "type": "string",
            "enum": [value for value, _ in choices],
            "description": "\n".join(f"* `{value}` - {label}" for value, label in choices),
        },
        component_name=component_name,
    )


def _choices(enum: type[TextChoices]) -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in enum.choices]


@_named_enum(_choices(AppointmentKind), "AppointmentKindEnum")
class AppointmentKindField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=AppointmentKind.choices, **kwargs)


@_named_enum(_choices(AppointmentStatus), "AppointmentStatusEnum")
class AppointmentStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=AppointmentStatus.choices, **kwargs)


@_named_enum(OUTCOMES, "AppointmentOutcomeEnum")
class AppointmentOutcomeField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=OUTCOMES, **kwargs)


@_named_enum(CONFLICT_FIELDS, "AppointmentConflictFieldEnum")
class ConflictFieldField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=CONFLICT_FIELDS, **kwargs)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 moment with its UTC offset; a bare wall time is refused, not guessed."""

    default_error_messages = {
        "naive": gettext_lazy("Give the time with its UTC offset, e.g. 2030-03-04T09:30:00-06:00."),
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


# --- Output -----------------------------------------------------------------------------------


class PatientSummarySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="full_name", read_only=True)

    class Meta:
        model = Patient
        fields = ["id", "name"]
        read_only_fields = fields


class AppointmentTypeSerializer(serializers.ModelSerializer):
    kind = AppointmentKindField(read_only=True)

    class Meta:
        model = AppointmentType
        fields = ["id", "kind", "name", "default_minutes"]
        read_only_fields = fields


class AppointmentSerializer(WithholdsFieldsFromSomeRoles, serializers.ModelSerializer):
    """An appointment; a patient sees their own without the front-desk note and booker."""

    patient = PatientSummarySerializer(read_only=True)
    therapist = TherapistSerializer(read_only=True)
    appointment_type = AppointmentTypeSerializer(read_only=True)
    status = AppointmentStatusField(read_only=True)
    note = serializers.CharField(
        read_only=True, help_text="Front-desk note; staff only: absent for a patient."
    )
    booked_by = serializers.PrimaryKeyRelatedField(
        read_only=True,
        help_text="Id of the staff member who booked it; staff only: absent for a patient.",
    )

    withheld_from_some_roles = ("note", "booked_by")

    class Meta:
        model = Appointment
        fields = [
            "id",
            "patient",
            "therapist",
            "appointment_type",
            "starts_at",
            "ends_at",
            "status",
            "note",
            "series",
            "booked_by",
            "created_at",
        ]
        read_only_fields = fields

    def withheld_fields(self) -> tuple[str, ...]:
        return self.withheld_from_some_roles if self.context.get("for_patient", False) else ()


class ConflictingAppointmentSerializer(serializers.ModelSerializer):
    patient = PatientSummarySerializer(read_only=True)
    therapist = TherapistSerializer(read_only=True)

    class Meta:
        model = Appointment
        fields = ["id", "starts_at", "ends_at", "therapist", "patient"]
        read_only_fields = fields


class AppointmentConflictDetailSerializer(serializers.Serializer):
    field = ConflictFieldField(help_text="Whose other appointment is in the way.")
    appointment = ConflictingAppointmentSerializer(help_text="The appointment in the way.")


class AppointmentConflictSerializer(serializers.Serializer):
    """The 409 answer: the time is taken by the therapist's or the patient's appointment."""

    detail = serializers.CharField()
    conflict = AppointmentConflictDetailSerializer()


class FreeSlotSerializer(serializers.Serializer):
    therapist = TherapistSerializer()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


# --- Input ------------------------------------------------------------------------------------


class AppointmentBookSerializer(serializers.Serializer):
    patient = serializers.IntegerField(min_value=1, help_text="Id of a patient of your clinic.")
    therapist = serializers.IntegerField(min_value=1, help_text="Id of a therapist of your clinic.")
    appointment_type = serializers.IntegerField(
        min_value=1, required=False, help_text="Id of one of your clinic's types; or give kind."
    )
    kind = AppointmentKindField(required=False, help_text="The type by kind; or give its id.")
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField(
        required=False, help_text="Default: the start plus the type's length."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def validate(self, data: dict) -> dict:
        if ("appointment_type" in data) == ("kind" in data):
            raise serializers.ValidationError(
                {"appointment_type": [_("Give either appointment_type or kind.")]}
            )
        return data


class AppointmentRescheduleSerializer(serializers.Serializer):
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField(required=False, help_text="Default: keep the length.")


class AppointmentMarkSerializer(serializers.Serializer):
    status = AppointmentOutcomeField()


class FreeSlotQuerySerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day, in the clinic's time zone.")
    end = serializers.DateField(
        help_text=f"Last day, inclusive; at most {FREE_SLOTS_MAX_DAYS} days after start."
    )
    therapist = serializers.IntegerField(
        min_value=1, required=False, help_text="Id of one therapist; default: every therapist."
    )
    appointment_type = serializers.IntegerField(
        min_value=1, required=False, help_text="Slots as long as this type; default: follow-up."
    )
    minutes = serializers.IntegerField(
        min_value=5, max_value=480, required=False, help_text="Slot length instead of a type."
    )

    def validate(self, data: dict) -> dict:
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": [_("The end comes before the start.")]})
        if data["end"] - data["start"] > timedelta(days=FREE_SLOTS_MAX_DAYS):
            raise serializers.ValidationError(
                {
                    "end": [
                        _("Ask for at most %(days)s days at once.") % {"days": FREE_SLOTS_MAX_DAYS}
                    ]
                }
            )
        if "appointment_type" in data and "minutes" in data:
            raise serializers.ValidationError(
                {"minutes": [_("Give either appointment_type or minutes.")]}
            )
        return data
