"""Pages and API endpoints for a patient's data rights: export and anonymise.

Staff export from the patient's page, the patient from their own page (/me/); who may do either
is the access policy's Action.EXPORT and Action.ANONYMISE, never a role check here.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.access import Action, actor_for, own_patient, patient_for
from clinic.decorators import patient_required, staff_required
from clinic.models import Patient
from clinic.serializers import PatientSerializer
from records import services as record_services

FHIR_CONTENT_TYPE = "application/fhir+json"
EXPORT_FORMATS = ("fhir", "csv")


def _fhir_download(patient: Patient) -> HttpResponse:
    bundle = record_services.patient_export_fhir(patient=patient)
    response = HttpResponse(json.dumps(bundle, indent=2), content_type=FHIR_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}.fhir.json"'
    return response


def _csv_download(patient: Patient) -> HttpResponse:
    archive = record_services.patient_export_csv(patient=patient)
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}.zip"'
    return response


# --- Pages --------------------------------------------------------------------------------------


@never_cache
@staff_required
@require_GET
def patient_export_fhir_page(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _fhir_download(patient_for(actor_for(request), patient_id, Action.EXPORT))


@never_cache
@staff_required
@require_GET
def patient_export_csv_page(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _csv_download(patient_for(actor_for(request), patient_id, Action.EXPORT))


@never_cache
@patient_required
@require_GET
def own_export_fhir_page(request: HttpRequest) -> HttpResponse:
    return _fhir_download(own_patient(actor_for(request), Action.EXPORT))


@never_cache
@patient_required
@require_GET
def own_export_csv_page(request: HttpRequest) -> HttpResponse:
    return _csv_download(own_patient(actor_for(request), Action.EXPORT))


@staff_required
@require_POST
def patient_anonymise_page(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_for(request)
    patient = patient_for(actor, patient_id, Action.ANONYMISE)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that the identity is to be removed."))
        return redirect("patient-detail", patient_id=patient.pk)
    try:
        record_services.patient_anonymise(patient=patient, by=actor.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The patient is anonymised; their measurements are kept."))
    return redirect("patient-detail", patient_id=patient.pk)


# --- API ----------------------------------------------------------------------------------------


class _ExportFormatNegotiation(DefaultContentNegotiation):
    """`?format=` names the export here, not one of DRF's renderers: every answer that is not
    the export itself (errors) is JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type


class PatientExportView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _ExportFormatNegotiation

    @extend_schema(
        summary="Everything held about a patient: a FHIR R4 Bundle or a ZIP of CSV files",
        description=(
            "Therapists and clinic admins of the patient's clinic, and the patient themselves. "
            "Every export is recorded in the audit trail."
        ),
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=list(EXPORT_FORMATS),
                default="fhir",
                description="fhir: a Bundle of type collection; csv: a ZIP, one CSV per section.",
            )
        ],
        responses={
            (200, FHIR_CONTENT_TYPE): OpenApiTypes.OBJECT,
            (200, "application/zip"): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="An unknown `format`, named in the answer."),
            403: OpenApiResponse(description="Your role may not export this patient's data."),
            404: OpenApiResponse(description="No such patient in your clinic."),
        },
    )
    def get(self, request: Request, patient_id: int) -> HttpResponse:
        patient = patient_for(actor_for(request), patient_id, Action.EXPORT)
        export_format = request.query_params.get("format", "fhir")
        if export_format not in EXPORT_FORMATS:
            raise exceptions.ValidationError({"format": [_("Choose fhir or csv.")]})
        if export_format == "csv":
            return _csv_download(patient)
        return Response(
            record_services.patient_export_fhir(patient=patient), content_type=FHIR_CONTENT_TYPE
        )


class PatientAnonymiseView(APIView):
    @extend_schema(
        summary="Anonymise a discharged patient: identity removed, measurements kept",
        description=(
            "Clinic admins only. Names become 'Anonymised patient <id>', contact details and "
            "free-text notes are removed, the date of birth becomes 1 July of the birth year, "
            "links and calendar feeds are revoked and pending reminders cancelled. Cannot be "
            "undone; refused for an active or an already anonymised patient."
        ),
        request=None,
        responses={
            200: PatientSerializer,
            400: OpenApiResponse(description="The patient is active or already anonymised."),
            403: OpenApiResponse(description="Only a clinic admin may anonymise."),
            404: OpenApiResponse(description="No such patient in your clinic."),
        },
    )
    def post(self, request: Request, patient_id: int) -> Response:
        actor = actor_for(request)
        patient = patient_for(actor, patient_id, Action.ANONYMISE)
        patient = record_services.patient_anonymise(patient=patient, by=actor.user)
        return Response(PatientSerializer(patient, context={"show_clinical": True}).data)
