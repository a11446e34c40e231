"""When a progress report is due: the one home of the rule.

Completed visits are counted per episode of care, since the latest of: the patient's intake
(registration), their latest re-activation, and their latest signed progress report. A report
is due at the clinic's number of visits (10 by default) and due soon from its warning visit (the
8th). Booked, cancelled and missed (no-show) visits do not count.

Dorsi keeps no episode table: a discharge and a re-activation change the patient's row, and the
audit trail records each change with the fields it touched. The latest change of
`discharged_at` of a patient in care is therefore their latest re-activation, for patients
re-activated before this rule existed too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max
from django.utils.translation import gettext as _

from audit.models import AuditAction, AuditEvent
from clinic.models import Clinic, Patient
from reports.models import ProgressReport, ReportSettings, ReportStatus
from scheduling.models import Appointment, AppointmentStatus
from scheduling.selectors import DueItem

DUE = "due"
DUE_SOON = "soon"


@dataclass(frozen=True)
class ReportRule:
    every: int = 10
    warn_from: int = 8

    @classmethod
    def for_clinic(cls, clinic_id: int) -> ReportRule:
        row = ReportSettings.objects.filter(clinic_id=clinic_id).first()
        return cls(row.visits_per_report, row.warn_from_visit) if row else cls()


@dataclass(frozen=True)
class ReportCount:
    visits: int  # completed visits since the count last restarted
    since: datetime  # when it restarted: intake, re-activation or a signed report
    rule: ReportRule

    @property
    def state(self) -> str:
        """'due', 'soon' or '' (nothing to do yet)."""
        if self.visits >= self.rule.every:
            return DUE
        if self.visits >= self.rule.warn_from:
            return DUE_SOON
        return ""

    @property
    def words(self) -> str:
        if self.state == DUE:
            return _("progress report due (%(visits)s visits)") % {"visits": self.visits}
        if self.state == DUE_SOON:
            return _("progress report due at visit %(every)s (%(visits)s so far)") % {
                "every": self.rule.every,
                "visits": self.visits,
            }
        return _("%(visits)s of %(every)s visits before the next progress report") % {
            "visits": self.visits,
            "every": self.rule.every,
        }


def episode_starts(patients: list[Patient]) -> dict[int, datetime]:
    """When each patient's current episode of care began: intake or the latest re-activation."""
    starts = {patient.pk: patient.created_at for patient in patients}
    events = AuditEvent.objects.filter(
        patient_id__in=list(starts), object_type="patient", action=AuditAction.UPDATE
    ).values_list("patient_id", "at", "fields")
    for patient_id, at, fields in events:
        if "discharged_at" in (fields or ()) and at > starts[patient_id]:
            starts[patient_id] = at
    return starts


def report_counts(patients: list[Patient]) -> dict[int, ReportCount]:
    """The count of each patient, in four queries whatever their number."""
    if not patients:
        return {}
    ids = [patient.pk for patient in patients]
    since = episode_starts(patients)
    signed = (
        ProgressReport.objects.filter(patient_id__in=ids, status=ReportStatus.SIGNED)
        .values("patient_id")
        .annotate(last=Max("signed_at"))
        .values_list("patient_id", "last")
    )
    for patient_id, last in signed:
        since[patient_id] = max(since[patient_id], last)
    rules = {
        row.clinic_id: ReportRule(row.visits_per_report, row.warn_from_visit)
        for row in ReportSettings.objects.filter(
            clinic_id__in={patient.clinic_id for patient in patients}
        )
    }
    visits = dict.fromkeys(ids, 0)
    completed = Appointment.objects.filter(
        patient_id__in=ids, status=AppointmentStatus.COMPLETED
    ).values_list("patient_id", "starts_at")
    for patient_id, starts_at in completed:
        if starts_at > since[patient_id]:
            visits[patient_id] += 1
    return {
        patient.pk: ReportCount(
            visits=visits[patient.pk],
            since=since[patient.pk],
            rule=rules.get(patient.clinic_id, ReportRule()),
        )
        for patient in patients
    }


def report_count(patient: Patient) -> ReportCount:
    return report_counts([patient])[patient.pk]


def progress_reports_due_items(clinic: Clinic) -> list[DueItem]:
    """The due-list's rows: patients in care due a report (or due one soon).

    Only patients with visits enough in all (`completed_visits`, kept on their row by
    scheduling) can have enough in this episode: the others are never read, so the list
    costs the same in a clinic of 100 patients or 100,000."""
    rule = ReportRule.for_clinic(clinic.pk)
    patients = list(
        Patient.objects.filter(clinic=clinic)
        .active()
        .filter(completed_visits__gte=min(rule.every, rule.warn_from))
        .select_related("primary_therapist")
    )
    today = clinic.local_today()
    counts = report_counts(patients)
    items = []
    for patient in patients:
        count = counts[patient.pk]
        if count.state:
            reason = "progress_report" if count.state == DUE else "progress_report_soon"
            items.append(DueItem(patient, reason, today, 0, note=count.words))
    return items
