"""The outcome questionnaires API: instruments, requests and responses.

Thin: each operation asks the access policy (clinic/access.py), reads its input with a
serializer, calls one service (questionnaires/services.py, instrument_services.py) and answers
with what the selectors say (a score's interpretation is questionnaires/selectors.py's, never
recomputed here). Reads of a patient's answers pass `patient_for`, which records them in the
audit trail; writes are recorded by the models' audited querysets.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from audit.services import note_listed
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
from clinic.models import Patient
from questionnaires import instrument_services, selectors, services
from questionnaires.models import (
    Instrument,
    QuestionnaireRequest,
    QuestionnaireResponse,
    RequestStatus,
)
from questionnaires.serializers import (
    InstrumentInputSerializer,
    InstrumentRow,
    InstrumentSerializer,
    PaperEntrySerializer,
    QuestionnaireRequestInputSerializer,
    QuestionnaireRequestSerializer,
    QuestionnaireResponseSerializer,
    ResponseRow,
    ResponseSubmitSerializer,
)

NOT_FOUND = OpenApiResponse(
    inline_serializer("QuestionnaireNotFound", {"detail": serializers.CharField()}),
    description="The request named is not one of yours (or does not exist).",
)


def _require_clinical_role(actor: Actor) -> None:
    # Lists are scoped by clinical_records_visible_to; this tells the front desk why it sees
    # nothing, as the other clinical lists do.
    if actor.is_staff_member and not can_view_clinical_data(actor):
        raise PermissionDenied(_("Your role does not see questionnaire answers."))


def _instrument_for_clinic(clinic_id: int, instrument_id: int | None) -> Instrument:
    """An instrument named in a body: Dorsi's or the clinic's own (the service then refuses a
    retired or turned-off one, naming why); another clinic's does not exist."""
    instrument = selectors.instruments_readable(clinic_id).filter(pk=instrument_id).first()
    if instrument is None:
        raise ValidationError({"instrument": [_("No such questionnaire in your clinic.")]})
    return instrument


# --- Instruments ------------------------------------------------------------------------------


class IsStaffOrPatient(BasePermission):
    message = "Questionnaires are for a clinic's staff and patients."

    def has_permission(self, request, view) -> bool:
        actor = actor_for(request)
        return actor.is_staff_member or actor.is_patient


def _instrument_rows(clinic_id: int, instruments: Iterable[Instrument]) -> list[InstrumentRow]:
    instruments = list(instruments)
    mcids = selectors.mcids_for(clinic_id, instruments)
    return [InstrumentRow(instrument, mcids[instrument.pk]) for instrument in instruments]


