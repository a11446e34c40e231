"""The audit trail: who read or changed which patient's data, when, and from where.

Rows are append-only. The model refuses updates and deletes, and a database trigger refuses them
too (for raw SQL and the admin), so no code path in the application can rewrite history.
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    READ = "read", _("Read")
    LIST = "list", _("Listed")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    EXPORT = "export", _("Exported")
    ANONYMISE = "anonymise", _("Anonymised")
    DENIED = "denied", _("Refused")
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    SIGN_OUT = "sign_out", _("Signed out")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied(_("Audit events cannot be changed."))

    def delete(self):
        raise PermissionDenied(_("Audit events cannot be deleted."))

    def bulk_update(self, objs, fields, batch_size=None):
        raise PermissionDenied(_("Audit events cannot be changed."))

    def for_clinic(self, clinic_id: int) -> "AuditEventQuerySet":
        return self.filter(clinic_id=clinic_id)


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now)
    # Who. Foreign keys without database constraints: an audit row outlives what it names.
    actor_kind = models.CharField(max_length=20)  # a staff role, "patient", "system", ...
    actor_user = models.ForeignKey(
        "clinic.User",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actor_patient = models.ForeignKey(
        "clinic.Patient",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200, blank=True)  # the name at the time
    clinic = models.ForeignKey(
        "clinic.Clinic",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # What.
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient = models.ForeignKey(
        "clinic.Patient",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    patient_ids = models.JSONField(default=list, blank=True)  # lists and bulk changes
    fields = models.JSONField(default=list, blank=True)  # names of changed fields, never values
    note = models.CharField(max_length=300, blank=True)
    # From where.
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    method = models.CharField(max_length=10, blank=True)
    path = models.CharField(max_length=500, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "-at"]),
            models.Index(fields=["patient", "-at"]),
            models.Index(fields=["actor_user", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or self.actor_kind} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied(_("Audit events cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(_("Audit events cannot be deleted."))
