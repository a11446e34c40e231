"""A patient's data rights: a copy of everything Dorsi holds about them, and anonymisation.

The copy comes in two forms. A FHIR R4 Bundle is for another clinic's system; a ZIP of CSV
files, one per section, is for people: each section has its own columns, so one file per
section opens cleanly in a spreadsheet, where a single wide CSV would be mostly empty cells.

Anonymising keeps what the statistics need (measurements, routines, session logs with their
dates, counts and pain scores, the year of birth) and removes who the patient is: name, contact
details, the exact birthday, and the free text in which anyone may have written something that
identifies them. Only a discharged patient can be anonymised, and only once.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from assessments.fhir import collection_bundle, observation, patient_resource
from assessments.interpretation import SideValue, from_micrometres
from assessments.models import AssessmentRevision
from assessments.services import COMPENSATION_FIELDS, LUMBAR_FIELDS, NOTE_FIELDS
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from clinic.access import Action, Actor, can
from clinic.csv_writer import csv_bytes
from clinic.dashboard import summary_refresh_on_commit
from clinic.models import (
    Appointment,
    AppointmentResponse,
    AppointmentStatus,
    CalendarFeed,
    Patient,
    PatientAccessLink,
    PatientStatus,
    Reminder,
    ReminderChannel,
    ReminderStatus,
    User,
    WaitlistEntry,
)
from clinic.services import future_appointments_cancel, patient_access_revoke
from exercises.adherence import weekdays_of
from exercises.models import (
    DOSE_FIELDS,
    ExerciseLog,
    PrescriptionItem,
    PrescriptionVersion,
    SessionLog,
)
from exercises.templatetags.routines import dose_text

CODE_BASE = "https://dorsi.example.org/fhir/CodeSystem"
PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

ANONYMISED_FIRST_NAME = "Anonymised"
ANONYMISED_CORRECTION_REASON = "Removed when the patient was anonymised."
ANONYMISED_REMINDER_NOTE = "The patient was anonymised."


# --- Everything about one patient ---------------------------------------------------------------


@dataclass(frozen=True)
class PatientRecord:
    patient: Patient
    revisions: list[AssessmentRevision]  # every revision, corrections included
    versions: list[PrescriptionVersion]
    sessions: list[SessionLog]
    appointments: list[Appointment]
    waitlist: list[WaitlistEntry]
    reminders: list[Reminder]
    links: list[PatientAccessLink]
    feeds: list[CalendarFeed]
    audit_events: list[AuditEvent]

    @property
    def current_revisions(self) -> list[AssessmentRevision]:
        return [revision for revision in self.revisions if revision.is_current]


def patient_record(*, patient: Patient) -> PatientRecord:
    """Everything held about the patient, in a fixed number of queries however long their
    history (each section is one query, its children one prefetch)."""
    revisions = list(
        AssessmentRevision.objects.filter(assessment__patient=patient)
        .select_related("assessment", "measured_by", "recorded_by")
        .order_by("measured_at", "assessment_id", "number")
    )
    versions = list(
        PrescriptionVersion.objects.filter(prescription__patient=patient)
        .select_related("prescription", "created_by")
        .prefetch_related(
            Prefetch("items", queryset=PrescriptionItem.objects.select_related("exercise"))
        )
        .order_by("prescription__created_at", "prescription_id", "number")
    )
    sessions = list(
        SessionLog.objects.filter(patient=patient)
        .select_related("version", "logged_by")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=ExerciseLog.objects.select_related("item__exercise").order_by(
                    "item__position"
                ),
            )
        )
        .order_by("session_date", "slot", "id")
    )
    appointments = list(
        Appointment.objects.filter(patient=patient)
        .select_related("appointment_type", "therapist", "booked_by")
        .order_by("starts_at", "id")
    )
    waitlist = list(
        WaitlistEntry.objects.filter(patient=patient)
        .select_related("appointment_type", "therapist")
        .order_by("created_at", "id")
    )
    reminders = list(Reminder.objects.filter(patient=patient).order_by("due_at", "id"))
    links = list(
        PatientAccessLink.objects.filter(patient=patient)
        .select_related("created_by", "revoked_by")
        .order_by("created_at")
    )
    feeds = list(
        CalendarFeed.objects.filter(patient=patient)
        .select_related("created_by")
        .order_by("created_at")
    )
    audit_events = list(AuditEvent.objects.filter(patient_id=patient.pk).order_by("at", "id"))
    return PatientRecord(
        patient=patient,
        revisions=revisions,
        versions=versions,
        sessions=sessions,
        appointments=appointments,
        waitlist=waitlist,
        reminders=reminders,
        links=links,
        feeds=feeds,
        audit_events=audit_events,
    )


# --- FHIR R4 ------------------------------------------------------------------------------------


def _coding(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": f"{CODE_BASE}/{system}", "code": code, "display": display}]}


def _patient_reference(patient: Patient) -> dict[str, str]:
    return {"reference": f"Patient/{patient.pk}"}


def _practitioner(user: User | None) -> dict[str, str] | None:
    if user is None:
        return None
    return {"reference": f"Practitioner/{user.pk}", "display": str(user)}


def _patient_resource(patient: Patient) -> dict[str, Any]:
    telecom = []
    if patient.email:
        telecom.append({"system": "email", "value": patient.email, "use": "home"})
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone, "use": "mobile"})
    resource = patient_resource(patient)
    if telecom:
        resource["telecom"] = telecom
    return resource


def _observations(record: PatientRecord) -> list[dict[str, Any]]:
    """The knee-to-wall export's Observations, with the therapist's notes added."""
    resources = []
    for revision in record.current_revisions:
        notes = [
            text
            for label, text in (
                ("Hip", revision.hip_notes),
                ("Knee", revision.knee_notes),
                ("", revision.notes),
            )
            for text in [f"{label}: {text}" if label and text else text]
            if text
        ]
        for side in ("left", "right"):
            resource = observation(revision, side)
            if notes:
                resource["note"] = [{"text": text} for text in notes]
            resources.append(resource)
    return resources


_APPOINTMENT_STATUS = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.COMPLETED: "fulfilled",
    AppointmentStatus.NO_SHOW: "noshow",
}


def _appointment_resource(appointment: Appointment, patient: Patient) -> dict[str, Any]:
    answer = {
        AppointmentResponse.CONFIRMED: "accepted",
        AppointmentResponse.RESCHEDULE: "tentative",
    }.get(appointment.patient_response, "needs-action")
    if appointment.status == AppointmentStatus.COMPLETED:
        answer = "accepted"
    appointment_type = appointment.appointment_type
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": f"appointment-{appointment.pk}",
        "status": _APPOINTMENT_STATUS[appointment.status],
        "appointmentType": {
            **_coding(
                "appointment-kind", appointment_type.kind, appointment_type.get_kind_display()
            ),
            "text": appointment_type.name,
        },
        "start": appointment.starts_at.isoformat(),
        "end": appointment.ends_at.isoformat(),
        "created": appointment.created_at.date().isoformat(),
        "participant": [
            {"actor": _patient_reference(patient), "status": answer},
            {"actor": _practitioner(appointment.therapist), "status": "accepted"},
        ],
    }
    if appointment.note:
        resource["comment"] = appointment.note
    return resource


def _waitlist_resource(entry: WaitlistEntry, patient: Patient) -> dict[str, Any]:
    """A waitlist entry is an Appointment with R4's status "waitlist" (no time yet); once
    closed it is "cancelled", pointing at the appointment it became, if any."""
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": f"waitlist-{entry.pk}",
        "status": "waitlist"
        if entry.booked_id is None and entry.removed_at is None
        else "cancelled",
        "appointmentType": {"text": entry.appointment_type.name},
        "created": entry.created_at.date().isoformat(),
        "participant": [{"actor": _patient_reference(patient), "status": "accepted"}],
    }
    if entry.therapist_id:
        resource["participant"].append(
            {"actor": _practitioner(entry.therapist), "status": "needs-action"}
        )
    if entry.note:
        resource["comment"] = entry.note
    if entry.booked_id:
        resource["cancelationReason"] = {"text": "Booked from the waitlist"}
        resource["supportingInformation"] = [
            {"reference": f"Appointment/appointment-{entry.booked_id}"}
        ]
    elif entry.removed_at:
        resource["cancelationReason"] = {"text": "Taken off the waitlist"}
    return resource


def _care_plan_id(version: PrescriptionVersion) -> str:
    return f"routine-{version.prescription_id}-v{version.number}"


def _care_plan_resource(
    version: PrescriptionVersion, patient: Patient, next_start: date | None
) -> dict[str, Any]:
    """One CarePlan per prescription version: a version is what the patient was told to do for
    a period, and a new version replaces the one before (FHIR's `replaces`)."""
    prescription = version.prescription
    in_force = version.is_current and prescription.ended_on is None
    end = next_start or prescription.ended_on
    timing = {
        "repeat": {
            "frequency": version.times_per_day,
            "period": 1,
            "periodUnit": "d",
            "dayOfWeek": [WEEKDAY_CODES[day] for day in weekdays_of(version.days_of_week)],
        }
    }
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": _care_plan_id(version),
        "status": "active" if in_force else "completed",
        "intent": "plan",
        "category": [{"text": "Home exercise programme"}],
        "title": prescription.title,
        "subject": _patient_reference(patient),
        "period": {"start": version.effective_from.isoformat()},
        "created": version.created_at.isoformat(),
        "author": _practitioner(version.created_by),
        "activity": [
            {
                "detail": {
                    "code": {
                        **_coding("exercise", item.exercise.slug, item.exercise.name),
                        "text": item.exercise.name,
                    },
                    "status": "scheduled" if in_force else "completed",
                    "description": dose_text(item),
                    "scheduledTiming": timing,
                }
            }
            for item in version.items.all()
        ],
    }
    if end:
        resource["period"]["end"] = end.isoformat()
    if version.notes:
        resource["description"] = version.notes
    if version.number > 1:
        previous = f"routine-{version.prescription_id}-v{version.number - 1}"
        resource["replaces"] = [{"reference": f"CarePlan/{previous}"}]
    if version.retest_on:
        resource["note"] = [{"text": f"Re-test due {version.retest_on.isoformat()}"}]
    return resource


