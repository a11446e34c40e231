"""The audit trail in plain words, rendered from the stored event when it is shown.

A row stays exactly as it was written (action, object type and id, patient ids, field names);
the sentence is made here, at display time, by one function (`describe`) from one table
(`OBJECT_WORDS`). Names are today's names, looked up for a whole page at once (`names_for`:
one query per kind: patients, staff, and each kind of record a sentence dates), and only from
the clinic whose trail is shown. An anonymised patient reads "anonymised patient #12": their
old name is gone from the database, and no row ever stored it (rows keep ids).

The audit app sits below the clinic core and imports none of it: the patients and staff are
the models the trail's own foreign keys point to, and the records a sentence dates are named
by label, as `receivers.AUDITED_MODELS` names the audited models.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from itertools import islice
from typing import Any

from django.apps import apps
from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.models import AuditAction, AuditEvent
from audit.receivers import AUDITED_MODELS

# Who acted, when it is not a staff role (a staff member's role reads as the User model says).
ACTOR_KINDS = {
    "patient": gettext_lazy("Patient"),
    "system": gettext_lazy("Dorsi (automatic)"),
    "superuser": gettext_lazy("Site administrator"),
    "anonymous": gettext_lazy("Not signed in"),
}


@dataclass(frozen=True)
class Words:
    """How one type of record reads. Phrases may use {noun}, {patient}, {count}, {fields} and
    the record's details ({date}, {time}, {number}, {title})."""

    noun: str  # with its article: "a knee-to-wall test"
    plural: str  # "knee-to-wall tests"
    phrases: Mapping[str, str] = field(default_factory=dict)  # action -> phrase
    # The record a phrase takes its details from: a model label, the values it reads, and the
    # lookup of its clinic (details are read from the shown clinic's records only).
    details: tuple[str, tuple[str, ...], str] | None = None
    # Whether an update lists the fields it changed (a phrase may already say what changed).
    lists_fields: bool = True


DEFAULT_PHRASES = {
    AuditAction.READ: gettext_lazy("opened {noun}"),
    AuditAction.LIST: gettext_lazy("listed {plural}"),
    AuditAction.CREATE: gettext_lazy("added {noun}"),
    AuditAction.UPDATE: gettext_lazy("changed {noun}"),
    AuditAction.DELETE: gettext_lazy("deleted {noun}"),
    AuditAction.EXPORT: gettext_lazy("exported {noun}"),
    AuditAction.ANONYMISE: gettext_lazy("anonymised {noun}"),
    AuditAction.DENIED: gettext_lazy("was refused {noun}"),
    AuditAction.SIGN_IN: gettext_lazy("signed in"),
    AuditAction.SIGN_IN_FAILED: gettext_lazy("could not sign in"),
    AuditAction.SIGN_OUT: gettext_lazy("signed out"),
}

