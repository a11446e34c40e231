"""The exercises API: the library, routine templates, prescriptions and session logs."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from clinic.access import (
    Action,
    Actor,
    actor_for,
    can_change_clinical_data,
    can_manage_clinic,
    can_view_clinical_data,
    clinical_records_visible_to,
    patient_for,
    patient_named_in_body,
)
from clinic.filters import ApiFilterSet, IdFilter
from exercises import selectors, services
from exercises.models import (
    Exercise,
    ExerciseLog,
    Prescription,
    PrescriptionItem,
    PrescriptionVersion,
    RoutineTemplate,
    SessionLog,
)
from exercises.serializers import (
    ExerciseInputSerializer,
    ExerciseSerializer,
    PrescriptionChangeSerializer,
    PrescriptionInputSerializer,
    PrescriptionRow,
    PrescriptionSerializer,
    RoutineAlreadyActiveSerializer,
    RoutineTemplateInputSerializer,
    RoutineTemplateSerializer,
    SessionLogInputSerializer,
    SessionLogSerializer,
)

SHARED_LIBRARY_IS_READ_ONLY = "The shared library cannot be changed; adapt a copy."


class IsClinicStaff(BasePermission):
    message = "The exercise library is for clinic staff."

    def has_permission(self, request, view) -> bool:
        return actor_for(request).is_staff_member


class IsClinician(BasePermission):
    message = "Routines are for the clinic's therapists and admins."

    def has_permission(self, request, view) -> bool:
        actor = actor_for(request)
        return actor.is_staff_member and can_view_clinical_data(actor)


def _require_clinical_role(actor: Actor) -> None:
    # Lists are scoped by clinical_records_visible_to; this only tells the front desk why
    # it sees nothing, as the assessments API does.
    if actor.is_staff_member and not can_view_clinical_data(actor):
        raise PermissionDenied(_("Your role does not see routines or session logs."))


# --- Library ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="The shared library and your clinic's own exercises"),
    retrieve=extend_schema(summary="One exercise with its default dose"),
    create=extend_schema(
        summary="Add an exercise of your clinic's own (clinic admins)",
        request=ExerciseInputSerializer,
        responses={201: ExerciseSerializer},
    ),
    update=extend_schema(
        summary="Replace one of your clinic's own exercises (clinic admins)",
        request=ExerciseInputSerializer,
        responses=ExerciseSerializer,
    ),
    partial_update=extend_schema(
        summary="Change some of one of your clinic's own exercises (clinic admins)",
        request=ExerciseInputSerializer(partial=True),
        responses=ExerciseSerializer,
    ),
)
class ExerciseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The exercise library. Exercises are never deleted here."""

    serializer_class = ExerciseSerializer
    permission_classes = [IsAuthenticated, IsClinicStaff]
    search_fields = ["name", "purpose"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "id"]
    queryset = Exercise.objects.none()  # for the schema; get_queryset scopes every request
    lookup_value_converter = "int"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return Exercise.objects.for_clinic(actor_for(self.request).user.clinic_id)

    def _exercise(self) -> Exercise:
        exercise = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if exercise is None:
            raise Http404("No such exercise.")
        return exercise

    def _require_admin(self) -> Actor:
        actor = actor_for(self.request)
        if not can_manage_clinic(actor):
            raise PermissionDenied(_("Only clinic admins change the exercise library."))
        return actor

    def _validated_fields(self, request: Request, *, partial: bool) -> dict:
        serializer = ExerciseInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.service_fields()

    def create(self, request: Request, *args, **kwargs) -> Response:
        actor = self._require_admin()
        fields = self._validated_fields(request, partial=False)
        exercise = services.exercise_create(clinic=actor.clinic, fields=fields)
        return Response(ExerciseSerializer(exercise).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        exercise = self._exercise()
        self._require_admin()
        if exercise.is_shared:
            raise PermissionDenied(SHARED_LIBRARY_IS_READ_ONLY)
        fields = self._validated_fields(request, partial=partial)
        exercise = services.exercise_update(exercise=exercise, fields=fields)
        return Response(ExerciseSerializer(exercise).data)

    @extend_schema(
        summary="Adapt an exercise: your clinic's copy with your changes (clinic admins)",
        request=ExerciseInputSerializer(partial=True),
        responses={201: ExerciseSerializer},
    )
    @action(detail=True, methods=["post"])
    def adapt(self, request: Request, pk: int) -> Response:
        exercise = self._exercise()
        actor = self._require_admin()
        fields = self._validated_fields(request, partial=True)
        copy = services.exercise_adapt(exercise=exercise, clinic=actor.clinic, fields=fields)
        return Response(ExerciseSerializer(copy).data, status=status.HTTP_201_CREATED)


# --- Routine templates ------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Routine templates: the shared ones and your clinic's"),
    retrieve=extend_schema(summary="One routine template with its exercises and doses"),
    create=extend_schema(
        summary="Save a routine template for your clinic",
        request=RoutineTemplateInputSerializer,
        responses={201: RoutineTemplateSerializer},
    ),
)
class RoutineTemplateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RoutineTemplateSerializer
    permission_classes = [IsAuthenticated, IsClinician]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "id"]
    queryset = RoutineTemplate.objects.none()
    lookup_value_converter = "int"

    def get_queryset(self):
        return selectors.routine_templates(clinic_id=actor_for(self.request).user.clinic_id)

    def create(self, request: Request, *args, **kwargs) -> Response:
        actor = actor_for(request)
        serializer = RoutineTemplateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        template = services.routine_template_create(
            clinic=actor.clinic,
            created_by=actor.user,
            name=data["name"],
            description=data.get("description", ""),
            items=[dict(item) for item in data["items"]],
        )
        template = self.get_queryset().get(pk=template.pk)
        return Response(self.get_serializer(template).data, status=status.HTTP_201_CREATED)


