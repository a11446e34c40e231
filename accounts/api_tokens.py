"""Personal API tokens: who may hold one, and how one is issued, used and revoked.

A token reaches the same patient data as its owner's pages, and for weeks rather than the hours
of a session, so it is only ever as strong as a full sign-in:

- only the member of staff themselves issues it, signed in, on the Security page: never the
  admin, never for someone else, and superusers without a clinic hold none (the API shows them
  nothing);
- from a session that passed two-factor sign-in whenever their role, clinic or own choice asks
  for a code (accounts.two_factor.two_factor_needed). The token remembers whether it did; one
  issued without a code stops working once a code becomes required;
- it expires (at most settings.API_TOKEN_MAX_AGE), can be revoked by its owner or their clinic's
  admin, and dies with its owner's account (deactivation revokes it);
- only a SHA-256 digest of the secret is stored. The secret is 256 random bits, so a fast hash
  is enough: there is nothing to guess a preimage from. It is shown once, at issue.

Issue, revocation, first use and refusals of a known token are audit rows of their own; every
other row a token's request writes names the token in its actor label (clinic.api_auth).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import two_factor
from accounts.models import ApiToken
from audit.models import AuditAction
from audit.services import audit_record
from clinic.fields import field_errors
from clinic.models import Role, User

SECRET_PREFIX = "dorsi_"  # noqa: S105  (a marker, not a secret)
# What lists show of a secret: the prefix and six random characters (36 of its 256 bits).
SHOWN_PREFIX_LENGTH = len(SECRET_PREFIX) + 6
MAX_USABLE_PER_USER = 10
EXPIRY_CHOICES_DAYS = (7, 30, 90, 180, 365)
# Last use is written at most this often, so a busy integration does not write every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# A refused token is audited at most this often: a forgotten integration retrying an expired
# token every minute would otherwise fill the trail.
REFUSAL_AUDIT_SECONDS = 60 * 60
# rest_framework.authtoken's keys: 40 hex digits.
_LEGACY_KEY = re.compile(r"[0-9a-f]{40}")
SECURITY_PAGE_HINT = "Issue a new one on your Security page."


class ApiTokenRefused(Exception):
    """A presented token does not sign anyone in; the message is the API's 401 detail."""


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def expiry_choices_days() -> list[int]:
    """The lifetimes the Security page offers: the usual ones below the maximum, and it."""
    longest = settings.API_TOKEN_MAX_AGE.days
    return sorted({days for days in EXPIRY_CHOICES_DAYS if days < longest} | {longest})


# --- Who may do what --------------------------------------------------------------------------


def issue_refusal(*, user: User, second_factor_passed: bool) -> str | None:
    """Why this user, in a session that has (not) passed two-factor, may not issue a token."""
    if not user.is_authenticated or not user.is_active or not user.clinic_id:
        return _("API tokens belong to clinic staff, and reach what their owner's role may see.")
    if two_factor.two_factor_needed(user) and not second_factor_passed:
        return _("Sign in with your two-factor code before issuing an API token.")
    return None


def tokens_manageable(*, user: User) -> QuerySet[ApiToken]:
    """The tokens the user sees on the Security page and may revoke: their own, and for a clinic
    admin every token of their clinic's staff (they answer for the clinic's data and see who
    leaves; they cannot issue or read anyone's secret, only end a token)."""
    if not user.is_authenticated or not user.clinic_id:
        return ApiToken.objects.none()
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    if user.role == Role.CLINIC_ADMIN:
        return tokens.filter(user__clinic_id=user.clinic_id)
    return tokens.filter(user=user)


def can_revoke(*, user: User, token: ApiToken) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:  # the operator, from the admin, e.g. in an incident
        return True
    return tokens_manageable(user=user).filter(pk=token.pk).exists()


# --- Issue and revoke -------------------------------------------------------------------------


