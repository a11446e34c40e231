"""Reads of routines, prescriptions, logs and adherence."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from clinic.models import Clinic, Patient
from exercises.adherence import (
    WeekAdherence,
    adherence_by_week,
    schedules_from_versions,
    streak,
)
from exercises.models import (
    Exercise,
    ExerciseLog,
    ExerciseStatus,
    PrescriptionItem,
    PrescriptionVersion,
    RoutineTemplate,
    RoutineTemplateItem,
    SessionLog,
)

ADHERENCE_WEEKS = 5  # this week and the four before it


def exercise_library(*, clinic_id: int, search: str = "") -> QuerySet[Exercise]:
    exercises = Exercise.objects.for_clinic(clinic_id).select_related("based_on")
    for term in search.split():
        exercises = exercises.filter(
            Q(name__icontains=term) | Q(purpose__icontains=term) | Q(instructions__icontains=term)
        )
    return exercises


def routine_templates(*, clinic_id: int) -> QuerySet[RoutineTemplate]:
    return RoutineTemplate.objects.filter(
        Q(clinic__isnull=True) | Q(clinic_id=clinic_id)
    ).prefetch_related(
        Prefetch("items", queryset=RoutineTemplateItem.objects.select_related("exercise"))
    )


def current_versions(*, patient: Patient) -> list[PrescriptionVersion]:
    """The versions in force of the patient's prescriptions that have not ended."""
    return list(
        PrescriptionVersion.objects.filter(
            prescription__patient=patient, is_current=True, prescription__ended_on__isnull=True
        )
        .select_related("prescription", "created_by")
        .prefetch_related(
            Prefetch("items", queryset=PrescriptionItem.objects.select_related("exercise"))
        )
        .order_by("prescription__created_at")
    )


def session_history(*, patient: Patient, limit: int = 60) -> list[SessionLog]:
    return list(
        SessionLog.objects.filter(patient=patient)
        .select_related("version__prescription", "logged_by")
        .prefetch_related(
            Prefetch("entries", queryset=ExerciseLog.objects.select_related("item__exercise"))
        )
        .order_by("-session_date", "-slot")[:limit]
    )


def sessions_logged_on(*, version: PrescriptionVersion, day: date) -> int:
    return SessionLog.objects.filter(version=version, session_date=day).count()


@dataclass(frozen=True)
class Adherence:
    weeks: list[WeekAdherence]  # oldest first; the last is the current week
    streak: int
    done_today: int = 0  # sessions with something done, today in the clinic's zone

    @property
    def this_week(self) -> WeekAdherence:
        return self.weeks[-1]

    @property
    def last_four_weeks(self) -> list[WeekAdherence]:
        return self.weeks[:-1]


def adherence_for_patients(
    *,
    patient_ids: list[int],
    weeks: int = ADHERENCE_WEEKS,
    today: dict[int, date] | None = None,
    clinic_of: dict[int, int] | None = None,
) -> dict[int, Adherence]:
    """Weekly adherence and the streak for many patients, in four queries whatever their number.

    The one place adherence is computed: the patient's page, the therapist's pages, the
    dashboard and the reminders all read it here. `today` maps clinic ids to their local date
    (the default is now in each clinic's zone); `clinic_of` maps patient ids to their clinic ids,
    for callers that already know them (the default looks them up).
    """
    if not patient_ids:
        return {}
    if clinic_of is None:
        clinic_of = dict(Patient.objects.filter(pk__in=patient_ids).values_list("pk", "clinic_id"))
    if today is None:
        clinics = Clinic.objects.filter(pk__in=set(clinic_of.values()))
        today = {clinic.pk: clinic.local_today() for clinic in clinics}
    earliest = min(today.values()) - timedelta(weeks=weeks, days=7)

    rows = PrescriptionVersion.objects.filter(prescription__patient_id__in=patient_ids).values_list(
        "prescription__patient_id",
        "prescription_id",
        "effective_from",
        "times_per_day",
        "days_of_week",
        "prescription__ended_on",
    )
    versions: dict[int, list[tuple]] = defaultdict(list)
    ended: dict[int, date | None] = {}
    for patient_id, prescription_id, starts, times, mask, ended_on in rows:
        versions[patient_id].append((prescription_id, starts, times, mask))
        ended[prescription_id] = ended_on

    did_something = ExerciseLog.objects.filter(
        session=OuterRef("pk"), status__in=[ExerciseStatus.DONE, ExerciseStatus.PARTLY]
    )
    done: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    sessions = (
        SessionLog.objects.filter(patient_id__in=patient_ids, session_date__gte=earliest)
        .filter(Exists(did_something))
        .values_list("patient_id", "session_date")
    )
    for patient_id, day in sessions:
        done[patient_id][day] += 1

    result = {}
    for patient_id in clinic_of:
        schedules = schedules_from_versions(versions.get(patient_id, []), ended)
        local_today = today[clinic_of[patient_id]]
        per_day = done.get(patient_id, {})
        result[patient_id] = Adherence(
            weeks=adherence_by_week(
                schedules=schedules, done_per_day=per_day, today=local_today, weeks=weeks
            ),
            streak=streak(schedules=schedules, done_per_day=per_day, today=local_today),
            done_today=per_day.get(local_today, 0),
        )
    return result


def patient_adherence(*, patient: Patient) -> Adherence:
    """One patient's adherence; two queries when `patient.clinic` is already loaded."""
    return adherence_for_patients(
        patient_ids=[patient.pk],
        today={patient.clinic_id: patient.clinic.local_today()},
        clinic_of={patient.pk: patient.clinic_id},
    )[patient.pk]