def _session_resource(session: SessionLog, patient: Patient) -> dict[str, Any]:
    """A session log is a QuestionnaireResponse: it is the patient's answers to the log form
    (done / partly / skipped per exercise, pain, a comment), not a measurement, so an
    Observation per answer would split one report into pieces; `basedOn` ties it to the
    routine version (CarePlan) it followed."""
    items: list[dict[str, Any]] = [
        {
            "linkId": "session-date",
            "text": "Date of the session",
            "answer": [{"valueDate": session.session_date.isoformat()}],
        },
        {
            "linkId": "slot",
            "text": "Session of the day",
            "answer": [{"valueInteger": session.slot}],
        },
    ]
    for entry in session.entries.all():
        items.append(
            {
                "linkId": f"exercise-{entry.item.position}",
                "text": entry.item.exercise.name,
                "answer": [
                    {
                        "valueCoding": {
                            "system": f"{CODE_BASE}/exercise-status",
                            "code": entry.status,
                            "display": entry.get_status_display(),
                        }
                    }
                ],
            }
        )
    if session.pain is not None:
        items.append(
            {
                "linkId": "pain",
                "text": "Pain afterwards (0 none - 10 worst)",
                "answer": [{"valueInteger": session.pain}],
            }
        )
    if session.comment:
        items.append(
            {
                "linkId": "comment",
                "text": "Anything to tell your therapist?",
                "answer": [{"valueString": session.comment}],
            }
        )
    return {
        "resourceType": "QuestionnaireResponse",
        "id": f"session-{session.pk}",
        "basedOn": [{"reference": f"CarePlan/{_care_plan_id(session.version)}"}],
        "status": "completed",
        "subject": _patient_reference(patient),
        "authored": session.logged_at.isoformat(),
        "author": _practitioner(session.logged_by) or _patient_reference(patient),
        "item": items,
    }


