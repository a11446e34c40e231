from celery import shared_task

from dashboard.summaries import patient_summaries_age


@shared_task(name="dashboard.tasks.dashboard_refresh")
def dashboard_refresh() -> int:
    """Ages what time changes in the summaries (adherence, re-test overdue, recent pain, the
    next appointment...), touching only the rows that change; writes refresh the rest."""
    return patient_summaries_age()