@transaction.atomic
def api_token_issue(
    *, user: User, name: str, days: int, second_factor_passed: bool
) -> tuple[ApiToken, str]:
    """A new token for the user and its secret, which is not stored and cannot be shown again.

    second_factor_passed: whether the issuing session passed two-factor sign-in
    (request.user.is_verified()).
    """
    refusal = issue_refusal(user=user, second_factor_passed=second_factor_passed)
    if refusal:
        raise PermissionDenied(refusal)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Name the token after what will use it.")})
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ValidationError({"name": _("Use a shorter name (at most 60 characters).")})
    # The name is shown in the audit trail's actor label: no text-direction tricks.
    errors = field_errors(ApiToken, {"name": name})
    if errors:
        raise ValidationError(errors)
    if not 1 <= days <= settings.API_TOKEN_MAX_AGE.days:
        raise ValidationError(
            {
                "days": _("A token lives between 1 and %(days)s days.")
                % {"days": settings.API_TOKEN_MAX_AGE.days}
            }
        )
    # The user's row is the lock: two issues at once cannot both pass the count below.
    User.objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    if ApiToken.objects.usable(now).filter(user=user).count() >= MAX_USABLE_PER_USER:
        raise ValidationError(
            {
                "name": _("You have %(count)s tokens in use; revoke one first.")
                % {"count": MAX_USABLE_PER_USER}
            }
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        digest=token_digest(secret),
        second_factor=second_factor_passed,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    how = "after two-factor sign-in" if second_factor_passed else "two-factor not required"
    audit_record(
        AuditAction.CREATE,
        object_type="api_token",
        object_id=str(token.pk),
        note=f"{token.audit_label} issued ({how}), expires {token.expires_at:%Y-%m-%d %H:%M} UTC",
        clinic_id=user.clinic_id,
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, revoked_by: User | None, reason: str = "") -> bool:
    """End the token at once (its next request answers 401). False: it was already revoked.

    revoked_by None is the system (the owner's account was deactivated).
    """
    if revoked_by is not None and not can_revoke(user=revoked_by, token=token):
        raise PermissionDenied(_("You may revoke only your own tokens."))
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=revoked_by
    )
    token.refresh_from_db()
    if changed:
        audit_record(
            AuditAction.UPDATE,
            object_type="api_token",
            object_id=str(token.pk),
            fields=["revoked_at"],
            note=f"{token.audit_label} of user {token.user_id} revoked{reason}",
            clinic_id=token.user.clinic_id,
        )
    return bool(changed)


def api_tokens_revoke_of_inactive(sender, instance: User, **kwargs) -> None:
    """post_save of User: a deactivated account's tokens are revoked, so reactivating the
    account (after leave, say) does not bring old credentials back to life."""
    if instance.is_active or kwargs.get("raw"):
        return
    for token in ApiToken.objects.filter(user=instance, revoked_at__isnull=True):
        api_token_revoke(token=token, revoked_by=None, reason=": account deactivated")


# --- Use --------------------------------------------------------------------------------------


def _refusal(token: ApiToken, now: datetime) -> tuple[str, str] | None:
    """(what the audit trail notes, what the caller is told), or None for a usable token."""
    if token.revoked_at is not None:
        return "revoked", f"This API token was revoked. {SECURITY_PAGE_HINT}"
    if not token.user.is_active:
        return "account deactivated", "The account this API token belongs to is deactivated."
    if token.expires_at <= now:
        when = f"{token.expires_at:%Y-%m-%d %H:%M} UTC"
        return "expired", f"This API token expired on {when}. {SECURITY_PAGE_HINT}"
    if not token.second_factor and two_factor.two_factor_needed(token.user):
        return "issued without the two-factor sign-in now required", (
            "This API token was issued without two-factor sign-in, which your account now "
            f"requires. {SECURITY_PAGE_HINT}"
        )
    return None


def api_token_authenticate(*, secret: str) -> ApiToken:
    """The usable token a secret stands for; ApiTokenRefused says why there is none."""
    if not secret.startswith(SECRET_PREFIX):
        if _LEGACY_KEY.fullmatch(secret):
            raise ApiTokenRefused(
                "Tokens from before Dorsi's expiring API tokens no longer work. "
                + SECURITY_PAGE_HINT
            )
        raise ApiTokenRefused("Invalid token.")
    token = (
        ApiToken.objects.select_related("user__clinic").filter(digest=token_digest(secret)).first()
    )
    if token is None:
        raise ApiTokenRefused("Invalid token.")
    refusal = _refusal(token, timezone.now())
    if refusal is not None:
        noted, told = refusal
        # Only a real token's refusals are written (a guessed one matches no row), at most
        # once an hour per token.
        if cache.add(f"api-token-refused:{token.pk}", 1, timeout=REFUSAL_AUDIT_SECONDS):
            audit_record(
                AuditAction.SIGN_IN_FAILED,
                object_type="api_token",
                object_id=str(token.pk),
                note=f"{token.audit_label} of user {token.user_id} refused: {noted}",
                clinic_id=token.user.clinic_id,
            )
        raise ApiTokenRefused(told)
    return token


def api_token_mark_used(*, token: ApiToken, ip: str | None) -> None:
    """Note when and from where the token was last used; its first use is an audit row."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    first = ApiToken.objects.filter(pk=token.pk, last_used_at__isnull=True).update(
        last_used_at=now, last_used_ip=ip
    )
    if first:
        audit_record(
            AuditAction.SIGN_IN,
            object_type="api_token",
            object_id=str(token.pk),
            note=f"{token.audit_label} used for the first time",
            clinic_id=token.user.clinic_id,
        )
    else:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
    token.last_used_at, token.last_used_ip = now, ip
