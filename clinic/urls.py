"""The clinic core's pages: patients, personal links, the patient's own page."""

from django.urls import path

from clinic import views

urlpatterns = [
    path("patients/", views.patient_list, name="patient-list"),
    path("patients/new/", views.patient_create, name="patient-create"),
    path("patients/<int:patient_id>/", views.patient_detail, name="patient-detail"),
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
    path("me/", views.patient_home, name="patient-home"),
    path("me/sign-out/", views.patient_sign_out, name="patient-sign-out"),
]
