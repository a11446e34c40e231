"""The scheduling API: appointments, free slots and appointment types.

Staff book, move, cancel and mark their own clinic's appointments; a patient reads only their
own upcoming ones. The booking services decide what may be booked; a time that is already
taken is answered 409 with the appointment in the way, every other refusal 400.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic import selectors as clinic_selectors
from clinic.access import Action, Actor, actor_for, patient_named_in_body
from clinic.filters import ApiFilterSet, IdFilter, UtcIsoDateTimeFilter
from clinic.models import User
from scheduling import selectors, services
from scheduling.models import Appointment, AppointmentKind, AppointmentStatus, AppointmentType
from scheduling.serializers import (
    AppointmentBookSerializer,
    AppointmentConflictSerializer,
    AppointmentMarkSerializer,
    AppointmentRescheduleSerializer,
    AppointmentSerializer,
    AppointmentTypeSerializer,
    FreeSlotQuerySerializer,
    FreeSlotSerializer,
)

STAFF_ONLY = "Scheduling is for clinic staff."


class IsSchedulingStaff(BasePermission):
    message = STAFF_ONLY

    def has_permission(self, request, view) -> bool:
        return actor_for(request).is_staff_member


def _require_staff(request: Request) -> Actor:
    actor = actor_for(request)
    if not actor.is_staff_member:
        raise PermissionDenied(STAFF_ONLY)
    return actor


def _therapist(actor: Actor, therapist_id: int) -> User:
    # One message whether the id is unknown or another clinic's: other clinics' staff ids
    # must not be confirmable from here.
    therapist = clinic_selectors.clinic_therapist(
        clinic_id=actor.user.clinic_id, therapist_id=therapist_id
    )
    if therapist is None:
        raise ValidationError({"therapist": [_("Choose an active therapist of this clinic.")]})
    return therapist


def _appointment_type(
    actor: Actor, *, type_id: int | None = None, kind: str | None = None
) -> AppointmentType:
    types = services.appointment_types_ensure(clinic=actor.clinic)
    if type_id is not None:
        found = next((t for t in types if t.pk == type_id), None)
    else:
        found = next((t for t in types if t.kind == (kind or AppointmentKind.FOLLOW_UP)), None)
    if found is None:
        raise ValidationError(
            {"appointment_type": [_("Choose an appointment type of this clinic.")]}
        )
    return found


def _conflict_body(exc: services.AppointmentConflict) -> dict:
    ((field, messages),) = exc.message_dict.items()
    return AppointmentConflictSerializer(
        {"detail": messages[0], "conflict": {"field": field, "appointment": exc.conflicting}}
    ).data


class AppointmentFilter(ApiFilterSet):
    therapist = IdFilter(field_name="therapist_id")
    patient = IdFilter(field_name="patient_id")
    status = filters.ChoiceFilter(choices=AppointmentStatus.choices)
    starts_after = UtcIsoDateTimeFilter(
        field_name="starts_at", lookup_expr="gte", label="Starting at or after this moment"
    )
    starts_before = UtcIsoDateTimeFilter(
        field_name="starts_at", lookup_expr="lt", label="Starting before this moment"
    )

    class Meta:
        model = Appointment
        fields = ["therapist", "patient", "status", "starts_after", "starts_before"]


CONFLICT_RESPONSE = {409: AppointmentConflictSerializer}


@extend_schema_view(
    list=extend_schema(
        summary="Your clinic's appointments (a patient: their own upcoming ones), earliest first"
    ),
    retrieve=extend_schema(summary="One appointment"),
    create=extend_schema(
        summary="Book an appointment (staff); 409 when the therapist or patient is taken then",
        request=AppointmentBookSerializer,
        responses={201: AppointmentSerializer, **CONFLICT_RESPONSE},
    ),
)
class AppointmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Appointments are never edited or deleted here: reschedule, cancel or mark one instead."""

    serializer_class = AppointmentSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = AppointmentFilter
    queryset = Appointment.objects.none()  # for the schema; get_queryset scopes every request
    lookup_value_converter = "int"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        actor = actor_for(self.request)
        if actor.is_staff_member:
            return Appointment.objects.filter(clinic_id=actor.user.clinic_id).select_related(
                "patient", "therapist", "appointment_type"
            )
        if actor.is_patient:
            return selectors.patient_upcoming_appointments(patient=actor.patient).select_related(
                "patient"
            )
        return Appointment.objects.none()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["for_patient"] = actor_for(self.request).is_patient
        return context

    def get_object(self) -> Appointment:
        appointment = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if appointment is None:
            raise Http404("No such appointment.")
        return appointment

    def handle_exception(self, exc):
        if isinstance(exc, services.AppointmentConflict):
            return Response(_conflict_body(exc), status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    def _staff_appointment(self, request: Request) -> tuple[Actor, Appointment]:
        actor = _require_staff(request)
        return actor, self.get_object()

    def create(self, request: Request, *args, **kwargs) -> Response:
        actor = _require_staff(request)
        serializer = AppointmentBookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        patient = patient_named_in_body(actor, data["patient"], Action.VIEW)
        appointment = services.appointment_book(
            patient=patient,
            therapist=_therapist(actor, data["therapist"]),
            appointment_type=_appointment_type(
                actor, type_id=data.get("appointment_type"), kind=data.get("kind")
            ),
            starts_at=data["starts_at"],
            ends_at=data.get("ends_at"),
            note=data.get("note", ""),
            booked_by=actor.user,
        )
        body = self.get_serializer(appointment).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move a booked appointment (staff); 409 when the new time is taken",
        request=AppointmentRescheduleSerializer,
        responses={200: AppointmentSerializer, **CONFLICT_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk: int) -> Response:
        actor, appointment = self._staff_appointment(request)
        serializer = AppointmentRescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        appointment = services.appointment_reschedule(
            appointment=appointment,
            starts_at=data["starts_at"],
            ends_at=data.get("ends_at"),
            by=actor.user,
        )
        return Response(self.get_serializer(appointment).data)

    @extend_schema(
        summary="Cancel a booked appointment (staff); its time becomes free",
        request=None,
        responses=AppointmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int) -> Response:
        actor, appointment = self._staff_appointment(request)
        appointment = services.appointment_cancel(appointment=appointment, by=actor.user)
        return Response(self.get_serializer(appointment).data)

    @extend_schema(
        summary="Record how a started appointment went: completed or no-show (staff)",
        request=AppointmentMarkSerializer,
        responses=AppointmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def mark(self, request: Request, pk: int) -> Response:
        _, appointment = self._staff_appointment(request)
        serializer = AppointmentMarkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = services.appointment_mark(
            appointment=appointment, status=serializer.validated_data["status"]
        )
        return Response(self.get_serializer(appointment).data)


class FreeSlotsView(APIView):
    permission_classes = [IsAuthenticated, IsSchedulingStaff]

    @extend_schema(
        summary="Free slots in the therapists' working hours, earliest first (staff)",
        parameters=[FreeSlotQuerySerializer],
        responses=FreeSlotSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        actor = actor_for(request)
        query = FreeSlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        therapist = _therapist(actor, data["therapist"]) if "therapist" in data else None
        minutes = data.get("minutes")
        if minutes is None:
            minutes = _appointment_type(actor, type_id=data.get("appointment_type")).default_minutes
        slots = selectors.free_slots(
            clinic=actor.clinic,
            start_date=data["start"],
            end_date=data["end"],
            minutes=minutes,
            therapist=therapist,
        )
        return Response(FreeSlotSerializer(slots, many=True).data)


@extend_schema_view(list=extend_schema(summary="Your clinic's appointment types (staff)"))
class AppointmentTypeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AppointmentTypeSerializer
    permission_classes = [IsAuthenticated, IsSchedulingStaff]
    filter_backends: list = []
    pagination_class = None
    queryset = AppointmentType.objects.none()

    def list(self, request: Request, *args, **kwargs) -> Response:
        types = services.appointment_types_ensure(clinic=actor_for(request).clinic)
        return Response(self.get_serializer(types, many=True).data)