_COMMUNICATION_STATUS = {
    ReminderStatus.PENDING: "preparation",
    ReminderStatus.SENDING: "in-progress",
    ReminderStatus.SENT: "completed",
    ReminderStatus.FAILED: "not-done",
    ReminderStatus.CANCELLED: "not-done",
}
_MEDIUM = {
    ReminderChannel.EMAIL: ("EMAILWRIT", "email"),
    ReminderChannel.SMS: ("SMSWRIT", "SMS message"),
}


def _communication_resource(reminder: Reminder, patient: Patient) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Communication",
        "id": f"reminder-{reminder.pk}",
        "status": _COMMUNICATION_STATUS[reminder.status],
        "category": [_coding("reminder-kind", reminder.kind, reminder.get_kind_display())],
        "subject": _patient_reference(patient),
        "recipient": [_patient_reference(patient)],
    }
    if reminder.channel in _MEDIUM:
        code, display = _MEDIUM[reminder.channel]
        resource["medium"] = [
            {"coding": [{"system": PARTICIPATION_MODE, "code": code, "display": display}]}
        ]
    if reminder.appointment_id:
        resource["about"] = [{"reference": f"Appointment/appointment-{reminder.appointment_id}"}]
    if reminder.sent_at:
        resource["sent"] = reminder.sent_at.isoformat()
    if reminder.status in (ReminderStatus.FAILED, ReminderStatus.CANCELLED) and reminder.last_error:
        resource["statusReason"] = {"text": reminder.last_error}
    return resource


