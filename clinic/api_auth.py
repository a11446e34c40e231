from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from clinic.models import Patient


class PatientPrincipal:
    """What request.user is in the API for a patient signed in with a personal link."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None
    id = None
    clinic_id = None

    def __init__(self, patient: Patient) -> None:
        self.patient = patient

    def __str__(self) -> str:
        return f"patient {self.patient.pk}"


class PatientSessionAuthentication(SessionAuthentication):
    """The API as seen from a patient's link session, with the same CSRF rules as staff."""

    def authenticate(self, request: Request):
        patient = getattr(request._request, "patient", None)
        if patient is None:
            return None
        self.enforce_csrf(request)
        return (PatientPrincipal(patient), None)


class PatientSessionScheme(OpenApiAuthenticationExtension):
    target_class = PatientSessionAuthentication
    name = "patientSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The session a patient's personal link opens (GET /p/{token}/).",
        }
