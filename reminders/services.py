"""What a patient does with a reminder: stop them all, with one tap on the link in each."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from clinic.models import Patient
from reminders.models import Reminder, ReminderStatus

OPT_OUT_SALT = "dorsi.reminders.opt-out"


def opt_out_url(patient: Patient) -> str:
    token = signing.dumps(patient.pk, salt=OPT_OUT_SALT)
    return settings.SITE_URL + reverse("reminders-opt-out", args=[token])


@transaction.atomic
def reminders_opt_out(*, token: str) -> Patient | None:
    """Withdraw the patient's consent and cancel what was planned; None for a bad token."""
    try:
        patient_id = signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature:
        return None
    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is None:
        return None
    Patient.objects.filter(pk=patient.pk).update(reminder_consent=False, reminder_consent_at=None)
    Reminder.objects.filter(patient=patient, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, last_error="The patient opted out."
    )
    return patient
