import django_filters

from clinic.models import Patient, PatientStatus, Side


class PatientFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PatientStatus.choices)
    primary_therapist = django_filters.NumberFilter(field_name="primary_therapist_id")
    symptomatic_side = django_filters.ChoiceFilter(choices=Side.choices)
    born_after = django_filters.DateFilter(field_name="date_of_birth", lookup_expr="gte")
    born_before = django_filters.DateFilter(field_name="date_of_birth", lookup_expr="lte")

    class Meta:
        model = Patient
        fields = ["status", "primary_therapist", "symptomatic_side"]
