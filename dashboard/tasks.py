from celery import shared_task

from dashboard.summaries import patient_summaries_refresh


@shared_task(name="dashboard.tasks.dashboard_refresh")
def dashboard_refresh() -> int:
    """Ages the time-based flags (re-test overdue, adherence, pain) of every summary."""
    return patient_summaries_refresh()
