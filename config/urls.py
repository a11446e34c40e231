"""The root URLconf: each app's pages, the API under /api/v1/ with its schema, the health check
and the admin."""

from django.conf import settings
from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from assessments import api as assessment_api
from clinic import api, views
from config import api_errors, api_schema
from exercises import api as exercise_api
from neural import api as neural_api
from questionnaires import api as questionnaire_api
from records import views as record_views
from reports import api as report_api
from scheduling import api as scheduling_api

# Path converters: the viewsets' `lookup_value_converter = "int"` types every {id} as an integer
# in the schema (a regex would make it a string with a pattern).
router = DefaultRouter(use_regex_path=False)
router.register("patients", api.PatientViewSet, basename="patient")
router.register("assessments", assessment_api.AssessmentViewSet, basename="assessment")
router.register("neural-tests", neural_api.NeuralExamViewSet, basename="neural-test")
router.register("exercises", exercise_api.ExerciseViewSet, basename="exercise")
router.register("routines", exercise_api.RoutineTemplateViewSet, basename="routine-template")
router.register("prescriptions", exercise_api.PrescriptionViewSet, basename="prescription")
router.register("session-logs", exercise_api.SessionLogViewSet, basename="session-log")
router.register("appointments", scheduling_api.AppointmentViewSet, basename="appointment")
router.register(
    "appointment-types", scheduling_api.AppointmentTypeViewSet, basename="appointment-type"
)
router.register("progress-reports", report_api.ProgressReportViewSet, basename="progress-report")
router.register("instruments", questionnaire_api.InstrumentViewSet, basename="instrument")
router.register(
    "questionnaire-requests",
    questionnaire_api.QuestionnaireRequestViewSet,
    basename="questionnaire-request",
)
router.register(
    "questionnaire-responses",
    questionnaire_api.QuestionnaireResponseViewSet,
    basename="questionnaire-response",
)

api_urlpatterns = [
    path("", include(router.urls)),
    path(
        "patients/<int:patient_id>/knee-to-wall/fhir/",
        assessment_api.KneeToWallFhirView.as_view(),
        name="patient-knee-to-wall-fhir",
    ),
    path(
        "patients/<int:patient_id>/export/",
        record_views.PatientExportView.as_view(),
        name="patient-export",
    ),
    path(
        "patients/<int:patient_id>/anonymise/",
        record_views.PatientAnonymiseView.as_view(),
        name="patient-anonymise",
    ),
    path("free-slots/", scheduling_api.FreeSlotsView.as_view(), name="free-slots"),
    path("schema/", api_schema.SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script for the CSP.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="clinic/api_docs.html"
        ),
        name="docs",
    ),
    # Last: whatever else ends in a slash under /api/v1/ is a JSON 404 (see api_errors).
    re_path(r"^[\s\S]+/\Z", api_errors.not_found, name="not-found"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url="/static/img/dorsi-mark.svg", permanent=True)),
    path("accounts/", include("accounts.urls")),
    path("", include("clinic.urls")),
    path("", include("records.urls")),
    path("", include("reports.urls")),
    path("", include("dashboard.urls")),
    path("", include("assessments.urls")),
    path("", include("neural.urls")),
    path("", include("exercises.urls")),
    path("", include("questionnaires.urls")),
    path("", include("questionnaires.instrument_urls")),
    path("", include("scheduling.urls")),
    path("", include("reminders.urls")),
    path("", include("questionnaires.settings_urls")),
    path("", include("audit.urls")),
    path("api/v1/", include((api_urlpatterns, "api"))),
    path("admin/", admin.site.urls),
]

if settings.BENCH_ENDPOINTS:

    def bare(request):
        return JsonResponse({"ok": True})

    urlpatterns.append(path("bench/bare/", bare))
