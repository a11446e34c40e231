"""When a patient's knee-to-wall re-test is due: the one rule that the due-list, the dashboard's
flag and the reminder planner all read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import Max

from assessments.models import AssessmentKind, AssessmentRevision
from clinic.models import Patient
from exercises.models import PrescriptionVersion


def retest_due_dates(patients: Iterable[Patient]) -> dict[int, date]:
    """Each patient's re-test date, by patient id: the re-test date of their current routine
    (the earliest, if several are active), else their last clinic test plus the clinic's
    re-test interval, in the clinic's local days. A patient with neither is left out.

    Two queries whatever the number of patients; each patient's clinic must be loaded.
    """
    by_id = {patient.pk: patient for patient in patients}
    due: dict[int, date] = {}
    for patient_id, day in (
        PrescriptionVersion.objects.filter(
            prescription__patient_id__in=by_id,
            is_current=True,
            prescription__ended_on__isnull=True,
            retest_on__isnull=False,
        )
        .order_by("retest_on")
        .values_list("prescription__patient_id", "retest_on")
    ):
        due.setdefault(patient_id, day)
    without_date = [patient_id for patient_id in by_id if patient_id not in due]
    if without_date:
        last_tests = (
            AssessmentRevision.objects.filter(
                assessment__patient_id__in=without_date,
                assessment__kind=AssessmentKind.CLINIC,
                is_current=True,
            )
            .values_list("assessment__patient_id")
            .annotate(last=Max("measured_at"))
        )
        for patient_id, measured_at in last_tests:
            clinic = by_id[patient_id].clinic
            tested = clinic.local_date(measured_at)
            due[patient_id] = tested + timedelta(days=clinic.retest_interval_days)
    return due
