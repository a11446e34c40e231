"""Scheduling's periodic task, scheduled by beat (config/settings.py, CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from scheduling.questionnaire_schedule import questionnaires_plan as plan


@shared_task(name="scheduling.tasks.questionnaires_plan")
def questionnaires_plan() -> int:
    """Ask for the questionnaires the clinics' schedules want now; safe to run twice or at once
    (each chunk under its progress row's lock; a request already made is not made again)."""
    return plan()
