"""The clinic core's pages: the patient list, registering, editing and discharging a patient,
personal links and the patient's sign-out. A patient's record as a whole, the staff page of one
patient and the patient's own page (/patients/<id>/, /me/), is in records.urls."""

from django.urls import path

from clinic import views

urlpatterns = [
    path("patients/", views.patient_list, name="patient-list"),
    path("patients/new/", views.patient_create, name="patient-create"),
    path("patients/<int:patient_id>/edit/", views.patient_edit, name="patient-edit"),
    path("patients/<int:patient_id>/discharge/", views.patient_discharge, name="patient-discharge"),
    path(
        "patients/<int:patient_id>/reactivate/",
        views.patient_reactivate,
        name="patient-reactivate",
    ),
    path("patients/<int:patient_id>/links/", views.patient_link_issue, name="patient-link-issue"),
    path(
        "patients/<int:patient_id>/links/<uuid:link_id>/revoke/",
        views.patient_link_revoke,
        name="patient-link-revoke",
    ),
    path("p/<str:token>/", views.patient_link_open, name="patient-link-open"),
    path("me/language/", views.patient_language, name="patient-language"),
    path("me/sign-out/", views.patient_sign_out, name="patient-sign-out"),
]
