from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import exports, services
from assessments.models import Assessment, AssessmentKind
from assessments.selectors import readings_for_assessments
from assessments.serializers import (
    AssessmentCorrectionSerializer,
    AssessmentInputSerializer,
    AssessmentSerializer,
)
from clinic.access import (
    Action,
    actor_for,
    can_change_clinical_data,
    clinical_records_visible_to,
    patient_for,
    patient_named_in_body,
)
from clinic.clinical_api import ClinicalReadingsMixin
from clinic.filters import ApiFilterSet, IdFilter, UtcIsoDateTimeFilter
from clinic.models import User
from clinic.selectors import clinic_therapist


class AssessmentFilter(ApiFilterSet):
    patient = IdFilter(field_name="patient_id")
    kind = filters.ChoiceFilter(choices=AssessmentKind.choices)
    measured_after = UtcIsoDateTimeFilter(method="filter_measured_after")
    measured_before = UtcIsoDateTimeFilter(method="filter_measured_before")

    class Meta:
        model = Assessment
        fields = ["patient", "kind"]

    def filter_measured_after(self, queryset, name, value):
        return queryset.filter(revisions__is_current=True, revisions__measured_at__gte=value)

    def filter_measured_before(self, queryset, name, value):
        return queryset.filter(revisions__is_current=True, revisions__measured_at__lte=value)


def _therapist(actor, therapist_id: int | None) -> User:
    if therapist_id is None:
        return actor.user
    therapist = clinic_therapist(clinic_id=actor.user.clinic_id, therapist_id=therapist_id)
    if therapist is None:
        raise ValidationError({"measured_by": [_("Choose an active therapist of this clinic.")]})
    return therapist


@extend_schema_view(
    list=extend_schema(summary="Knee-to-wall assessments you may see, with interpretation"),
    retrieve=extend_schema(summary="One assessment, its current values interpreted"),
    create=extend_schema(
        summary="Record a clinic knee-to-wall test (both sides at once)",
        request=AssessmentInputSerializer,
        responses={201: AssessmentSerializer},
        examples=[
            OpenApiExample(
                "Both sides reached the wall",
                request_only=True,
                value={
                    "patient": 2,
                    "unit": "cm",
                    "measured_at": "2026-01-15T09:30:00-06:00",
                    "left_distance": "9.5",
                    "right_distance": "11.8",
                    "left_pain": 2,
                },
            ),
            OpenApiExample(
                "The left knee could not reach the wall",
                request_only=True,
                value={
                    "patient": 2,
                    "unit": "in",
                    "measured_at": "2026-01-15T09:30:00-06:00",
                    "left_reached": False,
                    "left_gap": "0.5",
                    "right_distance": "4.625",
                },
            ),
        ],
    ),
    update=extend_schema(
        summary="Correct an assessment: a new revision; the earlier values are kept",
        request=AssessmentCorrectionSerializer,
        responses=AssessmentSerializer,
    ),
)
class AssessmentViewSet(
    ClinicalReadingsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    search_fields: list[str] = []
    ordering_fields: list[str] = []
    lookup_value_converter = "int"
    queryset = Assessment.objects.none()
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self):
        visible = clinical_records_visible_to(
            actor_for(self.request), Assessment.objects.all(), patient_path="patient"
        )
        return visible.order_by("-created_at", "-id").distinct()

    record_model = Assessment
    record_missing = "No such assessment."
    reading_serializer = AssessmentSerializer

    def readings(self, ids: list[int]) -> dict:
        return readings_for_assessments(assessment_ids=ids)

    def create(self, request: Request, *args, **kwargs) -> Response:
        actor = actor_for(request)
        if not can_change_clinical_data(actor):
            raise PermissionDenied(_("Only the clinic's therapists record knee-to-wall tests."))
        serializer = AssessmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        patient = patient_named_in_body(actor, data.pop("patient"), Action.CHANGE_CLINICAL)
        revision = services.assessment_record(
            patient=patient,
            measured_by=_therapist(actor, data.pop("measured_by", None)),
            recorded_by=actor.user,
            unit=data.pop("unit"),
            data=data,
        )
        return self.reading_response(revision.assessment_id, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        actor = actor_for(request)
        assessment = self.record(Action.CHANGE_CLINICAL)
        serializer = AssessmentCorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        services.assessment_correct(
            assessment=assessment,
            corrected_by=actor.user,
            measured_by=_therapist(actor, data.pop("measured_by", None)),
            unit=data.pop("unit"),
            reason=data.pop("correction_reason"),
            data=data,
        )
        return self.reading_response(assessment.pk)


class KneeToWallFhirView(APIView):
    @extend_schema(
        summary="A patient's knee-to-wall observations as a FHIR R4 Bundle",
        responses={(200, "application/fhir+json"): OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_for(actor_for(request), patient_id, Action.EXPORT)
        return Response(
            exports.knee_to_wall_export_fhir(patient=patient),
            content_type="application/fhir+json",
        )
