"""Staff accounts: the personal API token (the rules are in accounts/api_tokens.py)."""

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.fields import NameField
from clinic.models import User


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, at: datetime | None = None) -> "ApiTokenQuerySet":
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=at, user__is_active=True)


class ApiToken(models.Model):
    """A member of staff's personal credential for the API (the rules: accounts.api_tokens).

    Only the SHA-256 digest of the secret is kept, so a copy of the database lets nobody in; the
    secret is shown once, when it is issued. A token expires, can be revoked, and remembers
    whether the session that issued it had passed two-factor sign-in.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = NameField(max_length=60, help_text=_("What the token is for, e.g. the lab import."))
    # The secret's first characters, not enough to use it: tells tokens apart in lists and logs.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    second_factor = models.BooleanField(
        help_text=_("Issued from a session that had passed two-factor sign-in.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        # Made in the clinic app before staff accounts had an app of their own (migration
        # accounts 0001 moved it without touching the table).
        db_table = "clinic_apitoken"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"API token {self.pk} “{self.name}” of {self.user}"

    @property
    def audit_label(self) -> str:
        """How the audit trail names the token a request came with."""
        return f"API token {self.pk} “{self.name}”"

    def is_usable(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.expires_at > at and self.user.is_active
