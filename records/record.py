"""Everything Dorsi holds about one patient, loaded in a fixed number of queries: what every
form of the copy is written from."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from assessments.interpretation import Thresholds
from assessments.models import AssessmentRevision
from assessments.selectors import Reading, interpret_history
from audit.models import AuditEvent
from clinic.models import Patient, PatientAccessLink
from exercises.models import (
    ExerciseLog,
    PrescriptionItem,
    PrescriptionVersion,
    SessionLog,
)
from neural.selectors import ExamReading, patient_neural_history
from questionnaires.interpretation import Interpreted
from questionnaires.models import QuestionnaireRequest, QuestionnaireResponse
from questionnaires.selectors import score_interpretations
from reminders.models import Reminder
from reports.models import ProgressReport
from scheduling.models import Appointment, CalendarFeed, WaitlistEntry

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
    questionnaire_requests: list[QuestionnaireRequest]
    questionnaire_responses: list[QuestionnaireResponse]  # in progress and completed
    # Each completed response's interpretation (change since the first and the previous
    # against the MCID), by response id: questionnaires/selectors.py's, never recomputed.
    questionnaire_interpretations: dict[int, Interpreted]
    # Neural tests (SLR, slump) with their interpretation, entered-in-error ones included.
    neural: list[ExamReading]
    # Progress reports, every version (drafts, signed, amendments).
    progress_reports: list[ProgressReport]

    @property
    def current_revisions(self) -> list[AssessmentRevision]:
        return [revision for revision in self.revisions if revision.is_current]

    @property
    def current_readings(self) -> list[Reading]:
        """The current revisions interpreted as the knee-to-wall pages show them (standing,
        change against the MDC), by the one rule that does it; no query."""
        return interpret_history(self.current_revisions, Thresholds.for_clinic(self.patient.clinic))


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
    questionnaire_requests = list(
        QuestionnaireRequest.objects.filter(patient=patient)
        .select_related("instrument", "requested_by", "cancelled_by")
        .order_by("requested_at", "id")
    )
    questionnaire_responses = list(
        QuestionnaireResponse.objects.filter(patient=patient)
        .select_related("instrument", "entered_by")
        .order_by("started_at", "id")
    )
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
        questionnaire_requests=questionnaire_requests,
        questionnaire_responses=questionnaire_responses,
        questionnaire_interpretations=score_interpretations(patient_ids=[patient.pk]),
        neural=patient_neural_history(patient=patient),
        progress_reports=list(
            ProgressReport.objects.filter(patient=patient)
            .select_related("created_by", "signed_by", "amends")
            .order_by("created_at", "id")
        ),
    )
