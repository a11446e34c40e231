"""Background work of the clinic core. Tasks take ids, call a service, tolerate running twice."""

import socket

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clinic import services
from clinic.models import PatientAccessLink, TaskProgress


@shared_task(name="clinic.tasks.heartbeat")
def heartbeat() -> None:
    """Scheduled by beat, run by a worker: its timestamp proves both are alive."""
    services.heartbeat_record(name="celery", hostname=socket.gethostname())


@shared_task(
    name="clinic.tasks.patient_link_email",
    autoretry_for=(OSError,),
    max_retries=5,
    retry_backoff=True,
)
def patient_link_email(*, link_id: str) -> None:
    link = PatientAccessLink.objects.select_related("patient__clinic").filter(pk=link_id).first()
    # A link revoked or expired before the worker got to it is not worth sending.
    if link is None or not link.is_usable() or not link.patient.email:
        return
    context = {
        "patient": link.patient,
        "clinic": link.patient.clinic,
        "url": services.patient_link_url(link),
        "expires_at": link.expires_at,
    }
    with translation.override(link.patient.language):
        send_mail(
            subject=_("Your exercise page at %(clinic)s") % {"clinic": link.patient.clinic.name},
            message=render_to_string("clinic/email/patient_link.txt", context),
            html_message=render_to_string("clinic/email/patient_link.html", context),
            from_email=None,
            recipient_list=[link.patient.email],
        )


# --- Tasks that ran out of time (recorded by the signal handlers in config/celery.py) ----------


def task_out_of_time_record(*, name: str) -> None:
    TaskProgress.objects.update_or_create(name=name, defaults={"timed_out_at": timezone.now()})


def task_completed_record(*, name: str) -> None:
    # Only a task that once ran out of time has a row to clear; others cost one empty UPDATE.
    TaskProgress.objects.filter(name=name, timed_out_at__isnull=False).update(
        completed_at=timezone.now()
    )
