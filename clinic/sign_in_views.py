"""The pages of staff sign-in security: the two-factor step and set-up, the Security page and
the lockout page. The rules are in clinic.two_factor; TwoFactorMiddleware sends people here."""

from __future__ import annotations

from datetime import timedelta

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from audit.services import client_ip
from clinic import two_factor
from clinic.forms import TwoFactorCodeForm, form_add_service_errors


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


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
            "That code is not right. Enter the newest code your app shows for Dorsi; "
            "repeated wrong codes lock the account for a while.",
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
                request, "Two-factor sign-in is on: you will enter a code each time you sign in."
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


@never_cache
@login_required
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "registration/security.html",
        {
            "device": two_factor.confirmed_device(user),
            "required": two_factor.two_factor_required(user),
            "form": TwoFactorCodeForm(),
        },
    )


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
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("security")
    return render(
        request,
        "registration/security.html",
        {
            "device": two_factor.confirmed_device(request.user),
            "required": two_factor.two_factor_required(request.user),
            "form": form,
        },
        status=400,
    )


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
