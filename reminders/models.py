"""The reminder outbox: one row per message to send, once.

What a row is for (its kind) is told by the app that owns that kind (reminders/handlers.py);
the row itself only knows its recipient, channel, when it is due and what became of it.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clinic.models import Clinic, Patient, ReminderChannel, User


class ReminderKind(models.TextChoices):
    APPOINTMENT = "appointment", _("Appointment reminder")
    BOOKING = "booking", _("Booking confirmation or change")
    EXERCISE = "exercise", _("Home-exercise reminder")
    RETEST = "retest", _("Re-test due")
    DIGEST = "digest", _("Therapist's daily digest")
    QUESTIONNAIRE = "questionnaire", _("Outcome questionnaire to answer")


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Reminder(models.Model):
    """One message to send, once: the outbox row the sweep claims, sends and marks.

    `key` (kind, target, channel, due slot) is unique, so planning the same reminder twice
    finds the row already there instead of adding a second one.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    channel = models.CharField(max_length=10, choices=ReminderChannel.choices)
    key = models.CharField(max_length=200, unique=True)
    patient = models.ForeignKey(
        Patient,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        db_index=False,
    )
    staff = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    due_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table predates the app (it moved from clinic with its rows, state only).
        db_table = "clinic_reminder"
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["patient", "due_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(patient__isnull=False) | Q(staff__isnull=False),
                name="reminder_has_recipient",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReminderStatus.SENT) | Q(sent_at__isnull=False),
                name="reminder_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class ShortLink(models.Model):
    """A short address for a long link in a text message, so that a reminder fits one segment:
    /s/<code> redirects to a path on this site until it expires. The code is as hard to guess
    as a text message needs (48 random bits, for 30 days), and what it opens is a page
    that asks before it changes anything."""

    code = models.CharField(max_length=16, unique=True)
    path = models.TextField()
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # A path on this site, never another site ("//host" is one): no open redirect.
            models.CheckConstraint(
                condition=Q(path__startswith="/") & ~Q(path__startswith="//"),
                name="short_link_is_a_path",
            ),
        ]

    def __str__(self) -> str:
        return self.code
