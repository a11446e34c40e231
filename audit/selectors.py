from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from audit.describe import OBJECT_WORDS
from audit.models import AuditAction, AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    patient_id: int | None = None
    actor_user_id: int | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None
    search: str = ""


def _int_or_none(raw: str, field: str, errors: dict, *, message: str = "") -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        errors[field] = [message or _("Enter a number.")]
        return None
    return int(raw)


def _date_or_none(raw: str, field: str, errors: dict) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[field] = [_("Enter a date as YYYY-MM-DD.")]
        return None


def audit_filters_parse(params) -> AuditFilters:
    """The audit search's filters from a query string; ValidationError names each bad field."""
    errors: dict[str, list[str]] = {}
    action = params.get("action", "")
    if action and action not in AuditAction.values:
        errors["action"] = [
            _("Choose one of: %(actions)s.") % {"actions": ", ".join(AuditAction.values)}
        ]
    filters = AuditFilters(
        patient_id=_int_or_none(
            params.get("patient", ""),
            "patient",
            errors,
            message=_("Enter the patient's number; to find a patient by name, use Search."),
        ),
        actor_user_id=_int_or_none(params.get("actor", ""), "actor", errors),
        action=action,
        since=_date_or_none(params.get("since", ""), "since", errors),
        until=_date_or_none(params.get("until", ""), "until", errors),
        search=params.get("q", "").replace("\x00", "")[:100],
    )
    if filters.since and filters.until and filters.since > filters.until:
        errors["until"] = [_("The end date is before the start date.")]
    if errors:
        raise ValidationError(errors)
    return filters


def audit_events_search(*, clinic, filters: AuditFilters, zone):
    """A clinic's audit events matching the filters, newest first; dates in the clinic's zone."""
    events = AuditEvent.objects.for_clinic(clinic.pk)
    if filters.patient_id is not None:
        mentions = Q(patient_id=filters.patient_id)
        if connection.features.supports_json_field_contains:  # PostgreSQL; not SQLite's demo
            mentions |= Q(patient_ids__contains=[filters.patient_id])  # lists, bulk changes
        events = events.filter(mentions)
    if filters.actor_user_id is not None:
        events = events.filter(actor_user_id=filters.actor_user_id)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.since:
        events = events.filter(at__gte=datetime.combine(filters.since, time.min, tzinfo=zone))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time.min, tzinfo=zone)
        events = events.filter(at__lt=end)
    if filters.search:
        events = events.filter(_search_matches(filters.search, clinic_id=clinic.pk))
    return events.order_by("-at", "-id")


# A list event names its patients by id: a name search also finds the lists that showed the
# first patients of this many whose names match (one JSON containment test each).
LISTS_SEARCHED_FOR_PATIENTS = 20


def _search_matches(search: str, *, clinic_id: int) -> Q:
    """Free text: the stored text (who at the time, path, note), today's names of the
    clinic's patients and staff (every word matching a first or last name), and the words an
    event is shown with ("knee-to-wall", "appointment")."""
    matches = (
        Q(actor_label__icontains=search) | Q(path__icontains=search) | Q(note__icontains=search)
    )
    terms = search.split()
    if terms:
        patients = (
            AuditEvent._meta.get_field("patient")
            .related_model.objects.filter(clinic_id=clinic_id, anonymised_at__isnull=True)
            .order_by("pk")
        )
        staff = AuditEvent._meta.get_field("actor_user").related_model.objects.filter(
            clinic_id=clinic_id
        )
        for term in terms:
            patients = patients.filter(Q(first_name__icontains=term) | Q(last_name__icontains=term))
            staff = staff.filter(
                Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
                | Q(username__icontains=term)
            )
        patient_ids = patients.values("pk")
        matches |= (
            Q(patient_id__in=patient_ids)
            | Q(actor_patient_id__in=patient_ids)
            | Q(actor_user_id__in=staff.values("pk"))
        )
        if connection.features.supports_json_field_contains:
            for pk in patients.values_list("pk", flat=True)[:LISTS_SEARCHED_FOR_PATIENTS]:
                matches |= Q(patient_ids__contains=[pk])
    lowered = search.lower()
    types = [
        object_type
        for object_type, words in OBJECT_WORDS.items()
        if lowered in words.noun.lower() or lowered in words.plural.lower()
    ]
    if types:
        matches |= Q(object_type__in=types)
    return matches