def patient_fhir_bundle(record: PatientRecord) -> dict[str, Any]:
    """The record as a FHIR R4 Bundle of type "collection". Personal links, calendar feeds and
    the audit trail are not clinical data and have no place in another clinic's system: they
    are in the CSV export. The Practitioners referenced are added by `collection_bundle`, so
    the Bundle stands alone."""
    patient = record.patient
    next_starts: dict[int, date] = {}
    care_plans = []
    for version in reversed(record.versions):  # newest first, to know when each one ended
        care_plans.append(
            _care_plan_resource(version, patient, next_starts.get(version.prescription_id))
        )
        next_starts[version.prescription_id] = version.effective_from
    resources = [
        _patient_resource(patient),
        *_observations(record),
        *(_appointment_resource(appointment, patient) for appointment in record.appointments),
        *(_waitlist_resource(entry, patient) for entry in record.waitlist),
        *reversed(care_plans),
        *(_session_resource(session, patient) for session in record.sessions),
        *(_communication_resource(reminder, patient) for reminder in record.reminders),
    ]
    return collection_bundle(resources)


# --- CSV ----------------------------------------------------------------------------------------


def _name(user: User | None) -> str:
    return str(user) if user is not None else ""


def patient_csv_files(record: PatientRecord) -> dict[str, bytes]:
    """The record as CSV files by section; times are in the clinic's time zone."""
    patient = record.patient
    zone = patient.clinic.zone
    side_columns = ["cm", "reached", "tibia_angle_deg", "heel_down", "pain"]
    files: dict[str, tuple[list[str], list[list[Any]]]] = {}
    files["patient.csv"] = (
        [
            "patient_id",
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "clinic",
            "primary_therapist",
            "status",
            "discharged_at",
            "anonymised_at",
            "symptomatic_side",
            "reminder_channel",
            "reminder_consent",
            "reminder_consent_at",
            "exercise_reminder_time",
            "registered_at",
            "exported_at",
        ],
        [
            [
                patient.pk,
                patient.first_name,
                patient.last_name,
                patient.date_of_birth,
                patient.email,
                patient.phone,
                patient.clinic.name,
                _name(patient.primary_therapist),
                patient.status,
                patient.discharged_at,
                patient.anonymised_at,
                patient.symptomatic_side,
                patient.reminder_channel,
                patient.reminder_consent,
                patient.reminder_consent_at,
                patient.exercise_reminder_time,
                patient.created_at,
                timezone.now(),
            ]
        ],
    )
    files["assessments.csv"] = (
        [
            "assessment_id",
            "kind",
            "revision",
            "is_current",
            "measured_at",
            "measured_by",
            "entry_unit",
            *(f"left_{column}" for column in side_columns),
            *(f"right_{column}" for column in side_columns),
            *COMPENSATION_FIELDS,
            "symptomatic_side",
            *LUMBAR_FIELDS,
            *NOTE_FIELDS,
            "recorded_by",
            "recorded_at",
            "correction_reason",
        ],
        [
            [
                revision.assessment_id,
                revision.assessment.kind,
                revision.number,
                revision.is_current,
                revision.measured_at,
                _name(revision.measured_by),
                revision.entry_unit,
                *(
                    value
                    for side in ("left", "right")
                    for values in [revision.side(side)]
                    for value in (
                        # No number for a gap that was not measured: an empty cell, not 0.
                        from_micrometres(SideValue.of(revision, side).um, "cm"),
                        values["reached"],
                        values["tibia_angle_deg"],
                        values["heel_down"],
                        values["pain"],
                    )
                ),
                *(getattr(revision, field) for field in COMPENSATION_FIELDS),
                revision.symptomatic_side,
                *(getattr(revision, field) for field in LUMBAR_FIELDS),
                *(getattr(revision, field) for field in NOTE_FIELDS),
                _name(revision.recorded_by) or "patient",
                revision.recorded_at,
                revision.correction_reason,
            ]
            for revision in record.revisions
        ],
    )
    files["routines.csv"] = (
        [
            "prescription_id",
            "title",
            "version",
            "is_current",
            "effective_from",
            "ended_on",
            "times_per_day",
            "days",
            "retest_on",
            "notes",
            "prescribed_by",
            "position",
            "exercise",
            "dose",
            *DOSE_FIELDS,
        ],
        [
            [
                version.prescription_id,
                version.prescription.title,
                version.number,
                version.is_current,
                version.effective_from,
                version.prescription.ended_on,
                version.times_per_day,
                " ".join(WEEKDAY_CODES[day] for day in weekdays_of(version.days_of_week)),
                version.retest_on,
                version.notes,
                _name(version.created_by),
                item.position,
                item.exercise.name,
                dose_text(item),
                *(getattr(item, field) for field in DOSE_FIELDS),
            ]
            for version in record.versions
            for item in version.items.all()
        ],
    )
    files["sessions.csv"] = (
        [
            "session_id",
            "session_date",
            "slot",
            "prescription_id",
            "version",
            "done",
            "partly",
            "skipped",
            "exercises",
            "pain",
            "comment",
            "logged_by",
            "logged_at",
        ],
        [
            [
                session.pk,
                session.session_date,
                session.slot,
                session.version.prescription_id,
                session.version.number,
                *(
                    sum(1 for entry in entries if entry.status == status)
                    for status in ("done", "partly", "skipped")
                ),
                "; ".join(f"{entry.item.exercise.name}: {entry.status}" for entry in entries),
                session.pain,
                session.comment,
                _name(session.logged_by) or "patient",
                session.logged_at,
            ]
            for session in record.sessions
            for entries in [list(session.entries.all())]
        ],
    )
    files["appointments.csv"] = (
        [
            "appointment_id",
            "starts_at",
            "ends_at",
            "type",
            "therapist",
            "status",
            "patient_response",
            "responded_at",
            "note",
            "booked_by",
            "booked_at",
            "cancelled_at",
        ],
        [
            [
                appointment.pk,
                appointment.starts_at,
                appointment.ends_at,
                appointment.appointment_type.name,
                _name(appointment.therapist),
                appointment.status,
                appointment.patient_response,
                appointment.responded_at,
                appointment.note,
                _name(appointment.booked_by),
                appointment.created_at,
                appointment.cancelled_at,
            ]
            for appointment in record.appointments
        ],
    )
    files["waitlist.csv"] = (
        [
            "entry_id",
            "added_at",
            "type",
            "therapist",
            "note",
            "booked_appointment_id",
            "removed_at",
        ],
        [
            [
                entry.pk,
                entry.created_at,
                entry.appointment_type.name,
                _name(entry.therapist) or "any",
                entry.note,
                entry.booked_id,
                entry.removed_at,
            ]
            for entry in record.waitlist
        ],
    )
    files["reminders.csv"] = (
        [
            "reminder_id",
            "kind",
            "channel",
            "due_at",
            "status",
            "attempts",
            "sent_at",
            "appointment_id",
            "last_error",
        ],
        [
            [
                reminder.pk,
                reminder.kind,
                reminder.channel,
                reminder.due_at,
                reminder.status,
                reminder.attempts,
                reminder.sent_at,
                reminder.appointment_id,
                reminder.last_error,
            ]
            for reminder in record.reminders
        ],
    )
    # Which sign-in links and calendar addresses exist, never the secret addresses themselves.
    files["links.csv"] = (
        ["kind", "created_at", "created_by", "expires_at", "revoked_at", "last_opened_at"],
        [
            [
                "personal link",
                link.created_at,
                _name(link.created_by),
                link.expires_at,
                link.revoked_at,
                link.last_opened_at,
            ]
            for link in record.links
        ]
        + [
            ["calendar feed", feed.created_at, _name(feed.created_by), None, feed.revoked_at, None]
            for feed in record.feeds
        ],
    )
    # Who read or changed the record: part of what a patient may ask for. Addresses and browser
    # strings are the staff's personal data, not the patient's, so they stay out.
    files["audit.csv"] = (
        ["at", "who", "role", "action", "what", "object_id", "fields", "note"],
        [
            [
                event.at,
                event.actor_label,
                event.actor_kind,
                event.action,
                event.object_type,
                event.object_id,
                " ".join(event.fields),
                event.note,
            ]
            for event in record.audit_events
        ],
    )
    return {name: csv_bytes(header, rows, zone=zone) for name, (header, rows) in files.items()}


