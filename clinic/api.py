from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from audit.services import note_listed
from clinic import services
from clinic.access import (
    Action,
    actor_for,
    can,
    can_register_patients,
    can_view_clinical_data,
    patient_for,
    patients_visible_to,
)
from clinic.filters import PatientFilter
from clinic.models import Patient
from clinic.serializers import (
    PatientDischargeSerializer,
    PatientInputSerializer,
    PatientSerializer,
)
from clinic.services import PATIENT_CLINICAL_FIELDS


@extend_schema_view(
    list=extend_schema(summary="Patients of your clinic (a patient sees only themselves)"),
    retrieve=extend_schema(summary="One patient"),
    create=extend_schema(
        summary="Register a patient",
        request=PatientInputSerializer,
        responses={201: PatientSerializer},
    ),
    update=extend_schema(
        summary="Replace a patient's details",
        request=PatientInputSerializer,
        responses=PatientSerializer,
    ),
    partial_update=extend_schema(
        summary="Change some of a patient's details",
        request=PatientInputSerializer(partial=True),
        responses=PatientSerializer,
    ),
)
class PatientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Patients. Records are never deleted here: discharge a patient instead."""

    serializer_class = PatientSerializer
    filterset_class = PatientFilter
    search_fields = ["first_name", "last_name", "email", "phone"]
    ordering_fields = ["last_name", "first_name", "date_of_birth", "created_at", "updated_at"]
    ordering = ["last_name", "first_name", "id"]
    queryset = Patient.objects.none()  # for the schema; get_queryset scopes every request
    lookup_value_converter = "int"

    def get_queryset(self):
        patients = patients_visible_to(actor_for(self.request)).select_related("primary_therapist")
        if self.action == "list":  # a page reads only what it shows (not the password hashes)
            patients = patients.only(*PatientSerializer.columns)
        return patients

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        note_listed("patient", [patient.pk for patient in page or []])
        return page

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["show_clinical"] = can_view_clinical_data(actor_for(self.request))
        return context

    def get_object(self) -> Patient:
        return patient_for(actor_for(self.request), self.kwargs["pk"], Action.VIEW)

    def _validated_input(self, request: Request, *, partial: bool) -> dict:
        serializer = PatientInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _require_clinical_permission(self, data: dict, *, patient: Patient | None) -> None:
        touched = PATIENT_CLINICAL_FIELDS & set(data)
        if not touched:
            return
        actor = actor_for(self.request)
        allowed = (
            can(actor, Action.CHANGE_CLINICAL, patient)
            if patient is not None
            else can_view_clinical_data(actor)
        )
        if not allowed:
            raise PermissionDenied(
                _("Your role may not set clinical fields: %(fields)s.")
                % {"fields": ", ".join(sorted(touched))}
            )

    def create(self, request: Request, *args, **kwargs) -> Response:
        actor = actor_for(request)
        if not can_register_patients(actor):
            raise PermissionDenied(_("Only clinic staff may register patients."))
        data = self._validated_input(request, partial=False)
        self._require_clinical_permission(data, patient=None)
        patient = services.patient_create(clinic=actor.clinic, created_by=actor.user, **data)
        body = self.get_serializer(patient).data
        return Response(body, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        patient = patient_for(actor_for(request), self.kwargs["pk"], Action.CHANGE)
        data = self._validated_input(request, partial=partial)
        self._require_clinical_permission(data, patient=patient)
        patient = services.patient_update(patient=patient, **data)
        return Response(self.get_serializer(patient).data)

    @extend_schema(
        summary="Discharge a patient: their personal links are revoked for good; their future "
        "appointments are cancelled when cancel_future_appointments is true",
        request=PatientDischargeSerializer,
        responses=PatientSerializer,
    )
    @action(detail=True, methods=["post"])
    def discharge(self, request: Request, pk: int) -> Response:
        actor = actor_for(request)
        patient = patient_for(actor, pk, Action.DISCHARGE)
        options = PatientDischargeSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        patient = services.patient_discharge(
            patient=patient,
            by=actor.user,
            cancel_future_appointments=options.validated_data["cancel_future_appointments"],
        )
        return Response(self.get_serializer(patient).data)

    @extend_schema(
        summary="Re-activate a discharged patient", request=None, responses=PatientSerializer
    )
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: int) -> Response:
        patient = patient_for(actor_for(request), pk, Action.DISCHARGE)
        patient = services.patient_reactivate(patient=patient)
        return Response(self.get_serializer(patient).data)
