"""The reminders' periodic tasks, scheduled by beat (config/settings.py, CELERY_BEAT_SCHEDULE).
Both are safe to run twice or at once: keys are unique and each row is sent under its lock."""

import logging

from celery import shared_task

from reminders.planning import reminders_plan as plan
from reminders.sending import reminders_sweep as sweep

logger = logging.getLogger(__name__)

SWEEP_TASK = "reminders.tasks.reminders_sweep"


@shared_task(name=SWEEP_TASK)
def reminders_sweep(joined: bool = False) -> dict:
    """Reconcile interrupted sends, then claim, send and mark due reminders. A sweep beat
    starts asks for another when it finds a full batch, which asks for another in turn, so
    every free worker process joins in while rows are due (SKIP LOCKED keeps them apart); the
    heartbeat is the beat-started sweep's, so /healthz still says beat's schedule runs."""
    return sweep(more=_another_sweep, heartbeat=not joined)


def _another_sweep() -> None:
    # Never wait for the broker here: a sweep must finish (and record its outcomes) while
    # Redis is away, and beat starts the next one anyway.
    try:
        reminders_sweep.apply_async(kwargs={"joined": True}, retry=False)
    except Exception as exc:  # the broker away: beat's next sweep carries on
        logger.warning("could not ask for another reminder sweep: %s", exc)


@shared_task(name="reminders.tasks.reminders_plan")
def reminders_plan() -> int:
    """Plan in committed chunks, resuming where a run that ran out of time stopped."""
    return plan()
