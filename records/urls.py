"""A patient's record as a whole: the staff page of one patient and the patient's own page;
the patient's data rights, a copy of their record (staff and their own) and anonymisation."""

from django.urls import path

from records import patient_pages, views

urlpatterns = [
    path("patients/<int:patient_id>/", patient_pages.patient_detail, name="patient-detail"),
    path("me/", patient_pages.patient_home, name="patient-home"),
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
