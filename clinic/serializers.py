from collections.abc import Collection
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.models import Patient, ReminderChannel, Side, User
from clinic.services import PATIENT_CLINICAL_FIELDS


class WithholdsFieldsFromSomeRoles:
    """A mixin for an answer with fields some roles never receive (the front desk sees no
    clinical data, a patient not the front desk's note).

    The API publishes one schema, the same for every caller, and every answer must be valid
    in it: the fields are always declared, the schema marks them optional (below), and
    to_representation leaves them out for the roles that may not have them.
    """

    withheld_from_some_roles: tuple[str, ...] = ()

    def withheld_fields(self) -> Collection[str]:
        """The fields this caller does not receive, from the serializer's context."""
        raise NotImplementedError

    def to_representation(self, instance) -> dict[str, Any]:
        data = super().to_representation(instance)
        for name in self.withheld_fields():
            data.pop(name, None)
        return data


class WithheldFieldsAreOptional(OpenApiSerializerExtension):
    """The schema of a WithholdsFieldsFromSomeRoles serializer: its withheld fields are not
    required (a generated client then reads an answer without them as unset, not an error)."""

    target_class = WithholdsFieldsFromSomeRoles
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        optional = set(self.target.withheld_from_some_roles)
        required = [name for name in schema.get("required", []) if name not in optional]
        if required:
            schema["required"] = required
        else:
            schema.pop("required", None)
        return schema


class TherapistSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "name"]

    def get_name(self, user: User) -> str:
        return str(user)


@extend_schema_field(
    {"type": "string", "anyOf": [{"format": "email"}, {"maxLength": 0}]},
)
class OptionalEmailField(serializers.CharField):
    """An email address, or empty when the patient gave none: "format: email" alone would say
    an empty string cannot be."""


class PatientSerializer(WithholdsFieldsFromSomeRoles, serializers.ModelSerializer):
    """A patient as the API shows it; clinical fields only to roles that may see them."""

    withheld_from_some_roles = tuple(sorted(PATIENT_CLINICAL_FIELDS))

    primary_therapist = TherapistSerializer(read_only=True, allow_null=True)
    full_name = serializers.CharField(read_only=True)
    email = OptionalEmailField(read_only=True)

    class Meta:
        model = Patient
        fields = [
            "id",
            "full_name",
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "reminder_channel",
            "reminder_consent",
            "reminder_consent_at",
            "primary_therapist",
            "symptomatic_side",
            "status",
            "discharged_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "symptomatic_side": {
                "help_text": "Clinical: absent for the front desk, which sees no clinical data."
            }
        }

    def withheld_fields(self) -> Collection[str]:
        # The view says whether the caller's role sees clinical data (clinic.access).
        return () if self.context.get("show_clinical", False) else self.withheld_from_some_roles


class PatientInputSerializer(serializers.Serializer):
    """The shape of a patient write; the rules (clinic, dates, therapist) are the service's, and
    so is the list of fields a write may name (PATIENT_CONTACT_FIELDS, PATIENT_CLINICAL_FIELDS):
    these are typed for the API, and a test holds them to the service's lists."""

    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField()
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    reminder_channel = serializers.ChoiceField(choices=ReminderChannel.choices, required=False)
    reminder_consent = serializers.BooleanField(required=False)
    primary_therapist = serializers.IntegerField(
        required=False, allow_null=True, help_text="Id of a therapist of the caller's clinic."
    )
    symptomatic_side = serializers.ChoiceField(
        choices=Side.choices, required=False, help_text="Clinical: therapists and admins only."
    )


class PatientDischargeSerializer(serializers.Serializer):
    cancel_future_appointments = serializers.BooleanField(
        default=False,
        help_text="Cancel the patient's booked appointments still to come, in the same step.",
    )