# --- Prescriptions ----------------------------------------------------------------------------


class PrescriptionFilter(ApiFilterSet):
    patient = IdFilter(field_name="patient_id")
    active = filters.BooleanFilter(
        field_name="ended_on", lookup_expr="isnull", label="Not ended (true) or ended (false)"
    )

    class Meta:
        model = Prescription
        fields = ["patient", "active"]


def _with_versions(prescriptions: QuerySet[Prescription]) -> QuerySet[Prescription]:
    """Prescriptions with their versions and the current version's exercises, prefetched."""
    current = PrescriptionVersion.objects.filter(is_current=True).prefetch_related(
        Prefetch("items", queryset=PrescriptionItem.objects.select_related("exercise"))
    )
    return prescriptions.prefetch_related(
        Prefetch(
            "versions",
            queryset=PrescriptionVersion.objects.order_by("number"),
            to_attr="version_list",
        ),
        Prefetch("versions", queryset=current, to_attr="current_versions"),
    )


def _rows(prescriptions: Iterable[Prescription]) -> list[PrescriptionRow]:
    """Prescriptions (from _with_versions) with adherence for all their patients in one call."""
    prescriptions = list(prescriptions)
    adherence = selectors.adherence_for_patients(
        patient_ids=sorted({prescription.patient_id for prescription in prescriptions})
    )
    return [
        PrescriptionRow(
            prescription=prescription,
            current=prescription.current_versions[0],
            versions=prescription.version_list,
            adherence=adherence[prescription.patient_id],
        )
        for prescription in prescriptions
    ]


def _prescription_body(prescription_id: int) -> dict:
    (row,) = _rows(_with_versions(Prescription.objects.filter(pk=prescription_id)))
    return PrescriptionSerializer(row).data


