"""The periodic planner of the clinics' questionnaire schedules (questionnaires/schedule.py).

It lives here, above both, because the schedule reads facts of two layers that the
questionnaires app may not import: when a patient's knee-to-wall re-test is due
(exercises.retest, the rule the due-list, the dashboard and the re-test reminder read) and how
many visits they attended (this app's appointments). It gathers those for a chunk of patients
in a fixed number of queries and hands them to the schedule, which asks through
request_create. A beat task (scheduling.tasks.questionnaires_plan) runs it every
REMINDER_PLAN_SECONDS; the reminder planner then reminds the patient of each open request
(questionnaires/reminders.py).

Like the reminder planner, it works through the patients in chunks of REMINDER_PLAN_CHUNK,
each committed with its cursor (a TaskProgress row), so a run stopped by its time limit keeps
what it did and the next run goes on; running a chunk twice asks nothing new.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinic.models import Patient, PatientStatus, TaskProgress
from exercises.retest import retest_due_dates
from questionnaires.schedule import (
    PatientFacts,
    clinics_with_a_schedule,
    scheduled_requests_create,
)
from scheduling.models import Appointment, AppointmentStatus

PLAN_TASK = "scheduling.tasks.questionnaires_plan"


def patient_facts(patients: list[Patient], *, now: datetime) -> list[PatientFacts]:
    """Each patient's re-test due date and attended visits: three queries for the chunk."""
    due = retest_due_dates(patients)
    visits: dict[int, list[datetime]] = defaultdict(list)
    for patient_id, starts_at in (
        Appointment.objects.filter(
            patient_id__in=[patient.pk for patient in patients],
            status=AppointmentStatus.COMPLETED,
            starts_at__lte=now,
        )
        .order_by("starts_at")
        .values_list("patient_id", "starts_at")
    ):
        visits[patient_id].append(starts_at)
    return [
        PatientFacts(
            patient=patient, retest_due_on=due.get(patient.pk), visits=tuple(visits[patient.pk])
        )
        for patient in patients
    ]


def _plan_chunk(progress: TaskProgress, *, clinic_ids: list[int], now: datetime, size: int) -> int:
    after = progress.cursor.get("after", 0)
    patients = list(
        Patient.objects.filter(
            pk__gt=after,
            clinic_id__in=clinic_ids,
            status=PatientStatus.ACTIVE,
            anonymised_at__isnull=True,
        )
        .select_related("clinic")
        .order_by("pk")[:size]
    )
    if not patients:
        progress.cursor = {}
        progress.completed_at = timezone.now()
        return 0
    progress.cursor = {"after": patients[-1].pk}
    return scheduled_requests_create(patient_facts(patients, now=now), now=now)


def questionnaires_plan(*, now: datetime | None = None, chunk: int | None = None) -> int:
    """Ask every active patient of a clinic with a schedule for what it wants now, chunk by
    chunk; returns how many requests this run made."""
    now = now or timezone.now()
    size = chunk or settings.REMINDER_PLAN_CHUNK
    clinic_ids = clinics_with_a_schedule()
    created = 0
    while True:
        with transaction.atomic():
            progress, _ = TaskProgress.objects.select_for_update().get_or_create(name=PLAN_TASK)
            created += _plan_chunk(progress, clinic_ids=clinic_ids, now=now, size=size)
            progress.save(update_fields=["cursor", "completed_at"])
        if not progress.cursor:
            return created
