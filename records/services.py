"""A patient's data rights: a copy of everything Dorsi holds about them, and anonymisation.

The copy comes in two forms. A FHIR R4 Bundle is for another clinic's system; a ZIP of CSV
files, one per section, is for people: each section has its own columns, so one file per
section opens cleanly in a spreadsheet, where a single wide CSV would be mostly empty cells.

Anonymising keeps what the statistics need (measurements, routines, session logs with their
dates, counts and pain scores, questionnaire answers and scores, the year of birth) and removes
who the patient is: name, contact details, the exact birthday, and the free text in which anyone
may have written something that identifies them (the activities a patient named in a PSFS).
Only a discharged patient can be anonymised, and only once."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import AssessmentRevision
from audit.models import AuditAction
from audit.services import audit_record
from clinic.access import Action, Actor, can
from clinic.changes import patient_data_changed
from clinic.models import Patient, PatientStatus, ReminderChannel, User
from clinic.services import patient_access_revoke
from exercises.models import (
    PrescriptionVersion,
    SessionLog,
)
from neural.models import NeuralExam
from questionnaires.models import QuestionnaireRequest, QuestionnaireResponse, RequestStatus
from records.csv_files import patient_csv_files
from records.fhir import patient_fhir_bundle
from records.record import patient_record
from reminders.models import Reminder, ReminderStatus
from reports.services import reports_anonymise
from scheduling.models import Appointment, WaitlistEntry
from scheduling.services import future_appointments_cancel, patient_calendar_feeds_revoke

ANONYMISED_FIRST_NAME = "Anonymised"
ANONYMISED_CORRECTION_REASON = "Removed when the patient was anonymised."
ANONYMISED_REMINDER_NOTE = "The patient was anonymised."

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
    neural = NeuralExam.objects.filter(patient_id=patient_id)
    neural.exclude(notes="").update(notes="")
    # A record entered in error must keep a reason (a check constraint): it says why it is gone.
    neural.exclude(entered_in_error_reason="").update(
        entered_in_error_reason=ANONYMISED_CORRECTION_REASON
    )
    SessionLog.objects.filter(patient_id=patient_id).exclude(comment="").update(comment="")
    PrescriptionVersion.objects.filter(prescription__patient_id=patient_id).exclude(
        notes=""
    ).update(notes="")
    Appointment.objects.filter(patient_id=patient_id).exclude(note="").change(
        significant=False, note=""
    )
    WaitlistEntry.objects.filter(patient_id=patient_id).exclude(note="").update(note="")
    # The activities a patient named (PSFS) are their own words; the ratings and scores stay.
    QuestionnaireResponse.objects.filter(patient_id=patient_id).exclude(item_labels={}).update(
        item_labels={}
    )
    QuestionnaireRequest.objects.filter(patient_id=patient_id).exclude(message="").update(
        message=""
    )
    # Progress reports: the therapist's words; signed reports too (the one change the
    # database lets through on them).
    reports_anonymise(patient_id=patient_id, reason=ANONYMISED_CORRECTION_REASON)


def _anonymise_contact(patient_id: int, *, by: User, now: datetime) -> None:
    """Nothing may reach or sign in as the patient any more."""
    patient_access_revoke(patient_id=patient_id, by=by, now=now)
    patient_calendar_feeds_revoke(patient_id=patient_id, now=now)
    # A person who no longer has a name holds no slot in anyone's calendar.
    future_appointments_cancel(patient_id=patient_id, by=by)
    reminders = Reminder.objects.filter(patient_id=patient_id)
    reminders.filter(status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, last_error=ANONYMISED_REMINDER_NOTE
    )
    # Messages are not stored, but a provider's error can quote the address it refused.
    reminders.exclude(last_error__in=["", ANONYMISED_REMINDER_NOTE]).update(last_error="")
    # Nobody is left to answer: open questionnaires are withdrawn (answers saved so far stay).
    QuestionnaireRequest.objects.filter(patient_id=patient_id, status=RequestStatus.OPEN).update(
        status=RequestStatus.CANCELLED, closed_at=now, cancelled_by=by
    )


@transaction.atomic
def patient_anonymise(*, patient: Patient, by: User) -> Patient:
    """Remove a discharged patient's identity for good; their measurements, routines and
    session logs stay, so the clinic's statistics do not change."""
    if not can(Actor(user=by), Action.ANONYMISE, patient):
        raise PermissionDenied(_("Only a clinic admin of the patient's clinic may anonymise."))
    # Lock the row and decide on fresh values: a re-activation or a second anonymisation
    # committed since the caller loaded the patient wins.
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    if locked.anonymised_at is not None:
        raise ValidationError({"anonymised_at": _("This patient is already anonymised.")})
    if locked.status != PatientStatus.DISCHARGED:
        raise ValidationError(
            {"status": _("Only a discharged patient can be anonymised: discharge them first.")}
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
    patient_data_changed(locked.pk)
    return Patient.objects.select_related("clinic", "primary_therapist").get(pk=locked.pk)