OBJECT_WORDS: dict[str, Words] = {
    "patient": Words(
        gettext_lazy("a patient's record"),
        gettext_lazy("patients"),
        {
            AuditAction.READ: gettext_lazy("opened the record of {patient}"),
            AuditAction.CREATE: gettext_lazy("registered {patient}"),
            AuditAction.UPDATE: gettext_lazy("changed the details of {patient}"),
            AuditAction.DELETE: gettext_lazy("deleted the record of {patient}"),
            AuditAction.EXPORT: gettext_lazy("exported the record of {patient}"),
            AuditAction.ANONYMISE: gettext_lazy("anonymised {patient}"),
            AuditAction.DENIED: gettext_lazy("was refused the record of {patient}"),
        },
    ),
    "patientaccesslink": Words(
        gettext_lazy("a personal link"),
        gettext_lazy("personal links"),
        {
            AuditAction.CREATE: gettext_lazy("sent {patient} a personal link"),
            AuditAction.UPDATE: gettext_lazy("changed a personal link of {patient}"),
        },
    ),
    "patient_link": Words(
        gettext_lazy("a personal link"),
        gettext_lazy("personal links"),
        {AuditAction.DENIED: gettext_lazy("was refused: invalid personal links")},
    ),
    "assessment": Words(
        gettext_lazy("a knee-to-wall test"),
        gettext_lazy("knee-to-wall tests"),
        {AuditAction.CREATE: gettext_lazy("started a knee-to-wall test for {patient}")},
    ),
    "assessmentrevision": Words(
        gettext_lazy("a knee-to-wall test"),
        gettext_lazy("knee-to-wall tests"),
        {
            AuditAction.CREATE: gettext_lazy(
                "{recorded} the knee-to-wall test of {date} for {patient}"
            ),
            AuditAction.UPDATE: gettext_lazy(
                "changed the knee-to-wall test of {date} for {patient}"
            ),
        },
        details=(
            "assessments.AssessmentRevision",
            ("number", "measured_at"),
            "assessment__clinic_id",
        ),
    ),
    "neuralexam": Words(
        gettext_lazy("a record of neural tests"),
        gettext_lazy("neural test records"),
        {
            AuditAction.CREATE: gettext_lazy(
                "recorded the neural tests (SLR, slump) of {date} for {patient}"
            ),
            # A record is never changed, only marked entered in error (neural.services).
            AuditAction.UPDATE: gettext_lazy(
                "marked the neural tests of {date} for {patient} entered in error"
            ),
        },
        details=("neural.NeuralExam", ("measured_at",), "clinic_id"),
        lists_fields=False,
    ),
    "appointment": Words(
        gettext_lazy("an appointment"),
        gettext_lazy("appointments"),
        {
            AuditAction.CREATE: gettext_lazy("booked an appointment on {time} for {patient}"),
            AuditAction.UPDATE: gettext_lazy("changed the appointment on {time} of {patient}"),
            AuditAction.DELETE: gettext_lazy("deleted the appointment on {time} of {patient}"),
        },
        details=("scheduling.Appointment", ("starts_at",), "clinic_id"),
    ),
    "waitlistentry": Words(
        gettext_lazy("a waitlist entry"),
        gettext_lazy("waitlist entries"),
        {
            AuditAction.CREATE: gettext_lazy("put {patient} on the waitlist"),
            AuditAction.UPDATE: gettext_lazy("changed the waitlist entry of {patient}"),
            AuditAction.DELETE: gettext_lazy("took {patient} off the waitlist"),
        },
    ),
    "calendarfeed": Words(
        gettext_lazy("a calendar feed"),
        gettext_lazy("calendar feeds"),
        {AuditAction.CREATE: gettext_lazy("made a calendar feed for {patient}")},
    ),
    "prescription": Words(
        gettext_lazy("a routine"),
        gettext_lazy("routines"),
        {
            AuditAction.CREATE: gettext_lazy("prescribed “{title}” to {patient}"),
            AuditAction.UPDATE: gettext_lazy("changed the routine “{title}” of {patient}"),
        },
        details=("exercises.Prescription", ("title",), "clinic_id"),
    ),
    "prescriptionversion": Words(
        gettext_lazy("a version of a routine"),
        gettext_lazy("routine versions"),
        {AuditAction.CREATE: gettext_lazy("saved version {number} of “{title}” for {patient}")},
        details=(
            "exercises.PrescriptionVersion",
            ("number", "prescription__title"),
            "prescription__clinic_id",
        ),
    ),
    "sessionlog": Words(
        gettext_lazy("a home exercise session"),
        gettext_lazy("home exercise sessions"),
        {AuditAction.CREATE: gettext_lazy("logged a home exercise session for {patient}")},
    ),
    "questionnairerequest": Words(
        gettext_lazy("a questionnaire request"),
        gettext_lazy("questionnaire requests"),
        {
            AuditAction.CREATE: gettext_lazy("asked {patient} to answer a questionnaire"),
            AuditAction.UPDATE: gettext_lazy("changed a questionnaire request of {patient}"),
        },
    ),
    "questionnaireresponse": Words(
        gettext_lazy("a questionnaire answer"),
        gettext_lazy("questionnaire answers"),
        {
            AuditAction.CREATE: gettext_lazy("started a questionnaire answer for {patient}"),
            AuditAction.UPDATE: gettext_lazy("changed a questionnaire answer of {patient}"),
        },
    ),
    "user": Words(
        gettext_lazy("a staff account"),
        gettext_lazy("staff accounts"),
        {
            AuditAction.UPDATE: gettext_lazy("changed their sign-in"),
            AuditAction.SIGN_IN_FAILED: gettext_lazy("could not sign in"),
        },
    ),
    "api_token": Words(
        gettext_lazy("an API token"),
        gettext_lazy("API tokens"),
        {
            AuditAction.CREATE: gettext_lazy("issued an API token"),
            AuditAction.UPDATE: gettext_lazy("revoked an API token"),
            AuditAction.SIGN_IN: gettext_lazy("used an API token"),
            AuditAction.SIGN_IN_FAILED: gettext_lazy("was refused with an API token"),
        },
    ),
    "audit trail": Words(gettext_lazy("the audit trail"), gettext_lazy("audit trails")),
    "dashboard": Words(
        gettext_lazy("the dashboard"),
        gettext_lazy("dashboards"),
        {AuditAction.LIST: gettext_lazy("listed {count} on the dashboard")},
    ),
    "outcomes": Words(
        gettext_lazy("the clinic outcomes page"),
        gettext_lazy("clinic outcomes pages"),
        {AuditAction.LIST: gettext_lazy("listed {count} on the clinic outcomes page")},
    ),
}
# A list (a page or an API list) of the records of one or more patients.
LIST_PHRASE = gettext_lazy("listed the {plural} of {count}")
LIST_PHRASES = {"patient": gettext_lazy("listed {count} on the patient list")}


