from django.urls import path

from assessments import views

urlpatterns = [
    path("patients/<int:patient_id>/knee-to-wall/", views.history, name="assessment-history"),
    path("patients/<int:patient_id>/knee-to-wall/new/", views.record, name="assessment-record"),
    path(
        "patients/<int:patient_id>/knee-to-wall.csv",
        views.history_csv,
        name="assessment-history-csv",
    ),
    path(
        "patients/<int:patient_id>/knee-to-wall.fhir.json",
        views.history_fhir,
        name="assessment-history-fhir",
    ),
    path("assessments/<int:assessment_id>/", views.detail, name="assessment-detail"),
    path("assessments/<int:assessment_id>/correct/", views.correct, name="assessment-correct"),
    path("me/self-test/", views.self_test, name="patient-self-test"),
]
