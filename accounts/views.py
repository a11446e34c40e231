"""The pages of staff sign-in security: the two-factor step and set-up, the Security page (with
the staff member's API tokens) and the lockout page. The rules are in accounts.two_factor and
accounts.api_tokens; TwoFactorMiddleware sends people here."""

from __future__ import annotations

from datetime import timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import api_tokens, two_factor
from accounts.forms import TwoFactorCodeForm
from audit.services import client_ip
from clinic.forms import form_add_service_errors
from clinic.redirects import next_path


def _next_url(request: HttpRequest) -> str:
    return next_path(request) or resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


@never_cache
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    if two_factor.confirmed_device(user) is None:
        return redirect(_with_next("two-factor-setup", next_url))
    if two_factor.sign_in_locked(request, user):
        logout(request)
        return locked_out(request, credentials={"username": user.get_username()})
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.code_verify(request=request, user=user, code=form.cleaned_data["code"]):
            return redirect(next_url)
        if getattr(request, "axes_locked_out", False):
            # That was the last allowed try: the half-finished sign-in ends here.
            logout(request)
            return locked_out(request, credentials={"username": user.get_username()})
        form.add_error(
            "code",
            _(
                "That code is not right. Enter the newest code your app shows for Dorsi; "
                "repeated wrong codes lock the account for a while."
            ),
        )
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": next_url})


@never_cache
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next_url(request)
    if two_factor.confirmed_device(user) is not None:
        # Adding a second app needs the first one: only a verified session manages devices.
        if user.is_verified():
            return redirect("security")
        return redirect(_with_next("two-factor-verify", next_url))
    device = two_factor.device_start(user=user)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.device_confirm(
                request=request, user=user, device=device, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request, _("Two-factor sign-in is on: you will enter a code each time you sign in.")
            )
            return redirect(next_url)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "required": two_factor.two_factor_required(user),
            "qr_svg": two_factor.device_qr_svg(device),
            "secret": two_factor.device_secret(device),
        },
    )


RECENTLY_ENDED = timedelta(days=30)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=60,
        help_text=gettext_lazy(
            "What will use it, e.g. “Lab import”. Shown in the list and the audit trail."
        ),
    )
    days = forms.TypedChoiceField(label=gettext_lazy("Expires after"), coerce=int)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        choices = api_tokens.expiry_choices_days()
        self.fields["days"].choices = [
            (days, ngettext("%(count)s day", "%(count)s days", days) % {"count": days})
            for days in choices
        ]
        self.fields["days"].initial = choices[-1]


def _security_page(
    request: HttpRequest,
    *,
    form: TwoFactorCodeForm | None = None,
    token_form: ApiTokenForm | None = None,
    new_token: tuple | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    manageable = api_tokens.tokens_manageable(user=user)
    now = timezone.now()
    return render(
        request,
        "registration/security.html",
        {
            "device": two_factor.confirmed_device(user),
            "required": two_factor.two_factor_required(user),
            "form": form or TwoFactorCodeForm(),
            "token_refusal": api_tokens.issue_refusal(
                user=user, second_factor_passed=user.is_verified()
            ),
            "token_form": token_form or ApiTokenForm(),
            # In use, or ended in the last month (so a revoked or expired one is explained).
            "own_tokens": manageable.filter(user=user).filter(
                Q(revoked_at__isnull=True, expires_at__gt=now - RECENTLY_ENDED)
                | Q(revoked_at__gt=now - RECENTLY_ENDED)
            ),
            # A clinic admin also sees, and may revoke, the tokens of their clinic's staff.
            "staff_tokens": manageable.exclude(user=user)
            .usable(now)
            .order_by("user__last_name", "user__first_name", "-created_at"),
            "new_token": new_token,
            "now": now,
            "max_tokens": api_tokens.MAX_USABLE_PER_USER,
        },
        status=status,
    )


@never_cache
@login_required
def security(request: HttpRequest) -> HttpResponse:
    return _security_page(request)


@never_cache
@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    form = TwoFactorCodeForm(request.POST)
    if form.is_valid():
        try:
            two_factor.two_factor_disable(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("security")
    return _security_page(request, form=form, status=400)


@never_cache
@login_required
@require_POST
def api_token_issue(request: HttpRequest) -> HttpResponse:
    """Issue a token and show its secret on this response only: it is stored nowhere (not in
    the session, not in a message), so a reload cannot show it again."""
    user = request.user
    refusal = api_tokens.issue_refusal(user=user, second_factor_passed=user.is_verified())
    if refusal:
        raise PermissionDenied(refusal)
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, secret = api_tokens.api_token_issue(
                user=user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                second_factor_passed=user.is_verified(),
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            return _security_page(request, new_token=(token, secret), status=201)
    return _security_page(request, token_form=form, status=400)


@never_cache
@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    # Someone else's token (another clinic's, or a colleague's for anyone but their clinic
    # admin) does not exist for this user: 404, as for patients outside one's scope.
    token = get_object_or_404(api_tokens.tokens_manageable(user=request.user), pk=token_id)
    if api_tokens.api_token_revoke(token=token, revoked_by=request.user):
        messages.success(
            request, _("“%(name)s” is revoked: it no longer works.") % {"name": token.name}
        )
    else:
        messages.info(request, _("“%(name)s” was already revoked.") % {"name": token.name})
    return redirect(reverse("security") + "#api-tokens")


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The lockout page (AXES_LOCKOUT_CALLABLE): says until when, answered with 429."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    cool_off = get_cool_off(request) or timedelta(0)
    last_failure = AccessAttempt.objects.filter(
        username=username, ip_address=client_ip(request)
    ).aggregate(last=Max("attempt_time"))["last"]
    retry_at = (last_failure or timezone.now()) + cool_off
    minutes = max(1, round((retry_at - timezone.now()).total_seconds() / 60))
    return render(
        request,
        "registration/locked_out.html",
        {"retry_at": retry_at, "minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
