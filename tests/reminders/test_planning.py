"""The periodic planner at scale: set-based reads and writes per chunk, a committed cursor."""

from collections import Counter
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.models import TaskProgress
from exercises import services as exercise_services
from exercises.reminders import ExerciseReminders
from reminders.models import Reminder, ReminderKind, ReminderStatus
from reminders.planning import PLAN_TASK, reminders_plan
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_quiet_hours(clinic):
    clinic.quiet_hours_start = clinic.quiet_hours_end = time(0)
    clinic.save()
    return clinic


def patients_with_routines(count, *, clinic, therapist, library):
    """Consenting patients, each with a daily routine whose re-test falls due tomorrow: an
    exercise reminder a day and a re-test reminder each."""
    today = clinic.local_today()
    patients = []
    for _ in range(count):
        patient = PatientFactory(
            clinic=clinic,
            primary_therapist=therapist,
            reminder_consent=True,
            reminder_consent_at=timezone.now(),
            reminder_channel="email",
        )
        exercise_services.routine_assign(
            patient=patient,
            prescribed_by=therapist,
            items=exercise_services.template_items(library),
            title=library.name,
            start_date=today - timedelta(days=7),
            retest_on=today + timedelta(days=1),
        )
        patients.append(patient)
    return patients


def test_the_planner_runs_as_many_queries_for_60_patients_as_for_10(
    clinic, therapist, exercise_library, no_quiet_hours, django_assert_max_num_queries
):
    patients_with_routines(10, clinic=clinic, therapist=therapist, library=exercise_library)
    with CaptureQueriesContext(connection) as for_ten:
        reminders_plan()
    assert Reminder.objects.filter(kind=ReminderKind.RETEST).count() == 10

    patients_with_routines(50, clinic=clinic, therapist=therapist, library=exercise_library)
    Reminder.objects.all().delete()
    with django_assert_max_num_queries(len(for_ten)):
        planned = reminders_plan()
    per_kind = Counter(Reminder.objects.values_list("kind", flat=True))
    assert per_kind[ReminderKind.RETEST] == 60
    assert per_kind[ReminderKind.EXERCISE] >= 60  # today's (if still ahead) and tomorrow's
    assert per_kind[ReminderKind.DIGEST] == 1  # the therapist's
    assert planned == Reminder.objects.count()


def test_an_interrupted_run_keeps_its_first_chunk_and_the_next_run_completes_it(
    clinic, therapist, exercise_library, no_quiet_hours, monkeypatch
):
    patients = patients_with_routines(
        10, clinic=clinic, therapist=therapist, library=exercise_library
    )
    real_plan = ExerciseReminders.plan_for_patients
    calls = []

    def fails_on_the_second_chunk(self, chunk, **kwargs):
        calls.append(len(chunk))
        if len(calls) == 2:
            raise RuntimeError("the worker stops here")
        return real_plan(self, chunk, **kwargs)

    monkeypatch.setattr(ExerciseReminders, "plan_for_patients", fails_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        reminders_plan(chunk=4)
    first_chunk = {patient.pk for patient in patients[:4]}
    assert set(Reminder.objects.values_list("patient_id", flat=True)) == first_chunk
    assert TaskProgress.objects.get(name=PLAN_TASK).cursor == {
        "phase": "patients",
        "after": patients[3].pk,
    }
    kept = Reminder.objects.count()

    monkeypatch.setattr(ExerciseReminders, "plan_for_patients", real_plan)
    planned = reminders_plan(chunk=4)
    # The next run went on after the chunk kept: it planned only the rest.
    assert planned == Reminder.objects.count() - kept
    rows = Reminder.objects.filter(patient__isnull=False)
    per_patient = Counter(rows.values_list("patient_id", flat=True))
    assert set(per_patient) == {patient.pk for patient in patients}
    assert len(set(per_patient.values())) == 1  # the same reminders for everyone, once each
    before = Reminder.objects.count()
    reminders_plan(chunk=4)
    assert Reminder.objects.count() == before


def test_a_new_reminder_time_re_times_pending_rows_and_leaves_sent_ones(
    clinic, therapist, exercise_library, no_quiet_hours
):
    (patient,) = patients_with_routines(
        1, clinic=clinic, therapist=therapist, library=exercise_library
    )
    now = timezone.now()
    reminders_plan(now=now, days_ahead=3)
    rows = list(Reminder.objects.filter(kind=ReminderKind.EXERCISE).order_by("due_at"))
    assert len(rows) >= 2
    sent, pending = rows[0], rows[-1]
    Reminder.objects.filter(pk=sent.pk).update(status=ReminderStatus.SENT, sent_at=now)
    patient.exercise_reminder_time = time(7, 15)
    patient.save()

    reminders_plan(now=now, days_ahead=3)
    pending.refresh_from_db()
    assert pending.due_at.astimezone(clinic.zone).time() == time(7, 15)
    assert pending.next_attempt_at == pending.due_at
    assert Reminder.objects.get(pk=sent.pk).due_at == sent.due_at  # sent: history, not moved
