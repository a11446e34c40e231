"""The reminders' periodic tasks, scheduled by beat (config/settings.py, CELERY_BEAT_SCHEDULE).
Both are safe to run twice or at once: keys are unique and each row is sent under its lock."""

from celery import shared_task

from reminders.planning import reminders_plan as plan
from reminders.sending import reminders_sweep as sweep


@shared_task(name="reminders.tasks.reminders_sweep")
def reminders_sweep() -> dict:
    """Reconcile interrupted sends, then claim, send and mark due reminders."""
    return sweep()


@shared_task(name="reminders.tasks.reminders_plan")
def reminders_plan() -> int:
    """Plan in committed chunks, resuming where a run that ran out of time stopped."""
    return plan()
