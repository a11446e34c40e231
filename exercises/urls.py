from django.urls import path

from exercises import views

urlpatterns = [
    path("exercises/", views.library, name="exercise-library"),
    path("exercises/new/", views.exercise_edit, name="exercise-new"),
    path("exercises/<int:exercise_id>/", views.exercise_detail, name="exercise-detail"),
    path("exercises/<int:exercise_id>/edit/", views.exercise_edit, name="exercise-edit"),
    path("routines/", views.routine_list, name="routine-list"),
    path("routines/new/", views.routine_new, name="routine-new"),
    path("patients/<int:patient_id>/routine/", views.patient_routine, name="patient-routine"),
    path("patients/<int:patient_id>/routine/prescribe/", views.prescribe, name="routine-prescribe"),
    path(
        "prescriptions/<int:prescription_id>/change/",
        views.prescription_change,
        name="prescription-change",
    ),
    path(
        "prescriptions/<int:prescription_id>/end/", views.prescription_end, name="prescription-end"
    ),
    path("me/routine/", views.patient_routine_page, name="patient-routine-page"),
    # At /me/ so that its scope covers the patient's pages (a worker's scope is its folder).
    path("me/sw.js", views.patient_service_worker, name="patient-service-worker"),
    # The browser fetches a manifest without cookies: the language is in its address.
    path(
        "me/manifest.<str:language>.webmanifest",
        views.web_app_manifest,
        name="patient-web-app-manifest",
    ),
]
