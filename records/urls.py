"""A patient's data rights: the copy of their record (staff and their own), anonymisation."""

from django.urls import path

from records import views

urlpatterns = [
    path(
        "patients/<int:patient_id>/export.fhir.json",
        views.patient_export_fhir_page,
        name="patient-export-fhir",
    ),
    path(
        "patients/<int:patient_id>/export.zip",
        views.patient_export_csv_page,
        name="patient-export-csv",
    ),
    path(
        "patients/<int:patient_id>/anonymise/",
        views.patient_anonymise_page,
        name="patient-anonymise",
    ),
    path("me/export.fhir.json", views.own_export_fhir_page, name="own-export-fhir"),
    path("me/export.zip", views.own_export_csv_page, name="own-export-csv"),
]
