"""The home-exercise reminder: on each day the patient's routine prescribes, at their own
reminder time; not sent once the day's session is logged.

Found by the reminders app when Django is ready (reminders/handlers.py), which sends it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from clinic.models import Patient
from clinic.times import at_local
from exercises.adherence import schedules_from_versions
from exercises.models import PrescriptionVersion, SessionLog
from reminders.handlers import Link, Message, ReminderHandler, reminder_handler
from reminders.models import Reminder, ReminderKind
from reminders.planning import patient_reminder, reminders_upsert

VersionRow = tuple  # (prescription_id, effective_from, times_per_day, days_of_week, ended_on)


def prescription_versions_by_patient(patient_ids: list[int]) -> dict[int, list[VersionRow]]:
    """Every prescription version of these patients, in one query (the planner's chunk)."""
    by_patient: dict[int, list[VersionRow]] = {patient_id: [] for patient_id in patient_ids}
    rows = PrescriptionVersion.objects.filter(prescription__patient_id__in=patient_ids).values_list(
        "prescription__patient_id",
        "prescription_id",
        "effective_from",
        "times_per_day",
        "days_of_week",
        "prescription__ended_on",
    )
    for patient_id, *row in rows:
        by_patient[patient_id].append(tuple(row))
    return by_patient


def exercise_reminder_days(
    *, patient: Patient, versions: list[VersionRow], first: date, days: int
) -> list[datetime]:
    """When the patient's home-exercise reminders fall: their local reminder time on each
    prescribed day (wall-clock time, so the same hour across DST changes)."""
    ended = {row[0]: row[4] for row in versions}
    schedules = schedules_from_versions([row[:4] for row in versions], ended)
    moments = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        if any(schedule.sessions_on(day) for schedule in schedules):
            moments.append(at_local(day, patient.exercise_reminder_time, patient.clinic.zone))
    return moments


@reminder_handler
class ExerciseReminders(ReminderHandler):
    kinds = (ReminderKind.EXERCISE,)

    def plan_for_patients(
        self, patients: list[tuple[Patient, str]], *, now: datetime, days_ahead: int
    ) -> int:
        versions = prescription_versions_by_patient([patient.pk for patient, _ in patients])
        rows = []
        for patient, channel in patients:
            today = patient.clinic.local_today(now)
            for moment in exercise_reminder_days(
                patient=patient, versions=versions[patient.pk], first=today, days=days_ahead
            ):
                if moment <= now:
                    continue
                rows.append(
                    patient_reminder(
                        patient=patient,
                        channel=channel,
                        kind=ReminderKind.EXERCISE,
                        slot=patient.clinic.local_date(moment).isoformat(),
                        moment=moment,
                    )
                )
        return reminders_upsert(rows)

    def why_not(self, reminder: Reminder, now: datetime) -> str | None:
        day = reminder.key.split(":")[2]  # the key names the local day it is for
        if SessionLog.objects.filter(patient_id=reminder.patient_id, session_date=day).exists():
            return "Today's session is already logged."
        return None

    def why_not_many(self, reminders: list[Reminder], now: datetime) -> dict[int, str]:
        days = {r.pk: date.fromisoformat(r.key.split(":")[2]) for r in reminders}
        logged = set(
            SessionLog.objects.filter(
                patient_id__in={r.patient_id for r in reminders},
                session_date__in=set(days.values()),
            ).values_list("patient_id", "session_date")
        )
        return {
            r.pk: "Today's session is already logged."
            for r in reminders
            if (r.patient_id, days[r.pk]) in logged
        }

    def message(self, reminder: Reminder) -> Message:
        link = settings.SITE_URL + reverse("patient-home")
        return Message(
            _("Time for your calf routine"),
            _(
                "About ten minutes: your routine is on your page. Open it with your personal "
                "link if you are not signed in on this device."
            ),
            links=(Link(_("Open your routine"), link, _("Your page")),),
            sms=_("time for your calf routine, about ten minutes."),
        )
