from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit.describe import describe_events, describe_stream
from audit.models import AuditAction, AuditEvent
from audit.selectors import AuditFilters, audit_events_search, audit_filters_parse
from audit.services import audit_record
from clinic.access import actor_for, can_manage_clinic
from clinic.csv_writer import csv_download
from clinic.decorators import staff_required
from clinic.selectors import clinic_staff

EVENTS_PER_PAGE = 50
CSV_COLUMNS = [
    "at",
    "actor_kind",
    "actor_user_id",
    "actor_patient_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "patient_ids",
    "fields",
    "note",
    "ip",
    "user_agent",
    "method",
    "path",
    # Added after the columns above, which stay as they were: the event in words, as the page
    # shows it (today's names; the columns before it are the record as stored).
    "description",
]


def _clinic_admin(request: HttpRequest):
    actor = actor_for(request)
    if not can_manage_clinic(actor):
        raise PermissionDenied(_("The audit trail is for clinic admins."))
    return actor


def _filters_or_errors(request: HttpRequest) -> tuple[AuditFilters, dict]:
    try:
        return audit_filters_parse(request.GET), {}
    except ValidationError as error:
        return AuditFilters(), error.message_dict


@never_cache
@staff_required
@require_GET
def audit_events(request: HttpRequest) -> HttpResponse:
    actor = _clinic_admin(request)
    filters, errors = _filters_or_errors(request)
    if errors:  # a search that cannot be read shows nothing, rather than everything
        events = AuditEvent.objects.none()
    else:
        events = audit_events_search(clinic=actor.clinic, filters=filters, zone=actor.clinic.zone)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/events.html",
        {
            "page": page,
            "described": describe_events(
                page.object_list, clinic_id=actor.clinic.pk, zone=actor.clinic.zone
            ),
            "params": request.GET,
            "errors": errors,
            "actions": AuditAction.choices,
            "staff": clinic_staff(clinic_id=actor.clinic.pk),
            "query_without_page": query.urlencode(),
        },
        status=400 if errors else 200,
    )


@never_cache
@staff_required
@require_GET
def audit_events_export(request: HttpRequest) -> HttpResponse:
    """The search's events as CSV, streamed; the export is itself an audit event."""
    actor = _clinic_admin(request)
    filters, errors = _filters_or_errors(request)
    if errors:
        return HttpResponse(
            "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    audit_record(AuditAction.EXPORT, object_type="audit trail", note=request.GET.urlencode())
    events = audit_events_search(clinic=actor.clinic, filters=filters, zone=actor.clinic.zone)
    rows = (
        [
            event.at,
            event.actor_kind,
            event.actor_user_id,
            event.actor_patient_id,
            event.actor_label,
            event.action,
            event.object_type,
            event.object_id,
            event.patient_id,
            " ".join(str(pk) for pk in event.patient_ids),
            " ".join(event.fields),
            event.note,
            event.ip,
            event.user_agent,
            event.method,
            event.path,
            described.sentence,
        ]
        for described in describe_stream(events, clinic_id=actor.clinic.pk, zone=actor.clinic.zone)
        for event in [described.event]
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_download(
        CSV_COLUMNS,
        rows,
        filename=f"dorsi-audit-{stamp}.csv",
        stream=True,
    )
