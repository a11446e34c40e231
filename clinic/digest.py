"""The therapist's daily digest: which of their patients need attention, in plain lines."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from clinic.models import Patient, PatientStatus, Reminder, ReminderStatus, User

PAIN_FLAG = 7
ADHERENCE_FLAG = 50  # percent


def digest_lines(*, therapist: User) -> list[str]:
    from assessments.interpretation import ChangeClass
    from assessments.selectors import patient_readings
    from exercises.models import PrescriptionVersion, SessionLog
    from exercises.selectors import adherence_for_patients

    patients = list(
        Patient.objects.filter(primary_therapist=therapist, status=PatientStatus.ACTIVE)
    )
    if not patients:
        return []
    today = therapist.clinic.local_now().date()
    adherence = adherence_for_patients(patient_ids=[p.pk for p in patients])
    lines = []
    for patient in patients:
        flags = []
        week = adherence[patient.pk].this_week
        if week.prescribed and week.percent is not None and week.percent < ADHERENCE_FLAG:
            flags.append(f"adherence {week.percent}% this week")
        last = (
            SessionLog.objects.filter(patient=patient, pain__isnull=False)
            .order_by("-session_date", "-slot")
            .first()
        )
        if last and last.pain >= PAIN_FLAG and last.session_date >= today - timedelta(days=7):
            flags.append(f"pain {last.pain}/10 on {last.session_date:%-d %b}")
        if PrescriptionVersion.objects.filter(
            prescription__patient=patient,
            is_current=True,
            prescription__ended_on__isnull=True,
            retest_on__lt=today,
        ).exists():
            flags.append("re-test overdue")
        readings = [r for r in patient_readings(patient=patient) if not r.is_self_test]
        if readings and any(
            side.since_baseline and side.since_baseline.classification == ChangeClass.WORSE
            for side in readings[-1].sides
        ):
            flags.append("knee-to-wall worse beyond the MDC")
        if Reminder.objects.filter(
            patient=patient,
            status=ReminderStatus.FAILED,
            created_at__gte=timezone.now() - timedelta(days=7),
        ).exists():
            flags.append("a reminder failed")
        if flags:
            lines.append(f"{patient.full_name}: {', '.join(flags)}")
    return lines
