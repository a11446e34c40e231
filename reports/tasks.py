"""Background work of the reports app. Tasks take ids, call a service, tolerate running twice."""

from celery import shared_task

from reports import services


@shared_task(
    name="reports.tasks.handout_email",
    autoretry_for=(OSError,),
    max_retries=5,
    retry_backoff=True,
)
def handout_email(*, link_id: str) -> None:
    services.handout_email_send(link_id=link_id)
