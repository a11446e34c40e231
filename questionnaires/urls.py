"""The questionnaire pages: the patient's (under /me/) and the staff's (under a patient).

`questionnaire-answer` is the address a reminder links to: the patient's page for one request.
"""

from django.urls import path

from questionnaires import views

urlpatterns = [
    path("me/questionnaires/<int:request_id>/", views.answer, name="questionnaire-answer"),
    path("me/questionnaires/<int:request_id>/done/", views.done, name="questionnaire-done"),
    path("patients/<int:patient_id>/questionnaires/ask/", views.ask, name="questionnaire-ask"),
    path(
        "patients/<int:patient_id>/questionnaires/paper/",
        views.paper,
        name="questionnaire-paper",
    ),
    path(
        "questionnaire-requests/<int:request_id>/cancel/",
        views.cancel,
        name="questionnaire-cancel",
    ),
]
