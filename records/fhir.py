"""The patient's record as a FHIR R4 Bundle of type collection, for another clinic's system."""

from __future__ import annotations

from datetime import date
from typing import Any

from assessments.fhir import collection_bundle, observation, patient_resource
from clinic.models import Patient, ReminderChannel, User
from exercises.adherence import weekdays_of
from exercises.models import (
    PrescriptionVersion,
    SessionLog,
)
from exercises.templatetags.routines import dose_text
from records.record import PatientRecord
from reminders.models import Reminder, ReminderStatus
from scheduling.models import Appointment, AppointmentResponse, AppointmentStatus, WaitlistEntry

CODE_BASE = "https://dorsi.example.org/fhir/CodeSystem"
PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

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