@dataclass
class Names:
    """Today's names for one page of events, looked up in one query per kind."""

    patients: dict[int, str] = field(default_factory=dict)
    staff: dict[int, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    details: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    field_names: dict[tuple[str, str], str] = field(default_factory=dict)

    def patient(self, patient_id: int | None) -> str:
        if patient_id is None:
            return _("a patient")
        return self.patients.get(int(patient_id), _("patient #%(number)s") % {"number": patient_id})


def _patient_model():
    return AuditEvent._meta.get_field("patient").related_model


def _user_model():
    return AuditEvent._meta.get_field("actor_user").related_model


def _ids(values: Iterable[Any]) -> set[int]:
    return {int(value) for value in values if str(value).isdigit()}


def patient_label(first_name: str, last_name: str, anonymised: bool, pk: int) -> str:
    if anonymised:
        return _("anonymised patient #%(number)s") % {"number": pk}
    return f"{first_name} {last_name}".strip()


def staff_label(first_name: str, last_name: str, username: str) -> str:
    return f"{first_name} {last_name}".strip() or username


def _denied_ids(event: AuditEvent) -> list[str]:
    if event.action == AuditAction.DENIED and event.object_type == "patient":
        return [part for part in event.object_id.split(",") if part]
    return []


def names_for(events: Iterable[AuditEvent], *, clinic_id: int) -> Names:
    """The names a page of events needs: patients and staff of this clinic only (a refused
    attempt on another clinic's patient stays a number), and the details some sentences date."""
    events = list(events)
    names = Names()
    patient_ids = _ids(
        pk
        for event in events
        for pk in (
            event.patient_id,
            event.actor_patient_id,
            *(event.patient_ids if len(event.patient_ids) == 1 else ()),
            *_denied_ids(event),
        )
        if pk is not None
    )
    if patient_ids:
        for pk, first, last, anonymised_at in (
            _patient_model()
            .objects.filter(clinic_id=clinic_id, pk__in=patient_ids)
            .values_list("pk", "first_name", "last_name", "anonymised_at")
        ):
            names.patients[pk] = patient_label(first, last, anonymised_at is not None, pk)
    user_model = _user_model()
    names.roles = {
        str(value): str(label) for value, label in user_model._meta.get_field("role").flatchoices
    }
    staff_ids = _ids(event.actor_user_id for event in events if event.actor_user_id is not None)
    if staff_ids:
        for pk, first, last, username in user_model.objects.filter(
            clinic_id=clinic_id, pk__in=staff_ids
        ).values_list("pk", "first_name", "last_name", "username"):
            names.staff[pk] = staff_label(first, last, username)
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        words = OBJECT_WORDS.get(event.object_type)
        if words is not None and words.details and event.object_id.isdigit():
            wanted[event.object_type].add(int(event.object_id))
    for object_type, ids in wanted.items():
        label, values, clinic_lookup = OBJECT_WORDS[object_type].details  # type: ignore[misc]
        model = apps.get_model(label)
        rows = model._base_manager.filter(pk__in=ids, **{clinic_lookup: clinic_id})
        for row in rows.values("pk", *values):
            names.details[(object_type, str(row.pop("pk")))] = row
    names.field_names = _field_names()
    return names


def _field_names() -> dict[tuple[str, str], str]:
    """Each audited model's fields as people read them (their verbose names)."""
    words = {}
    for label in AUDITED_MODELS:
        model = apps.get_model(label)
        for model_field in model._meta.concrete_fields:
            words[(model._meta.model_name, model_field.name)] = str(model_field.verbose_name)
    return words


def actor_words(event: AuditEvent, names: Names) -> tuple[str, str]:
    """Who acted, and their role, in words."""
    role = names.roles.get(event.actor_kind) or ACTOR_KINDS.get(
        event.actor_kind, event.actor_kind.replace("_", " ").capitalize()
    )
    if event.actor_user_id is not None:
        who = names.staff.get(event.actor_user_id) or event.actor_label or _("A staff member")
        credential = event.actor_label.partition(" · ")[2]
        return (f"{who} · {credential}" if credential else who), role
    if event.actor_patient_id is not None:
        return names.patient(event.actor_patient_id), role
    if event.actor_kind == "system":
        task = event.actor_label.strip()
        return ("Dorsi" + (f" ({task})" if task else "")), role
    return event.actor_label or _("Someone not signed in"), role


def _count(ids: list[int], names: Names) -> str:
    if len(ids) == 1:
        return names.patient(ids[0])
    if not ids:
        return _("no patients")
    return ngettext("%(count)s patient", "%(count)s patients", len(ids)) % {"count": len(ids)}


def _local(value: Any, zone: tzinfo) -> datetime | None:
    return value.astimezone(zone) if isinstance(value, datetime) else None


def describe(event: AuditEvent, names: Names, *, zone: tzinfo) -> str:
    """One event as a sentence: "Maya Okafor corrected the knee-to-wall test of 12 Nov 2026
    for Alex Anders". Unknown types read as a generic sentence with the record's number."""
    who, _role = actor_words(event, names)
    words = OBJECT_WORDS.get(event.object_type)
    known = words is not None
    if words is None:
        kind = event.object_type.replace("_", " ") or _("record")
        words = Words(_("a %(kind)s") % {"kind": kind}, _("%(kind)s records") % {"kind": kind})
    if event.action == AuditAction.LIST:
        phrase = words.phrases.get(AuditAction.LIST) or LIST_PHRASES.get(
            event.object_type, LIST_PHRASE
        )
    else:
        phrase = words.phrases.get(event.action) or DEFAULT_PHRASES.get(
            event.action, f"{event.action.replace('_', ' ')} {{noun}}"
        )
    patient_id = event.patient_id
    if patient_id is None and len(event.patient_ids) == 1:
        patient_id = event.patient_ids[0]
    denied = _denied_ids(event)
    patient = ", ".join(names.patient(pk) for pk in denied) if denied else names.patient(patient_id)
    detail = names.details.get((event.object_type, event.object_id), {})
    moment = _local(detail.get("measured_at") or detail.get("starts_at"), zone)
    values = {
        "noun": words.noun,
        "plural": words.plural,
        "patient": patient,
        "count": _count(event.patient_ids, names),
        "date": dateformat.format(moment, "j M Y") if moment else _("(date unknown)"),
        "time": dateformat.format(moment, "j M Y, H:i") if moment else _("(time unknown)"),
        "number": detail.get("number", "?"),
        "title": detail.get("title") or detail.get("prescription__title") or _("routine"),
        "recorded": _("corrected") if detail.get("number", 1) > 1 else _("recorded"),
    }
    # Whole sentences to translate: who acted, then what they did.
    sentence = _("%(who)s %(did)s") % {"who": who, "did": phrase.format(**values)}
    if "{patient}" not in phrase and "{count}" not in phrase and (patient_id or denied):
        sentence = _("%(sentence)s for %(patient)s") % {"sentence": sentence, "patient": patient}
    if not known and event.object_id:
        sentence += f" (#{event.object_id})"
    if event.fields and words.lists_fields:
        fields = [
            names.field_names.get((event.object_type, name), name.replace("_", " "))
            for name in event.fields
        ]
        sentence += f": {', '.join(fields)}"
    if event.note:
        sentence += f" ({event.note})"
    return sentence + "."


@dataclass(frozen=True)
class DescribedEvent:
    event: AuditEvent
    sentence: str
    who: str
    role: str
    patient: str  # the one patient the event is about, in words; "" when none or several


def describe_events(
    events: Iterable[AuditEvent], *, clinic_id: int, zone: tzinfo
) -> list[DescribedEvent]:
    """A page of events with their sentences, names looked up once for the page."""
    events = list(events)
    names = names_for(events, clinic_id=clinic_id)
    described = []
    for event in events:
        who, role = actor_words(event, names)
        patient = names.patient(event.patient_id) if event.patient_id is not None else ""
        sentence = describe(event, names, zone=zone)
        described.append(DescribedEvent(event, sentence, who, role, patient))
    return described


STREAM_CHUNK = 2000  # events described together when streamed: names looked up once a chunk


def describe_stream(events, *, clinic_id: int, zone: tzinfo) -> Iterator[DescribedEvent]:
    """Every event of a queryset, described chunk by chunk (for the CSV export)."""
    rows = events.iterator(chunk_size=STREAM_CHUNK)
    while chunk := list(islice(rows, STREAM_CHUNK)):
        yield from describe_events(chunk, clinic_id=clinic_id, zone=zone)
