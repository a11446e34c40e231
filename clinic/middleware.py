from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from rest_framework.views import APIView

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


class PatientLanguageMiddleware:
    """Pages read in the patient's language in a patient session; staff pages in the
    installation's (LANGUAGE_CODE); anyone else (a link that no longer works, the signed-out
    page) in the language their browser last used here (the language cookie), else asks for.

    A patient's session sets the language cookie, so the pages they reach after it ends still
    speak their language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        patient = getattr(request, "patient", None)
        if patient is not None:
            language = patient.language
        elif request.user.is_authenticated:
            language = settings.LANGUAGE_CODE
        else:
            language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        # The view may have changed it (the patient's language chooser).
        patient = getattr(request, "patient", None)
        if patient is not None:
            if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != patient.language:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    patient.language,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
        elif not request.user.is_authenticated:
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", translation.get_language())
        translation.deactivate()
        return response


class ClinicTimeZoneMiddleware:
    """Shows times in the clinic's zone: the staff member's clinic, or the patient's. Pages
    only: the API answers in UTC (see process_view)."""

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

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        # The API gives one representation of an instant, UTC with a Z, whoever asks. A token
        # is read by DRF after this middleware (so a token request never had a zone), and a
        # session must not shift the same instant to the clinic's offset.
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            timezone.deactivate()