# --- Services -----------------------------------------------------------------------------------


@transaction.atomic
def patient_export_fhir(*, patient: Patient) -> dict[str, Any]:
    """The patient's whole record as a FHIR R4 Bundle; the export is audited."""
    bundle = patient_fhir_bundle(patient_record(patient=patient))
    audit_record(AuditAction.EXPORT, patient=patient, object_type="patient", note="FHIR bundle")
    return bundle


@transaction.atomic
def patient_export_csv(*, patient: Patient) -> bytes:
    """The patient's whole record as a ZIP of CSV files; the export is audited."""
    files = patient_csv_files(patient_record(patient=patient))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(f"patient-{patient.pk}/{name}", content)
    audit_record(AuditAction.EXPORT, patient=patient, object_type="patient", note="CSV")
    return buffer.getvalue()


def _anonymise_clinical_text(patient_id: int) -> None:
    """Free text anyone may have written a name, an address or a story into."""
    revisions = AssessmentRevision.objects.filter(assessment__patient_id=patient_id)
    revisions.update(notes="", hip_notes="", knee_notes="")
    # A correction must keep a reason (a check constraint), so it says why it is gone.
    revisions.filter(number__gt=1).update(correction_reason=ANONYMISED_CORRECTION_REASON)
    revisions.filter(number=1).exclude(correction_reason="").update(correction_reason="")
    SessionLog.objects.filter(patient_id=patient_id).exclude(comment="").update(comment="")
    PrescriptionVersion.objects.filter(prescription__patient_id=patient_id).exclude(
        notes=""
    ).update(notes="")
    Appointment.objects.filter(patient_id=patient_id).exclude(note="").update(note="")
    WaitlistEntry.objects.filter(patient_id=patient_id).exclude(note="").update(note="")


