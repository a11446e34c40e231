from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.models import Patient, ReminderChannel, Side, User
from clinic.services import PATIENT_CLINICAL_FIELDS


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


class PatientSerializer(serializers.ModelSerializer):
    """A patient as the API shows it; clinical fields only to roles that may see them."""

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

    def get_fields(self):
        fields = super().get_fields()
        if not self.context.get("show_clinical", False):
            for name in PATIENT_CLINICAL_FIELDS:
                fields.pop(name, None)
        return fields


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
