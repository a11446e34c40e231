from django.urls import path

from reports import views

urlpatterns = [
    path("patients/<int:patient_id>/progress-reports/", views.report_list, name="report-list"),
    path(
        "patients/<int:patient_id>/progress-reports/new/", views.report_draft, name="report-draft"
    ),
    path("progress-reports/<int:report_id>/", views.report_detail, name="report-detail"),
    path("progress-reports/<int:report_id>/sign/", views.report_sign, name="report-sign"),
    path("progress-reports/<int:report_id>/redraft/", views.report_redraft, name="report-redraft"),
    path("progress-reports/<int:report_id>/amend/", views.report_amend, name="report-amend"),
    path("progress-reports/<int:report_id>/report.pdf", views.report_pdf, name="report-pdf"),
    path("progress-reports/<int:report_id>/print/", views.report_print, name="report-print"),
    path("patients/<int:patient_id>/handout.pdf", views.patient_handout, name="patient-handout"),
    path(
        "patients/<int:patient_id>/handout/email/",
        views.patient_handout_email,
        name="patient-handout-email",
    ),
    path("me/handout.pdf", views.own_handout, name="own-handout"),
]
