from django.urls import path

from neural import views

urlpatterns = [
    path("patients/<int:patient_id>/neural-tests/", views.history, name="neural-history"),
    path("patients/<int:patient_id>/neural-tests/new/", views.record, name="neural-record"),
    path("neural-tests/<int:exam_id>/", views.detail, name="neural-detail"),
    path(
        "neural-tests/<int:exam_id>/entered-in-error/",
        views.entered_in_error,
        name="neural-entered-in-error",
    ),
]
