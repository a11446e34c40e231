"""The re-test rule, in one home (exercises/retest.py), read alike by the due-list, the
dashboard and the reminder planner."""

from datetime import timedelta

import pytest

from clinic import services as clinic_services
from clinic.models import ReminderChannel
from dashboard.flags import Flag
from dashboard.models import PatientSummary
from dashboard.summaries import patient_summaries_refresh
from exercises import services
from exercises.retest import retest_due_dates
from reminders.models import Reminder, ReminderKind
from reminders.planning import reminders_plan
from scheduling.selectors import due_list
from tests.factories import record_knee_to_wall

pytestmark = pytest.mark.django_db


def prescribe(patient, therapist, template, *, exercises: int = 3, **extra):
    return services.routine_assign(
        patient=patient,
        prescribed_by=therapist,
        items=services.template_items(template)[:exercises],
        title="Calf routine",
        **extra,
    )


def test_the_routines_date_wins_else_the_last_test_plus_the_interval(
    patient, other_patient, therapist, exercise_library, clinic
):
    today = clinic.local_now().date()
    record_knee_to_wall(patient, therapist, days_ago=30)
    record_knee_to_wall(patient, therapist, days_ago=10)
    record_knee_to_wall(other_patient, therapist, days_ago=10)
    last_test = (clinic.local_now() - timedelta(days=10)).date()
    assert retest_due_dates([patient, other_patient]) == {
        patient.pk: last_test + timedelta(days=clinic.retest_interval_days),
        other_patient.pk: last_test + timedelta(days=clinic.retest_interval_days),
    }
    prescribe(patient, therapist, exercise_library, retest_on=today + timedelta(days=5))
    # A second routine (other exercises: the same one twice is refused) with its own date.
    prescribe(
        patient, therapist, exercise_library, exercises=2, retest_on=today + timedelta(days=3)
    )
    assert retest_due_dates([patient])[patient.pk] == today + timedelta(days=3)  # earliest


def test_an_ended_routine_or_no_test_leaves_no_date(patient, therapist, exercise_library):
    version = prescribe(patient, therapist, exercise_library)
    services.prescription_end(prescription=version.prescription, ended_by=therapist)
    assert retest_due_dates([patient]) == {}


def test_overdue_by_test_date_is_on_the_due_list_flagged_and_reminded_once(
    patient, therapist, clinic
):
    """The case the planner missed: no routine date, the last clinic test long ago."""
    clinic_services.patient_update(
        patient=patient, reminder_consent=True, reminder_channel=ReminderChannel.EMAIL
    )
    record_knee_to_wall(patient, therapist, days_ago=clinic.retest_interval_days + 9)
    [item] = [row for row in due_list(clinic=clinic) if row.patient == patient]
    assert (item.reason, item.days_overdue) == ("retest", 9)
    patient_summaries_refresh(patient_ids=[patient.pk])
    assert PatientSummary.objects.get(patient=patient).flags & Flag.RETEST_OVERDUE
    reminders_plan()
    reminders_plan()
    [reminder] = Reminder.objects.filter(patient=patient, kind=ReminderKind.RETEST)
    assert reminder.key.startswith(f"retest:{patient.pk}:{item.due_on.isoformat()}:")
