"""The patient's record as CSV files, one per section: each section has its own columns, so one
file per section opens cleanly in a spreadsheet, where a single wide CSV would be mostly
empty cells."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from assessments.interpretation import SideValue, from_micrometres
from assessments.services import COMPENSATION_FIELDS, LUMBAR_FIELDS, NOTE_FIELDS
from clinic.csv_writer import csv_bytes
from clinic.models import User
from exercises.adherence import weekdays_of
from exercises.models import DOSE_FIELDS
from exercises.templatetags.routines import dose_text
from neural.services import SLR_FIELDS, SLUMP_FIELDS
from questionnaires.interpretation import Change
from records.csv_columns import columns_section
from records.fhir import WEEKDAY_CODES
from records.record import PatientRecord

Section = tuple[list[str], list[list[Any]]]
"""A CSV file's header and rows."""

_SIDE_COLUMNS = [
    "cm",
    "reached",
    "tibia_angle_deg",
    "angle_method",
    "angle_spread_deg",
    "heel_down",
    "pain",
]


def _name(user: User | None) -> str:
    return str(user) if user is not None else ""


def patient_csv_files(record: PatientRecord) -> dict[str, bytes]:
    """The record as CSV files by section, and `columns.csv` saying what each column means
    (moments in UTC, as in every CSV Dorsi writes)."""
    sections: dict[str, Section] = {
        "patient.csv": _patient_section(record),
        "assessments.csv": _assessments_section(record),
        "neural_tests.csv": _neural_section(record),
        "routines.csv": _routines_section(record),
        "sessions.csv": _sessions_section(record),
        "appointments.csv": _appointments_section(record),
        "waitlist.csv": _waitlist_section(record),
        "reminders.csv": _reminders_section(record),
        "links.csv": _links_section(record),
        "questionnaire_requests.csv": _questionnaire_requests_section(record),
        "questionnaire_answers.csv": _questionnaire_answers_section(record),
        "progress_reports.csv": _progress_reports_section(record),
        "audit.csv": _audit_section(record),
        "columns.csv": columns_section(),
    }
    return {name: csv_bytes(header, rows) for name, (header, rows) in sections.items()}


def _patient_section(record: PatientRecord) -> Section:
    patient = record.patient
    return (
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
            "preferred_language",
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
                patient.preferred_language,
                patient.created_at,
                timezone.now(),
            ]
        ],
    )


def _assessments_section(record: PatientRecord) -> Section:
    return (
        [
            "assessment_id",
            "kind",
            "revision",
            "is_current",
            "measured_at",
            "measured_by",
            "entry_unit",
            *(f"left_{column}" for column in _SIDE_COLUMNS),
            *(f"right_{column}" for column in _SIDE_COLUMNS),
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
                        values["angle_method"],
                        values["angle_spread_deg"],
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


def _neural_section(record: PatientRecord) -> Section:
    """One row per test and side; an SLR without symptoms has an empty onset angle, never 0."""
    return (
        [
            "exam_id",
            "measured_at",
            "measured_by",
            "assessment_id",
            "test",
            "side",
            "symptoms",
            *SLR_FIELDS,
            *SLUMP_FIELDS,
            "finding",
            "interpretation",
            "onset_change_since_first",
            "notes",
            "recorded_by",
            "recorded_at",
            "entered_in_error_at",
            "entered_in_error_reason",
        ],
        [
            [
                reading.exam.pk,
                reading.exam.measured_at,
                _name(reading.exam.measured_by),
                reading.exam.assessment_id,
                item.result.test,
                item.result.side,
                item.result.symptoms,
                *(getattr(item.result, field) for field in SLR_FIELDS),
                *(getattr(item.result, field) for field in SLUMP_FIELDS),
                item.interpretation.finding,
                item.interpretation.text,
                item.since_first,
                reading.exam.notes,
                _name(reading.exam.recorded_by),
                reading.exam.recorded_at,
                reading.exam.entered_in_error_at,
                reading.exam.entered_in_error_reason,
            ]
            for reading in record.neural
            for item in reading.results
        ],
    )


def _routines_section(record: PatientRecord) -> Section:
    return (
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


def _sessions_section(record: PatientRecord) -> Section:
    return (
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


def _questionnaire_requests_section(record: PatientRecord) -> Section:
    return (
        [
            "request_id",
            "questionnaire",
            "version",
            "reason",
            "requested_by",
            "requested_at",
            "due_on",
            "message",
            "status",
            "closed_at",
            "cancelled_by",
        ],
        [
            [
                request.pk,
                request.instrument.name,
                request.instrument.version,
                request.reason,
                _name(request.requested_by) or "the clinic's schedule",
                request.requested_at,
                request.due_on,
                request.message,
                request.status,
                request.closed_at,
                _name(request.cancelled_by),
            ]
            for request in record.questionnaire_requests
        ],
    )


def _change(change: Change | None) -> str:
    return str(change.classification) if change is not None else ""


def _questionnaire_answers_section(record: PatientRecord) -> Section:
    return (
        [
            "response_id",
            "request_id",
            "questionnaire",
            "version",
            "started_at",
            "completed_at",
            "entered_by",
            "total",
            "score_valid",
            "missing_items",
            "score_min",
            "score_max",
            "better",
            "change_since_first",
            "change_since_previous",
            "answers",
            "activities_named",
        ],
        [
            [
                response.pk,
                response.request_id,
                response.instrument.name,
                response.instrument_version,
                response.started_at,
                response.completed_at,
                _name(response.entered_by) or ("patient" if response.is_completed else ""),
                response.total,
                response.score_valid if response.is_completed else None,
                response.missing_items,
                response.score_min,
                response.score_max,
                response.definition.get("better", ""),
                _change(interpreted.since_first if interpreted else None),
                _change(interpreted.since_previous if interpreted else None),
                "; ".join(f"{item}: {value}" for item, value in response.answers.items()),
                "; ".join(f"{item}: {name}" for item, name in response.item_labels.items()),
            ]
            for response in record.questionnaire_responses
            for interpreted in [record.questionnaire_interpretations.get(response.pk)]
        ],
    )


def _appointments_section(record: PatientRecord) -> Section:
    return (
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


def _progress_reports_section(record: PatientRecord) -> Section:
    return (
        [
            "report_id",
            "version",
            "amends_report_id",
            "amendment_reason",
            "status",
            "period_start",
            "period_end",
            "drafted_at",
            "drafted_by",
            "signed_at",
            "signed_by",
            "goals",
            "assessment",
            "plan",
            "record_drafted",
        ],
        [
            [
                report.pk,
                report.version,
                report.amends_id,
                report.amendment_reason,
                report.status,
                report.period_start,
                report.period_end,
                report.created_at,
                _name(report.created_by),
                report.signed_at,
                _name(report.signed_by),
                report.goals,
                report.assessment,
                report.plan,
                json.dumps(report.facts, ensure_ascii=False, sort_keys=True),
            ]
            for report in record.progress_reports
        ],
    )


def _waitlist_section(record: PatientRecord) -> Section:
    return (
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


def _reminders_section(record: PatientRecord) -> Section:
    return (
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


def _links_section(record: PatientRecord) -> Section:
    """Which sign-in links and calendar addresses exist, never the secret addresses themselves."""
    return (
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


def _audit_section(record: PatientRecord) -> Section:
    """Who read or changed the record: part of what a patient may ask for. Addresses and browser
    strings are the staff's personal data, not the patient's, so they stay out."""
    return (
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
