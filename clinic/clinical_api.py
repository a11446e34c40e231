"""What every clinical record's API shares: a list and a single record answered as readings (the
values with their interpretation), visible to the clinic's clinical staff and to the patient
the record belongs to. The knee-to-wall tests and the neural tests each say which model, which
readings and which serializer; the access rules stay in clinic.access."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from clinic.access import Action, actor_for, can_view_clinical_data, patient_for


class ClinicalReadingsMixin:
    """Before the DRF list/retrieve mixins in a viewset's bases, so these answer."""

    record_model: type[models.Model]
    record_missing: str  # "No such assessment."
    reading_serializer: type

    def readings(self, ids: list[int]) -> dict[int, Any]:
        """{id: reading} for the records, in as many queries whatever the number of ids."""
        raise NotImplementedError

    def list(self, request: Request, *args, **kwargs) -> Response:
        actor = actor_for(request)
        if actor.is_staff_member and not can_view_clinical_data(actor):
            raise PermissionDenied(_("Your role does not see clinical measurements."))
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        readings = self.readings([record.pk for record in page])
        body = self.reading_serializer([readings[record.pk] for record in page], many=True).data
        return self.get_paginated_response(body)

    def record(self, action: Action) -> models.Model:
        """The record the URL names, once the caller may `action` its patient's records."""
        found = self.record_model.objects.filter(pk=self.kwargs["pk"]).first()
        if found is None:
            raise Http404(self.record_missing)
        patient_for(actor_for(self.request), found.patient_id, action)
        return found

    def reading_response(self, record_id: int, **kwargs: Any) -> Response:
        reading = self.readings([record_id])[record_id]
        return Response(self.reading_serializer(reading).data, **kwargs)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return self.reading_response(self.record(Action.VIEW_CLINICAL).pk)
