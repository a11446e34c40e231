import time
from collections.abc import Callable
from functools import lru_cache

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from clinic import staff_sessions, two_factor
from clinic.models import PatientAccessLink

PATIENT_LINK_SESSION_KEY = "dorsi_patient_link"


class PatientSessionMiddleware:
    """Sets request.patient for a session opened with a personal link.

    The link is checked on every request, so revoking it (or discharging the patient) ends the
    session at once rather than when the cookie expires. A signed-in member of staff is never
    also a patient.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.patient = None
        request.patient_link = None
        link_id = request.session.get(PATIENT_LINK_SESSION_KEY)
        if link_id and not request.user.is_authenticated:
            link = (
                PatientAccessLink.objects.usable(timezone.now())
                .select_related("patient__clinic", "patient__primary_therapist")
                .filter(pk=link_id)
                .first()
            )
            if link is None:
                request.session.flush()
            else:
                request.patient = link.patient
                request.patient_link = link
        response = self.get_response(request)
        if request.patient is not None:
            # Patient pages are personal; no shared cache may keep them.
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response


class ClinicTimeZoneMiddleware:
    """Shows times in the clinic's zone: the staff member's clinic, or the patient's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        clinic = None
        if request.user.is_authenticated and getattr(request.user, "clinic_id", None):
            clinic = request.user.clinic
        elif getattr(request, "patient", None) is not None:
            clinic = request.patient.clinic
        if clinic is not None:
            timezone.activate(clinic.zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


class StaffSessionExpiryMiddleware:
    """Ends a staff session that was idle too long or began too long ago (clinic.staff_sessions).

    A page request is sent to sign in again, with the reason shown; an API request carries on
    as anonymous, so the API answers it as it answers anyone not signed in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            expiry = staff_sessions.staff_session_check(
                request.session, user_id=user.pk, now=time.time()
            )
            if expiry is not None:
                logout(request)
                if not request.path_info.startswith("/api/"):
                    messages.info(request, staff_sessions.expiry_message(expiry))
                    return redirect_to_login(request.get_full_path())
        return self.get_response(request)


@lru_cache(maxsize=1)
def _two_factor_pages() -> frozenset[str]:
    return frozenset(reverse(name) for name in ("two-factor-verify", "two-factor-setup", "logout"))


class TwoFactorMiddleware:
    """Until someone who needs a second factor (clinic.two_factor) has entered a code in this
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
