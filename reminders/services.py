"""What a patient does with a reminder: stop them all, with one tap on the link in each (or
their mail app's own unsubscribe button); and the short links text messages carry."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clinic.models import Patient
from reminders.models import Reminder, ReminderStatus, ShortLink

OPT_OUT_SALT = "dorsi.reminders.opt-out"
# Long enough for a message read weeks later; an older one's link says to use a newer message
# or call the clinic.
OPT_OUT_MAX_AGE = timedelta(days=90)
SHORT_LINK_MAX_AGE = timedelta(days=30)


def opt_out_url(patient: Patient) -> str:
    token = signing.dumps(patient.pk, salt=OPT_OUT_SALT)
    return settings.SITE_URL + reverse("reminders-opt-out", args=[token])


def opt_out_read(token: str) -> Patient | None:
    """The patient an opt-out link names, or None for a forged or expired one."""
    try:
        patient_id = signing.loads(token, salt=OPT_OUT_SALT, max_age=OPT_OUT_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return Patient.objects.select_related("clinic").filter(pk=patient_id).first()


@transaction.atomic
def reminders_opt_out(*, token: str) -> Patient | None:
    """Withdraw the patient's consent and cancel what was planned; None for a forged or
    expired token, which changes nothing. Running it twice changes nothing the second time (a
    mail app may POST the one-click unsubscribe more than once)."""
    patient = opt_out_read(token)
    if patient is None:
        return None
    Patient.objects.filter(pk=patient.pk, reminder_consent=True).update(
        reminder_consent=False, reminder_consent_at=None
    )
    Reminder.objects.filter(patient=patient, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, last_error="The patient opted out."
    )
    return patient


def short_link_create(*, url: str, now: datetime | None = None) -> str:
    """A short address (SITE_URL/s/<code>) for a link on this site, for a text message."""
    now = now or timezone.now()
    path = url.removeprefix(settings.SITE_URL)
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"A short link opens a page of this site, not {url!r}.")
    ShortLink.objects.filter(expires_at__lt=now).delete()
    link = ShortLink.objects.create(
        code=secrets.token_urlsafe(6), path=path, expires_at=now + SHORT_LINK_MAX_AGE
    )
    return settings.SITE_URL + reverse("short-link", args=[link.code])


def short_link_path(*, code: str, now: datetime | None = None) -> str | None:
    """The path a short link opens, or None when there is no such link or it has expired."""
    link = ShortLink.objects.filter(code=code, expires_at__gte=now or timezone.now()).first()
    return None if link is None else link.path