@extend_schema_view(
    list=extend_schema(summary="Prescribed routines you may see, with the patient's adherence"),
    retrieve=extend_schema(summary="One prescription: its current version and its history"),
    create=extend_schema(
        summary=(
            "Prescribe a routine to a patient (from a template or exercise by exercise); "
            "409 when the patient already has the same routine active"
        ),
        request=PrescriptionInputSerializer,
        responses={201: PrescriptionSerializer, 409: RoutineAlreadyActiveSerializer},
    ),
    update=extend_schema(
        summary="Change a prescription: a new version; sessions logged stay with the old one",
        request=PrescriptionChangeSerializer,
        responses=PrescriptionSerializer,
    ),
)
class PrescriptionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Prescriptions are never deleted: end one instead."""

    serializer_class = PrescriptionSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = PrescriptionFilter
    queryset = Prescription.objects.none()
    lookup_value_converter = "int"
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self):
        visible = clinical_records_visible_to(
            actor_for(self.request), Prescription.objects.all(), patient_path="patient"
        )
        return _with_versions(visible.order_by("-created_at", "-id"))

    def handle_exception(self, exc):
        if isinstance(exc, services.RoutineAlreadyActive):
            ((message,),) = exc.message_dict.values()
            body = RoutineAlreadyActiveSerializer(
                {
                    "detail": (
                        f"{message} Send replace_active: true to end it and prescribe this "
                        f"one, or PUT /api/v1/prescriptions/{exc.active.pk}/ to change it."
                    ),
                    "field": exc.field,
                    "active_prescription": exc.active.pk,
                }
            ).data
            return Response(body, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    def _prescription(self, action: Action) -> Prescription:
        prescription = Prescription.objects.filter(pk=self.kwargs["pk"]).first()
        if prescription is None:
            raise Http404("No such prescription.")
        patient_for(actor_for(self.request), prescription.patient_id, action)
        return prescription

    def list(self, request: Request, *args, **kwargs) -> Response:
        _require_clinical_role(actor_for(request))
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(PrescriptionSerializer(_rows(page), many=True).data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        prescription = self._prescription(Action.VIEW_CLINICAL)
        return Response(_prescription_body(prescription.pk))

    def create(self, request: Request, *args, **kwargs) -> Response:
        actor = actor_for(request)
        if not can_change_clinical_data(actor):
            raise PermissionDenied(_("Only the clinic's therapists prescribe routines."))
        serializer = PrescriptionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        patient = patient_named_in_body(actor, data.pop("patient"), Action.CHANGE_CLINICAL)
        template = None
        template_id = data.pop("template", None)
        if template_id is not None:
            template = (
                selectors.routine_templates(clinic_id=patient.clinic_id)
                .filter(pk=template_id)
                .first()
            )
            if template is None:
                raise ValidationError({"template": [_("No such routine template.")]})
        if "items" in data:
            items = [dict(item) for item in data.pop("items")]
        else:
            items = services.template_items(template) if template is not None else []
        replace = data.pop("replace_active", False)
        version = services.routine_assign(
            patient=patient,
            prescribed_by=actor.user,
            items=items,
            template=template,
            if_already_active=(
                services.IfAlreadyActive.END_IT if replace else services.IfAlreadyActive.REFUSE
            ),
            **data,
        )
        body = _prescription_body(version.prescription_id)
        return Response(body, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        prescription = self._prescription(Action.CHANGE_CLINICAL)
        serializer = PrescriptionChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.prescription_change(
            prescription=prescription,
            changed_by=actor_for(request).user,
            items=[dict(item) for item in data["items"]],
            times_per_day=data["times_per_day"],
            days_of_week=data["days_of_week"],
            effective_from=data.get("start_date"),
            retest_on=data.get("retest_on"),
            notes=data.get("notes", ""),
        )
        return Response(_prescription_body(prescription.pk))

    @extend_schema(
        summary="End a prescription today; its history is kept",
        request=None,
        responses=PrescriptionSerializer,
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: int) -> Response:
        prescription = self._prescription(Action.CHANGE_CLINICAL)
        services.prescription_end(prescription=prescription, ended_by=actor_for(request).user)
        return Response(_prescription_body(prescription.pk))


# --- Session logs -----------------------------------------------------------------------------


class SessionLogFilter(ApiFilterSet):
    patient = IdFilter(field_name="patient_id")
    date_after = filters.DateFilter(field_name="session_date", lookup_expr="gte")
    date_before = filters.DateFilter(field_name="session_date", lookup_expr="lte")

    class Meta:
        model = SessionLog
        fields = ["patient", "date_after", "date_before"]


def _with_entries(logs: QuerySet[SessionLog]) -> QuerySet[SessionLog]:
    return logs.select_related("version").prefetch_related(
        Prefetch("entries", queryset=ExerciseLog.objects.select_related("item__exercise"))
    )


@extend_schema_view(
    list=extend_schema(summary="Sessions patients logged, newest first"),
    retrieve=extend_schema(summary="One logged session"),
    create=extend_schema(
        summary="Log a session (patients, for themselves; a repeated client_token is a 200)",
        request=SessionLogInputSerializer,
        responses={201: SessionLogSerializer, 200: SessionLogSerializer},
    ),
)
class SessionLogViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Session logs are what the patient reported: never changed or deleted here."""

    serializer_class = SessionLogSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = SessionLogFilter
    queryset = SessionLog.objects.none()
    lookup_value_converter = "int"

    def get_queryset(self):
        visible = clinical_records_visible_to(
            actor_for(self.request), SessionLog.objects.all(), patient_path="patient"
        )
        return _with_entries(visible.order_by("-session_date", "-slot", "-id"))

    def list(self, request: Request, *args, **kwargs) -> Response:
        _require_clinical_role(actor_for(request))
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        log = SessionLog.objects.filter(pk=self.kwargs["pk"]).first()
        if log is None:
            raise Http404("No such session.")
        patient_for(actor_for(request), log.patient_id, Action.VIEW_CLINICAL)
        return Response(
            self.get_serializer(_with_entries(SessionLog.objects.all()).get(pk=log.pk)).data
        )

    def create(self, request: Request, *args, **kwargs) -> Response:
        actor = actor_for(request)
        if not actor.is_patient:
            raise PermissionDenied(_("Patients log their own sessions."))
        serializer = SessionLogInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        version = PrescriptionVersion.objects.filter(pk=data["version"]).first()
        if version is None:
            raise ValidationError({"prescription": [_("This is not one of your prescriptions.")]})
        try:
            log, created = services.session_log_record(
                patient=actor.patient,
                version=version,
                client_token=data["client_token"],
                statuses={entry["item_id"]: entry["status"] for entry in data["entries"]},
                session_date=data.get("session_date"),
                pain=data.get("pain"),
                comment=data.get("comment", ""),
            )
        except ValidationError as exc:
            # The service speaks of the form's `statuses`; the API calls them `entries`.
            errors = exc.message_dict if hasattr(exc, "error_dict") else None
            if errors and "statuses" in errors:
                errors["entries"] = errors.pop("statuses")
                raise ValidationError(errors) from exc
            raise
        body = self.get_serializer(_with_entries(SessionLog.objects.all()).get(pk=log.pk)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
