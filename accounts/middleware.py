"""Staff sessions: their time limits, and the two-factor step before anything else."""

import time
from collections.abc import Callable
from functools import lru_cache

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts import sessions, two_factor


class StaffSessionExpiryMiddleware:
    """Ends a staff session that was idle too long or began too long ago (accounts.sessions).

    A page request is sent to sign in again, with the reason shown; an API request carries on
    as anonymous, so the API answers it as it answers anyone not signed in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            expiry = sessions.staff_session_check(request.session, user_id=user.pk, now=time.time())
            if expiry is not None:
                logout(request)
                if not request.path_info.startswith("/api/"):
                    messages.info(request, sessions.expiry_message(expiry))
                    return redirect_to_login(request.get_full_path())
        return self.get_response(request)


@lru_cache(maxsize=1)
def _two_factor_pages() -> frozenset[str]:
    return frozenset(reverse(name) for name in ("two-factor-verify", "two-factor-setup", "logout"))


class TwoFactorMiddleware:
    """Until someone who needs a second factor (accounts.two_factor) has entered a code in this
    session, they reach only the two-factor pages and sign-out: pages redirect there, and the
    API answers 403 to their session. Requests with an API token are left to the token."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        # Worked out once per request: the navigation reads it too (clinic.context_processors).
        request.two_factor_pending = (
            user.is_authenticated
            and not user.is_verified()
            and not _uses_api_token(request)
            and two_factor.two_factor_needed(user)
        )
        if request.two_factor_pending and request.path_info not in _two_factor_pages():
            if request.path_info.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Sign in with your two-factor code before using the API."},
                    status=403,
                )
            has_app = two_factor.confirmed_device(user) is not None
            target = reverse("two-factor-verify" if has_app else "two-factor-setup")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)


def _uses_api_token(request: HttpRequest) -> bool:
    # DRF tries TokenAuthentication first; with a "Token" header it never falls back to the
    # session, so the session's unverified user is not what the API will see.
    return request.path_info.startswith("/api/") and request.headers.get(
        "Authorization", ""
    ).startswith("Token ")
