"""Progress reports in the API: for the clinic's therapists and admins, like the pages.

A signed report answers every change with 400 and the reason, as the service refuses it; the
patient and the front desk are refused by role before any report is looked up.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clinic.access import (
    Action,
    actor_for,
    can_change_clinical_data,
    patient_for,
    patient_named_in_body,
)
from reports import services
from reports.models import ProgressReport


class ProgressReportSerializer(serializers.ModelSerializer):
    facts = serializers.JSONField(
        read_only=True,
        help_text="What Dorsi drafted from the record, in the interpretation's words.",
    )

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "patient",
            "version",
            "amends",
            "amendment_reason",
            "period_start",
            "period_end",
            "status",
            "facts",
            "goals",
            "assessment",
            "plan",
            "created_by",
            "created_at",
            "signed_by",
            "signed_at",
        ]
        read_only_fields = fields


class ProgressReportDraftSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)


class ProgressReportEditSerializer(serializers.Serializer):
    goals = serializers.CharField(required=False, allow_blank=True)
    assessment = serializers.CharField(required=False, allow_blank=True)
    plan = serializers.CharField(required=False, allow_blank=True)
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)


@extend_schema_view(
    list=extend_schema(summary="Progress reports of your clinic's patients, newest first"),
    retrieve=extend_schema(summary="One progress report with what Dorsi drafted"),
    create=extend_schema(
        summary="Draft a progress report from the record",
        request=ProgressReportDraftSerializer,
        responses={201: ProgressReportSerializer},
    ),
    partial_update=extend_schema(
        summary="Edit a draft (a signed report is refused: amend it on its page)",
        request=ProgressReportEditSerializer,
        responses=ProgressReportSerializer,
    ),
)
class ProgressReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProgressReportSerializer
    lookup_value_converter = "int"
    queryset = ProgressReport.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if not can_change_clinical_data(actor_for(request)):
            raise PermissionDenied(_("Progress reports are for the clinic's therapists."))

    def get_queryset(self):
        actor = actor_for(self.request)
        return (
            ProgressReport.objects.filter(clinic_id=actor.user.clinic_id)
            .select_related("patient")
            .order_by("-created_at", "-id")
        )

    def _report(self, action: Action) -> ProgressReport:
        report = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if report is None:
            raise Http404("No such report.")
        patient_for(actor_for(self.request), report.patient_id, action)
        return report

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return Response(ProgressReportSerializer(self._report(Action.VIEW_CLINICAL)).data)

    def create(self, request: Request, *args, **kwargs) -> Response:
        actor = actor_for(request)
        data = ProgressReportDraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patient = patient_named_in_body(
            actor, data.validated_data["patient"], Action.CHANGE_CLINICAL
        )
        report = services.report_draft(
            patient=patient,
            by=actor.user,
            period_start=data.validated_data.get("period_start"),
            period_end=data.validated_data.get("period_end"),
        )
        return Response(ProgressReportSerializer(report).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        report = self._report(Action.CHANGE_CLINICAL)
        data = ProgressReportEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_update(
            report=report, by=actor_for(request).user, **data.validated_data
        )
        return Response(ProgressReportSerializer(report).data)

    @extend_schema(
        summary="Sign a draft: it is locked from now on",
        request=None,
        responses=ProgressReportSerializer,
    )
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk=None) -> Response:
        report = self._report(Action.CHANGE_CLINICAL)
        report = services.report_sign(report=report, by=actor_for(request).user)
        return Response(ProgressReportSerializer(report).data)