@extend_schema_view(
    list=extend_schema(
        summary="The questionnaires your clinic may ask for, with items, scoring, MCID and "
        "licence terms"
    ),
    retrieve=extend_schema(
        summary="One questionnaire (any version your clinic has used), with its licence terms"
    ),
    create=extend_schema(
        summary="Add a licensed questionnaire of your clinic's own, as data (clinic admins)",
        request=InstrumentInputSerializer,
        responses={201: InstrumentSerializer},
        examples=[
            OpenApiExample(
                "A licensed disability index (the shape of the Oswestry's)",
                request_only=True,
                value={
                    "slug": "odi",
                    "version": "2.1a",
                    "name": "Oswestry Disability Index",
                    "short_name": "ODI",
                    "measures": "Disability from low-back pain.",
                    "instructions": "Choose the one statement in each section that fits you "
                    "best today.",
                    "items": [
                        {
                            "id": "pain",
                            "text": "Pain intensity",
                            "options": [
                                {"value": value, "label": f"Statement {value}"}
                                for value in range(6)
                            ],
                        }
                    ],
                    "scoring_method": "percent_of_max",
                    "score_min": "0",
                    "score_max": "100",
                    "better": "lower",
                    "missing_items_allowed": 1,
                    "mcid_rule": "either",
                    "mcid_absolute": "10",
                    "mcid_relative_percent": "30",
                    "mcid_source": "Ostelo 2008",
                    "source": "Fairbank JC, Pynsent PB. Spine 2000;25(22):2940-52.",
                    "licence_terms": "Licensed to our clinic by Mapi Research Trust, 2026.",
                },
            )
        ],
    ),
)
class InstrumentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Instruments are data; none is changed or deleted here (a correction is a new version)."""

    serializer_class = InstrumentSerializer
    permission_classes = [IsAuthenticated, IsStaffOrPatient]
    filter_backends: list = []
    queryset = Instrument.objects.none()  # for the schema; each request is scoped below
    lookup_value_converter = "int"

    def _clinic_id(self) -> int:
        return actor_for(self.request).clinic.pk

    def list(self, request: Request, *args, **kwargs) -> Response:
        clinic_id = self._clinic_id()
        page = self.paginate_queryset(selectors.instruments_available(clinic_id))
        body = InstrumentSerializer(_instrument_rows(clinic_id, page), many=True).data
        return self.get_paginated_response(body)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        clinic_id = self._clinic_id()
        instrument = selectors.instruments_readable(clinic_id).filter(pk=self.kwargs["pk"]).first()
        if instrument is None:
            raise Http404("No such questionnaire.")
        (row,) = _instrument_rows(clinic_id, [instrument])
        return Response(InstrumentSerializer(row).data)

    def create(self, request: Request, *args, **kwargs) -> Response:
        actor = actor_for(request)
        if not can_manage_clinic(actor):
            raise PermissionDenied(_("Only clinic admins add their clinic's questionnaires."))
        serializer = InstrumentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instrument = instrument_services.instrument_create(
            clinic=actor.clinic, fields=dict(serializer.validated_data)
        )
        (row,) = _instrument_rows(actor.clinic.pk, [instrument])
        return Response(InstrumentSerializer(row).data, status=status.HTTP_201_CREATED)


# --- Requests ---------------------------------------------------------------------------------


class QuestionnaireRequestFilter(ApiFilterSet):
    patient = IdFilter(field_name="patient_id")
    instrument = IdFilter(field_name="instrument_id")
    status = filters.ChoiceFilter(choices=RequestStatus.choices)

    class Meta:
        model = QuestionnaireRequest
        fields = ["patient", "instrument", "status"]


def _request_body(request_id: int) -> dict:
    request = QuestionnaireRequest.objects.select_related("instrument", "response").get(
        pk=request_id
    )
    return QuestionnaireRequestSerializer(request).data


@extend_schema_view(
    list=extend_schema(summary="Questionnaire requests you may see, newest first"),
    retrieve=extend_schema(summary="One questionnaire request"),
    create=extend_schema(
        summary="Ask a patient to answer a questionnaire (therapists and clinic admins)",
        request=QuestionnaireRequestInputSerializer,
        responses={201: QuestionnaireRequestSerializer},
        examples=[
            OpenApiExample(
                "Back pain before the next re-test",
                request_only=True,
                value={"patient": 2, "instrument": 1, "due_on": "2026-02-01"},
            )
        ],
    ),
)
class QuestionnaireRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Requests are never deleted: cancel one instead."""

    serializer_class = QuestionnaireRequestSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = QuestionnaireRequestFilter
    queryset = QuestionnaireRequest.objects.none()
    lookup_value_converter = "int"

    def get_queryset(self):
        visible = clinical_records_visible_to(
            actor_for(self.request), QuestionnaireRequest.objects.all(), patient_path="patient"
        )
        return visible.select_related("instrument", "response").order_by("-requested_at", "-id")

    def _request(self, action: Action) -> QuestionnaireRequest:
        request = QuestionnaireRequest.objects.filter(pk=self.kwargs["pk"]).first()
        if request is None:
            raise Http404("No such questionnaire request.")
        patient_for(actor_for(self.request), request.patient_id, action)
        return request

    def list(self, request: Request, *args, **kwargs) -> Response:
        _require_clinical_role(actor_for(request))
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        note_listed("questionnairerequest", [asked.patient_id for asked in page])
        body = QuestionnaireRequestSerializer(page, many=True).data
        return self.get_paginated_response(body)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return Response(_request_body(self._request(Action.VIEW_CLINICAL).pk))

    def create(self, request: Request, *args, **kwargs) -> Response:
        actor = actor_for(request)
        if not can_change_clinical_data(actor):
            raise PermissionDenied(_("Only the clinic's therapists ask for questionnaires."))
        serializer = QuestionnaireRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        patient = patient_named_in_body(actor, data["patient"], Action.CHANGE_CLINICAL)
        asked = services.request_create(
            patient=patient,
            instrument=_instrument_for_clinic(patient.clinic_id, data["instrument"]),
            requested_by=actor.user,
            reason=data["reason"],
            due_on=data["due_on"],
            message=data["message"],
        )
        return Response(_request_body(asked.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel an open request; answers saved so far are kept, never completed",
        request=None,
        responses=QuestionnaireRequestSerializer,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int) -> Response:
        asked = self._request(Action.CHANGE_CLINICAL)
        services.request_cancel(request=asked, cancelled_by=actor_for(request).user)
        return Response(_request_body(asked.pk))


# --- Responses --------------------------------------------------------------------------------


class QuestionnaireResponseFilter(ApiFilterSet):
    patient = IdFilter(field_name="patient_id")
    instrument = IdFilter(field_name="instrument_id")
    completed = filters.BooleanFilter(
        field_name="completed_at",
        lookup_expr="isnull",
        exclude=True,
        label="Completed (true) or in progress (false)",
    )

    class Meta:
        model = QuestionnaireResponse
        fields = ["patient", "instrument", "completed"]


def _response_rows(responses: Iterable[QuestionnaireResponse]) -> list[ResponseRow]:
    """Responses, each with its interpretation in its series (score_histories, for the
    patients of the page: a fixed number of queries whatever the page holds)."""
    responses = list(responses)
    interpretations = selectors.score_interpretations(
        patient_ids={response.patient_id for response in responses if response.is_completed}
    )
    return [
        ResponseRow(response=response, interpretation=interpretations.get(response.pk))
        for response in responses
    ]


def _response_body(response_id: int) -> dict:
    response = QuestionnaireResponse.objects.select_related("instrument").get(pk=response_id)
    (row,) = _response_rows([response])
    return QuestionnaireResponseSerializer(row).data


@extend_schema_view(
    list=extend_schema(
        summary="Questionnaire answers you may see, with score, validity and interpretation"
    ),
    retrieve=extend_schema(
        summary="One set of answers: score, missing items, and the change since the first and "
        "the previous answers judged by the MCID"
    ),
    create=extend_schema(
        summary="Submit your answers to one of your requests (patients); the same "
        "submission_key again is a 200 with the answers already recorded; a key used for "
        "another questionnaire is a 400 on submission_key",
        request=ResponseSubmitSerializer,
        responses={
            201: QuestionnaireResponseSerializer,
            200: QuestionnaireResponseSerializer,
            404: NOT_FOUND,
        },
        examples=[
            OpenApiExample(
                "Back pain of 4",
                request_only=True,
                value={
                    "request": 5,
                    "answers": {"nprs-back": 4},
                    "submission_key": "0f8fad5b-d9cb-469f-a165-70867728950e",
                },
            )
        ],
    ),
)
class QuestionnaireResponseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Answers are what the patient gave (or staff entered from paper): never changed or
    deleted here."""

    serializer_class = QuestionnaireResponseSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = QuestionnaireResponseFilter
    queryset = QuestionnaireResponse.objects.none()
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[QuestionnaireResponse]:
        visible = clinical_records_visible_to(
            actor_for(self.request), QuestionnaireResponse.objects.all(), patient_path="patient"
        )
        return visible.select_related("instrument").order_by("-completed_at", "-started_at", "-id")

    def list(self, request: Request, *args, **kwargs) -> Response:
        _require_clinical_role(actor_for(request))
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        note_listed("questionnaireresponse", [response.patient_id for response in page])
        body = QuestionnaireResponseSerializer(_response_rows(page), many=True).data
        return self.get_paginated_response(body)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        response = QuestionnaireResponse.objects.filter(pk=self.kwargs["pk"]).first()
        if response is None:
            raise Http404("No such answers.")
        patient_for(actor_for(request), response.patient_id, Action.VIEW_CLINICAL)
        return Response(_response_body(response.pk))

    def create(self, request: Request, *args, **kwargs) -> Response:
        actor = actor_for(request)
        if not actor.is_patient:
            raise PermissionDenied(
                _(
                    "Patients submit their own answers; staff enter paper answers "
                    "(POST /api/v1/questionnaire-responses/paper/)."
                )
            )
        serializer = ResponseSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Another patient's request is not there for this one (not a hint whose it is).
        asked = QuestionnaireRequest.objects.filter(
            pk=data["request"], patient_id=actor.patient.pk
        ).first()
        if asked is None:
            raise Http404("No such questionnaire request of yours.")
        response, created = services.response_submit(
            actor=actor,
            request=asked,
            answers=data["answers"],
            item_labels=data["item_labels"],
            submission_key=data["submission_key"],
        )
        return Response(
            _response_body(response.pk),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Enter a patient's answers given on paper (therapists and clinic admins); the "
        "same submission_key again is a 200; a key used for another questionnaire is a 400",
        request=PaperEntrySerializer,
        responses={201: QuestionnaireResponseSerializer, 200: QuestionnaireResponseSerializer},
    )
    @action(detail=False, methods=["post"])
    def paper(self, request: Request) -> Response:
        actor = actor_for(request)
        if not can_change_clinical_data(actor):
            raise PermissionDenied(_("Only the clinic's therapists enter questionnaire answers."))
        serializer = PaperEntrySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        patient: Patient = patient_named_in_body(actor, data["patient"], Action.CHANGE_CLINICAL)
        asked = None
        if data["request"] is not None:
            asked = QuestionnaireRequest.objects.filter(
                pk=data["request"], patient_id=patient.pk
            ).first()
            if asked is None:
                raise ValidationError(
                    {"request": [_("No such questionnaire request for this patient.")]}
                )
        instrument = None
        if asked is None and data["instrument"] is not None:
            instrument = _instrument_for_clinic(patient.clinic_id, data["instrument"])
        response, created = services.response_enter_from_paper(
            entered_by=actor.user,
            patient=patient,
            answers=data["answers"],
            item_labels=data["item_labels"],
            submission_key=data["submission_key"],
            instrument=instrument,
            request=asked,
            completed_at=data["completed_at"],
        )
        return Response(
            _response_body(response.pk),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
