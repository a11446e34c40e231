"""Background-work benchmark (issue 19, goal 2): the reminder planner and the dashboard's ageing.

    DATABASE_URL=postgres://.../dorsi_bench .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python bench/background.py --patients 10000

Seeds the bench clinic of that size with `manage.py bench_data` if it is not there, and lets
its patients agree to email reminders (bench_data writes none). Then, in one run:

- the planner from cold (no reminder planned, no cursor): time, SQL statements, peak Python
  memory (tracemalloc, in a second cold run so it does not slow the timed one); then a second,
  warm pass (everything already planned: what every run after the first costs);
- the same cold plan with the rows written one at a time, as the planner did before
  (get_or_create per reminder), unless --no-baseline;
- the ageing of every summary row in the database: the day pass (tomorrow, as after local
  midnight), an hourly pass an hour later, and the full refresh the hourly task ran before
  (the baseline), at the same moment.

Goals: the planner "well under a minute" at 100,000 patients with statements that do not grow
per patient and flat memory; the ageing at most 30 s at 100,000 patients.
"""

import argparse
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings

# As a worker runs: with DEBUG on (a development .env), Django keeps every statement's SQL.
settings.DEBUG = False

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

import dashboard.reminders
import exercises.reminders
import questionnaires.reminders
import scheduling.reminders
from clinic.models import Clinic, Patient, ReminderChannel, TaskProgress
from dashboard.models import PatientSummary
from dashboard.summaries import patient_summaries_age, patient_summaries_refresh
from reminders.models import Reminder, ReminderStatus
from reminders.planning import PLAN_TASK, PlannedReminder, reminders_plan

HANDLER_MODULES = (exercises.reminders, scheduling.reminders, questionnaires.reminders)


class Statements:
    """Counts the SQL statements run, without keeping them (CaptureQueriesContext would)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(work: Callable[[], object]) -> tuple[float, int, object]:
    counter = Statements()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
    return seconds, counter.count, result


def peak_memory(work: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def one_at_a_time(rows: list[PlannedReminder]) -> int:
    """How the planner wrote before issue 19: a get_or_create (SELECT, then SAVEPOINT, INSERT,
    RELEASE) per reminder, and an UPDATE for a pending one whose moment moved."""
    count = 0
    for row in rows:
        fields = {
            "kind": row.kind,
            "clinic_id": row.clinic_id,
            "channel": row.channel,
            "patient_id": row.patient_id,
            "staff_id": row.staff_id,
        }
        reminder, created = Reminder.objects.get_or_create(
            key=row.key, defaults={"due_at": row.due_at, "next_attempt_at": row.due_at, **fields}
        )
        moved = reminder.due_at != row.due_at
        if not created and reminder.status == ReminderStatus.PENDING and moved:
            Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.PENDING).update(
                due_at=row.due_at, next_attempt_at=row.due_at
            )
        count += 1
    return count


def cold(clinic: Clinic) -> None:
    """No reminder of the clinic planned, no cursor: the first run's work."""
    Reminder.objects.filter(clinic=clinic).delete()
    TaskProgress.objects.filter(name=PLAN_TASK).delete()


def consent(clinic: Clinic) -> None:
    """This clinic's patients agree to email reminders; the other bench clinics' do not, so
    the planner's work is this clinic's."""
    Patient.objects.filter(clinic__name__startswith="Bench ").exclude(clinic=clinic).update(
        reminder_consent=False
    )
    Patient.objects.filter(clinic=clinic, reminder_consent=False).update(
        reminder_consent=True,
        reminder_consent_at=timezone.now(),
        reminder_channel=ReminderChannel.EMAIL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    size = args.patients
    name = f"Bench {size}"
    if not Clinic.objects.filter(name=name).exists():
        started = time.perf_counter()
        call_command("bench_data", patients=size)
        print(f"seeded {size} patients in {time.perf_counter() - started:.0f} s")
    clinic = Clinic.objects.get(name=name)
    consent(clinic)
    everyone = Patient.objects.count()
    print(f"{name}: {size} patients ({everyone} in the database), {connection.vendor}")
    everyone = size

    cold(clinic)
    seconds, statements, planned = timed(reminders_plan)
    print(
        f"planner, cold:   {seconds:7.2f} s, {statements:7d} statements "
        f"({statements / everyone:.2f} a patient), {planned} reminders"
    )
    seconds, statements, _ = timed(reminders_plan)
    print(f"planner, warm:   {seconds:7.2f} s, {statements:7d} statements (all planned already)")
    cold(clinic)
    print(f"planner, peak Python memory (cold run): {peak_memory(reminders_plan):.1f} MB")

    if not args.no_baseline:
        cold(clinic)
        saved = {module: module.reminders_upsert for module in HANDLER_MODULES}
        saved_digest = dashboard.reminders.reminders_upsert
        try:
            for module in HANDLER_MODULES:
                module.reminders_upsert = one_at_a_time
            dashboard.reminders.reminders_upsert = one_at_a_time
            seconds, statements, planned = timed(reminders_plan)
        finally:
            for module, function in saved.items():
                module.reminders_upsert = function
            dashboard.reminders.reminders_upsert = saved_digest
        print(
            f"planner, cold, one row at a time (before): {seconds:7.2f} s, {statements:7d} "
            f"statements ({statements / everyone:.2f} a patient)"
        )

    # The ageing works on every summary row in the database (every bench clinic).
    rows = PatientSummary.objects.count()
    tomorrow = timezone.now() + timedelta(days=1)
    patient_summaries_age()  # aged today, as the hourly task leaves it
    seconds, statements, changed = timed(lambda: patient_summaries_age(now=tomorrow))
    print(
        f"ageing, new day: {seconds:7.2f} s, {statements:7d} statements, {rows} rows, "
        f"{changed} changed (every clinic's day moved)"
    )
    seconds, statements, changed = timed(
        lambda: patient_summaries_age(now=tomorrow + timedelta(hours=1))
    )
    print(f"ageing, hourly:  {seconds:7.2f} s, {statements:7d} statements, {changed} changed")
    if not args.no_baseline:
        seconds, statements, written = timed(lambda: patient_summaries_refresh(now=tomorrow))
        print(
            f"ageing as a full refresh (before): {seconds:7.2f} s, {statements:7d} statements, "
            f"{written} rows written"
        )
    patient_summaries_refresh()  # leave the rows as of now for the next run


if __name__ == "__main__":
    main()