def _anonymise_contact(patient_id: int, *, by: User, now: datetime) -> None:
    """Nothing may reach or sign in as the patient any more."""
    patient_access_revoke(patient_id=patient_id, by=by, now=now)
    # A person who no longer has a name holds no slot in anyone's calendar.
    future_appointments_cancel(patient_id=patient_id, by=by)
    reminders = Reminder.objects.filter(patient_id=patient_id)
    reminders.filter(status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, last_error=ANONYMISED_REMINDER_NOTE
    )
    # Messages are not stored, but a provider's error can quote the address it refused.
    reminders.exclude(last_error__in=["", ANONYMISED_REMINDER_NOTE]).update(last_error="")


@transaction.atomic
def patient_anonymise(*, patient: Patient, by: User) -> Patient:
    """Remove a discharged patient's identity for good; their measurements, routines and
    session logs stay, so the clinic's statistics do not change."""
    if not can(Actor(user=by), Action.ANONYMISE, patient):
        raise PermissionDenied("Only a clinic admin of the patient's clinic may anonymise.")
    # Lock the row and decide on fresh values: a re-activation or a second anonymisation
    # committed since the caller loaded the patient wins.
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    if locked.anonymised_at is not None:
        raise ValidationError({"anonymised_at": "This patient is already anonymised."})
    if locked.status != PatientStatus.DISCHARGED:
        raise ValidationError(
            {"status": "Only a discharged patient can be anonymised: discharge them first."}
        )
    now = timezone.now()
    Patient.objects.filter(pk=locked.pk).update(
        first_name=ANONYMISED_FIRST_NAME,
        last_name=f"patient {locked.pk}",
        email="",
        phone="",
        # The middle of the birth year: ages stay right to within six months.
        date_of_birth=date(locked.date_of_birth.year, 7, 1),
        reminder_channel=ReminderChannel.NONE,
        reminder_consent=False,
        reminder_consent_at=None,
        # The field cannot be empty; the default says nothing about the person's day.
        exercise_reminder_time=Patient._meta.get_field("exercise_reminder_time").default,
        anonymised_at=now,
        updated_at=now,
    )
    _anonymise_clinical_text(locked.pk)
    _anonymise_contact(locked.pk, by=by, now=now)
    audit_record(AuditAction.ANONYMISE, patient=locked, object_type="patient")
    summary_refresh_on_commit(locked.pk)
    return Patient.objects.select_related("clinic", "primary_therapist").get(pk=locked.pk)
