"""The patient's record as a FHIR R4 Bundle of type collection, for another clinic's system."""

from __future__ import annotations

from datetime import date
from typing import Any

from assessments.fhir import (
    angle_observation,
    collection_bundle,
    observation,
    patient_resource,
)
from assessments.fhir_codes import (
    APPOINTMENT_KIND,
    APPOINTMENT_REASON,
    EXERCISE,
    EXERCISE_STATUS,
    PARTICIPATION_MODE,
    REMINDER_KIND,
)
from assessments.interpretation import Thresholds
from clinic.models import Patient, ReminderChannel, User
from clinic.times import export_datetime
from exercises.adherence import weekdays_of
from exercises.models import (
    Exercise,
    PrescriptionVersion,
    SessionLog,
)
from exercises.templatetags.routines import dose_text
from neural.fhir import neural_observations
from records.questionnaire_fhir import questionnaire_resources
from records.record import PatientRecord
from reminders.models import Reminder, ReminderStatus
from scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentResponse,
    AppointmentStatus,
    AppointmentType,
    WaitlistEntry,
)

WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# --- FHIR R4 ------------------------------------------------------------------------------------


def _coding(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}]}


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
    if patient.preferred_language:
        # BCP 47, the code system FHIR names for a language (Patient.communication).
        resource["communication"] = [
            {
                "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": patient.preferred_language}]
                },
                "preferred": True,
            }
        ]
    return resource


def _observations(record: PatientRecord) -> list[dict[str, Any]]:
    """The knee-to-wall export's Observations, with the therapist's notes added."""
    resources = []
    thresholds = Thresholds.for_clinic(record.patient.clinic)
    for reading in record.current_readings:
        revision = reading.revision
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
            resource = observation(reading, side, thresholds)
            # The therapist's own words first, then what Dorsi concluded (observation()).
            therapist_notes = [{"text": text} for text in notes]
            if therapist_notes or "note" in resource:
                resource["note"] = [*therapist_notes, *resource.get("note", [])]
            resources.append(resource)
        for side in ("left", "right"):
            angle = angle_observation(reading, side)
            if angle is not None:
                resources.append(angle)
    return resources


_APPOINTMENT_STATUS = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.COMPLETED: "fulfilled",
    AppointmentStatus.NO_SHOW: "noshow",
}


# HL7 v2 table 0276 (Appointment.appointmentType's preferred codes) where one fits: it has no
# "initial assessment", whose nearest is its default, ROUTINE; a re-test follows up earlier visits.
_APPOINTMENT_REASON = {
    AppointmentKind.INITIAL: ("ROUTINE", "Routine appointment - default if not valued"),
    AppointmentKind.FOLLOW_UP: ("FOLLOWUP", "A follow up visit from a previous appointment"),
    AppointmentKind.RETEST: ("FOLLOWUP", "A follow up visit from a previous appointment"),
}


def _appointment_type(appointment_type: AppointmentType) -> dict[str, Any]:
    code, display = _APPOINTMENT_REASON[appointment_type.kind]
    return {
        "coding": [
            {"system": APPOINTMENT_REASON, "code": code, "display": display},
            {
                "system": APPOINTMENT_KIND,
                "code": appointment_type.kind,
                "display": appointment_type.get_kind_display(),
            },
        ],
        "text": appointment_type.name,
    }


def _appointment_resource(appointment: Appointment, patient: Patient) -> dict[str, Any]:
    answer = {
        AppointmentResponse.CONFIRMED: "accepted",
        AppointmentResponse.RESCHEDULE: "tentative",
    }.get(appointment.patient_response, "needs-action")
    if appointment.status == AppointmentStatus.COMPLETED:
        answer = "accepted"
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": f"appointment-{appointment.pk}",
        "status": _APPOINTMENT_STATUS[appointment.status],
        "appointmentType": _appointment_type(appointment.appointment_type),
        "start": export_datetime(appointment.starts_at),
        "end": export_datetime(appointment.ends_at),
        "created": export_datetime(appointment.created_at),
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
        "appointmentType": _appointment_type(entry.appointment_type),
        "created": export_datetime(entry.created_at),
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


def _exercise_code(exercise: Exercise) -> dict[str, Any]:
    """A library exercise is coded by its slug; a clinic's own is named only: its slug is
    unique within that clinic, so it would mean different exercises in different clinics."""
    if exercise.clinic_id is None:
        return {**_coding(EXERCISE, exercise.slug, exercise.name), "text": exercise.name}
    return {"text": exercise.name}


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
        "created": export_datetime(version.created_at),
        "author": _practitioner(version.created_by),
        "activity": [
            {
                "detail": {
                    "code": _exercise_code(item.exercise),
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
                            "system": EXERCISE_STATUS,
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
        "authored": export_datetime(session.logged_at),
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
        "category": [_coding(REMINDER_KIND, reminder.kind, reminder.get_kind_display())],
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
        resource["sent"] = export_datetime(reminder.sent_at)
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
        *neural_observations(record.neural),
        *(_appointment_resource(appointment, patient) for appointment in record.appointments),
        *(_waitlist_resource(entry, patient) for entry in record.waitlist),
        *reversed(care_plans),
        *(_session_resource(session, patient) for session in record.sessions),
        *(_communication_resource(reminder, patient) for reminder in record.reminders),
        *questionnaire_resources(
            record.questionnaire_responses, patient, record.questionnaire_interpretations
        ),
    ]
    return collection_bundle(resources)
