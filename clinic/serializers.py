import copy
import datetime
from collections.abc import Callable, Collection
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

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


_MISSING = object()


def _datetime_iso(tz: datetime.tzinfo) -> Callable[[Any], Any]:
    def convert(value):
        if type(value) is not datetime.datetime or value.tzinfo is None:
            return _SLOW
        try:
            text = value.astimezone(tz).isoformat()
        except OverflowError:  # the field's own way says so in its words
            return _SLOW
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _date_iso(value):
    return value.isoformat() if type(value) is datetime.date else _SLOW


def _boolean(value):
    return value if type(value) is bool else _SLOW


def _choice(field: drf_fields.ChoiceField) -> Callable[[Any], Any]:
    choices = field.choice_strings_to_values

    def convert(value):
        return choices.get(value, value) if type(value) is str and value else _SLOW

    return convert


_SLOW = object()  # a converter's "not my case": the field's own to_representation answers


def _converter(field: drf_fields.Field) -> Callable[[Any], Any] | None:
    """A quick to_representation for the field's usual values (the field's own answers the
    rest), or None. Only for DRF's own classes, never a subclass that may override."""
    kind = type(field)
    if kind in (drf_fields.CharField, drf_fields.EmailField) or (
        issubclass(kind, drf_fields.CharField)
        and kind.to_representation is drf_fields.CharField.to_representation
    ):
        return str
    if kind is drf_fields.IntegerField:
        return int
    if kind is drf_fields.BooleanField:
        return _boolean
    if kind is drf_fields.ChoiceField:
        return _choice(field)
    if kind is drf_fields.DateField and getattr(field, "format", api_settings.DATE_FORMAT) == (
        drf_fields.ISO_8601
    ):
        return _date_iso
    if kind is drf_fields.DateTimeField and getattr(
        field, "format", api_settings.DATETIME_FORMAT
    ) == (drf_fields.ISO_8601):
        tz = field.timezone if hasattr(field, "timezone") else field.default_timezone()
        return _datetime_iso(tz) if tz is not None else None
    return None


class RepresentedQuickly:
    """A read serializer that builds its fields once per class and reads rows by a plan made
    once per instance (once per request for a list), answering exactly what DRF's
    Serializer.to_representation answers (tests/clinic/test_api_representation.py holds the
    two together).

    DRF rebuilds a ModelSerializer's fields from the model for every instance, and reads every
    field of every row through generic lookups: for a page of 25 patients that was several
    times the SQL behind it (issue 19). A field whose attribute is not a plain one-step
    attribute, or whose value is not the usual type, goes DRF's own way.
    """

    def get_fields(self):
        # Per class (a subclass builds its own); each instance binds its own copies.
        built = type(self).__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built_once = built
        return copy.deepcopy(built)

    def _representation_plan(self) -> list[tuple]:
        plan = []
        for field in self._readable_fields:
            attr = None
            if (
                type(field).get_attribute is drf_fields.Field.get_attribute
                and len(field.source_attrs) == 1
            ):
                attr = field.source_attrs[0]
            plan.append((field.field_name, field, attr, _converter(field)))
        return plan

    def to_representation(self, instance) -> dict[str, Any]:
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self._plan = self._representation_plan()
        ret = {}
        for name, field, attr, convert in plan:
            value = _MISSING
            if attr is not None:
                try:
                    value = getattr(instance, attr)
                except Exception:  # DRF's own lookup below decides what it means
                    value = _MISSING
                if callable(value):
                    value = _MISSING
            if value is _MISSING:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            if value is None or (isinstance(value, PKOnlyObject) and value.pk is None):
                ret[name] = None
                continue
            if convert is not None:
                converted = convert(value)
                if converted is not _SLOW:
                    ret[name] = converted
                    continue
            ret[name] = field.to_representation(value)
        return ret


class TherapistSerializer(RepresentedQuickly, serializers.ModelSerializer):
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


class PatientSerializer(
    WithholdsFieldsFromSomeRoles, RepresentedQuickly, serializers.ModelSerializer
):
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

    # The columns these fields read (full_name and the therapist's name from their parts): a
    # list reads only them. A field added above without its column here costs a query a row,
    # which tests/clinic/test_api_representation.py counts.
    columns = (
        *(name for name in Meta.fields if name != "full_name"),
        "primary_therapist__first_name",
        "primary_therapist__last_name",
        "primary_therapist__username",
    )


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
