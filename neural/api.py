from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clinic.access import (
    Action,
    actor_for,
    can_change_clinical_data,
    clinical_records_visible_to,
    patient_named_in_body,
)
from clinic.clinical_api import ClinicalReadingsMixin
from clinic.filters import ApiFilterSet, IdFilter
from clinic.models import User
from clinic.selectors import clinic_therapist
from neural import services
from neural.models import NeuralExam
from neural.selectors import readings_for_exams
from neural.serializers import (
    EnteredInErrorInputSerializer,
    NeuralExamInputSerializer,
    NeuralExamSerializer,
)


class NeuralExamFilter(ApiFilterSet):
    patient = IdFilter(field_name="patient_id")

    class Meta:
        model = NeuralExam
        fields = ["patient"]


def _therapist(actor, therapist_id: int | None) -> User:
    if therapist_id is None:
        return actor.user
    therapist = clinic_therapist(clinic_id=actor.user.clinic_id, therapist_id=therapist_id)
    if therapist is None:
        raise ValidationError({"measured_by": [_("Choose an active therapist of this clinic.")]})
    return therapist


@extend_schema_view(
    list=extend_schema(summary="Neural tests (SLR, slump) you may see, with interpretation"),
    retrieve=extend_schema(summary="One sitting of neural tests, each side interpreted"),
    create=extend_schema(
        summary="Record neural tests (SLR and slump, per side), alone or with a visit",
        request=NeuralExamInputSerializer,
        responses={201: NeuralExamSerializer},
        examples=[
            OpenApiExample(
                "Left SLR positive, right without symptoms; slump on the left",
                request_only=True,
                value={
                    "patient": 2,
                    "measured_at": "2026-01-15T09:45:00-06:00",
                    "assessment": 7,
                    "results": [
                        {
                            "test": "slr",
                            "side": "left",
                            "symptoms": True,
                            "onset_angle_deg": "45.0",
                            "angle_method": "phone",
                            "angle_spread_deg": "0.4",
                            "location": "below_knee",
                            "bragard": "changed",
                            "hip_internal_rotation": "not_tested",
                            "crossed": "no",
                        },
                        {
                            "test": "slr",
                            "side": "right",
                            "symptoms": False,
                            "max_angle_deg": "85.0",
                            "angle_method": "inclinometer",
                        },
                        {
                            "test": "slump",
                            "side": "left",
                            "symptoms": True,
                            "neck_extension_eased": "yes",
                        },
                    ],
                },
            )
        ],
    ),
)
class NeuralExamViewSet(
    ClinicalReadingsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = NeuralExamSerializer
    filterset_class = NeuralExamFilter
    search_fields: list[str] = []
    ordering_fields: list[str] = []
    lookup_value_converter = "int"
    queryset = NeuralExam.objects.none()

    def get_queryset(self):
        visible = clinical_records_visible_to(
            actor_for(self.request), NeuralExam.objects.all(), patient_path="patient"
        )
        return visible.order_by("-measured_at", "-id")

    record_model = NeuralExam
    record_missing = "No such record of neural tests."
    reading_serializer = NeuralExamSerializer

    def readings(self, ids: list[int]) -> dict:
        return readings_for_exams(exam_ids=ids)

    def create(self, request: Request, *args, **kwargs) -> Response:
        actor = actor_for(request)
        if not can_change_clinical_data(actor):
            raise PermissionDenied(_("Only the clinic's therapists record neural tests."))
        serializer = NeuralExamInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        patient = patient_named_in_body(actor, data.pop("patient"), Action.CHANGE_CLINICAL)
        data["results"] = [dict(item) for item in data.get("results", [])]
        exam = services.neural_exam_record(
            patient=patient,
            measured_by=_therapist(actor, data.pop("measured_by", None)),
            recorded_by=actor.user,
            data=data,
        )
        return self.reading_response(exam.pk, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Mark a record entered in error: it stays on record, out of the history",
        request=EnteredInErrorInputSerializer,
        responses=NeuralExamSerializer,
    )
    @action(detail=True, methods=["post"], url_path="entered-in-error")
    def entered_in_error(self, request: Request, pk=None) -> Response:
        actor = actor_for(request)
        exam = self.record(Action.CHANGE_CLINICAL)
        serializer = EnteredInErrorInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.neural_exam_mark_entered_in_error(
            exam=exam, by=actor.user, reason=serializer.validated_data["reason"]
        )
        return self.reading_response(exam.pk)
