from datetime import UTC

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as drf_filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters
from rest_framework.exceptions import ValidationError

from clinic.models import Patient, PatientStatus, Side


class ApiFilterSet(drf_filters.FilterSet):
    """The base of every API filterset: a parameter sent with no value is refused with a 400
    naming it. django-filter would ignore it, and answer a question the caller did not ask
    (`?born_before=` would list every patient). Free-text filters may still be empty."""

    empty_value_message = _("Give a value, or leave this parameter out.")

    def is_valid(self) -> bool:
        form = self.form
        form.is_valid()
        for name, filter_ in self.filters.items():
            if isinstance(filter_, django_filters.CharFilter) or name not in self.data:
                continue
            if name in form.errors:  # already refused, with its own reason
                continue
            if all(not value.strip() for value in self.data.getlist(name)):
                form.add_error(name, self.empty_value_message)
        return form.is_valid()


class ApiFilterBackend(drf_filters.DjangoFilterBackend):
    """django-filter's backend, which builds no filterset for a request that names none of its
    filters: the unfiltered page, the one integrations page through, paid for a form (and
    every filter's form field) with nothing to read. A filter named with no value still goes
    through the filterset, which refuses it (ApiFilterSet)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and request.query_params.keys().isdisjoint(
            filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A record's id: an integer, and typed so in the schema. (NumberFilter reads a decimal and
    is typed `number`, so generated clients send `?patient=31.0`.)"""

    field_class = forms.IntegerField


class PatientFilter(ApiFilterSet):
    status = django_filters.ChoiceFilter(choices=PatientStatus.choices)
    primary_therapist = IdFilter(field_name="primary_therapist_id")
    symptomatic_side = django_filters.ChoiceFilter(choices=Side.choices)
    born_after = django_filters.DateFilter(field_name="date_of_birth", lookup_expr="gte")
    born_before = django_filters.DateFilter(field_name="date_of_birth", lookup_expr="lte")

    class Meta:
        model = Patient
        fields = ["status", "primary_therapist", "symptomatic_side"]


class UtcIsoDateTimeField(IsoDateTimeField):
    default_error_messages = {"overflow": _("This moment is out of range once converted to UTC.")}

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        # ISO 8601 allows offsets PostgreSQL refuses ("+20:07"), and a moment near year 1 can
        # leave the calendar once shifted: compare in UTC, and answer 400 for what cannot be.
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["overflow"], code="overflow") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 moment filter that hands the database the moment in UTC."""

    field_class = UtcIsoDateTimeField


class SearchFilter(filters.SearchFilter):
    """DRF's search, with a refused term (e.g. one holding a NUL) named like every other 400:
    {"search": ["Null characters are not allowed."]} rather than a bare list."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except ValidationError as exc:
            raise ValidationError({self.search_param: exc.detail}) from exc
