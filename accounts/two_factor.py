"""Who signs in with a one-time code, and the authenticator apps that make the codes.

Clinic admins (and superusers) always sign in with a second factor; therapists and the front desk
when their clinic asks for it (Clinic.staff_two_factor_required); anyone else once they chose to
set an app up. The rules live here; accounts.middleware.TwoFactorMiddleware enforces them on every
request and accounts.views shows the pages. API tokens follow the same rule: only a session
past this step issues one, and a token issued without a code stops working once one is needed
(accounts.api_tokens).
"""

from __future__ import annotations

import base64

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditAction
from audit.services import audit_record
from clinic.models import Role, User

DEVICE_NAME = "Authenticator app"


def two_factor_required(user: User) -> bool:
    """Whether policy obliges the user to use a second factor (so they may not turn it off)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.role == Role.CLINIC_ADMIN:
        return True
    if user.clinic_id and user.role in {Role.THERAPIST, Role.FRONT_DESK}:
        return user.clinic.staff_two_factor_required
    return False


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def two_factor_needed(user: User) -> bool:
    """Whether the user must enter a code before this session reaches anything else."""
    if not user.is_authenticated:
        return False
    return two_factor_required(user) or confirmed_device(user) is not None


def device_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps accept it typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def device_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (drawn here, no outside service)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#1d2b36", light="#ffffff", title="QR code for your authenticator app"
    )


def device_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device a set-up page shows; the same one until it is confirmed, so
    reloading the page does not change the key the person has already scanned."""
    if confirmed_device(user) is not None:
        raise ValidationError({"code": _("Two-factor sign-in is already set up for this account.")})
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def device_confirm(*, request: HttpRequest, user: User, device: TOTPDevice, code: str) -> None:
    """Confirm the new device with a first code from it; the session counts as verified."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError({"code": _("This set-up has expired; start again.")})
    # Outside the transaction below: django-otp's record of a wrong code must persist.
    if not verify_token(user, device.persistent_id, code):
        raise ValidationError(
            {
                "code": _(
                    "That code does not match. Check that the app shows Dorsi and enter "
                    "the newest code."
                )
            }
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device.refresh_from_db()
        otp_login(request, device)
        audit_record(
            AuditAction.UPDATE,
            object_type="user",
            object_id=str(user.pk),
            fields=["two_factor"],
            note="two-factor sign-in set up (authenticator app confirmed)",
            clinic_id=user.clinic_id,
        )


def code_verify(*, request: HttpRequest, user: User, code: str) -> bool:
    """Check the code of the second sign-in step; on success the session is verified.

    A wrong code is reported like a wrong password (user_login_failed), so django-axes counts it
    towards the lockout of this username and address and the audit trail records it.
    django-otp's own throttling (a growing delay after each wrong code) slows guessing from
    many addresses too.
    """
    device = confirmed_device(user)
    if device is not None and verify_token(user, device.persistent_id, code):
        otp_login(request, device)
        audit_record(
            AuditAction.SIGN_IN,
            object_type="user",
            object_id=str(user.pk),
            note="two-factor code accepted",
        )
        return True
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.get_username(), "second_factor": True},
        request=request,
    )
    return False


def two_factor_disable(*, user: User, code: str) -> None:
    """Turn off a second factor the user chose; a current code proves it is them."""
    if two_factor_required(user):
        raise ValidationError({"code": _("Your role or clinic requires two-factor sign-in.")})
    device = confirmed_device(user)
    if device is None:
        raise ValidationError({"code": _("Two-factor sign-in is not set up.")})
    if not verify_token(user, device.persistent_id, code):
        raise ValidationError({"code": _("That code does not match; two-factor sign-in stays on.")})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        audit_record(
            AuditAction.UPDATE,
            object_type="user",
            object_id=str(user.pk),
            fields=["two_factor"],
            note="two-factor sign-in turned off by the user",
            clinic_id=user.clinic_id,
        )


def sign_in_locked(request: HttpRequest, user: User) -> bool:
    """Whether django-axes has locked this username out from this address."""
    return AxesProxyHandler.is_locked(request, {"username": user.get_username()})
