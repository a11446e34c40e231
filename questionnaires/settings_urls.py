"""The clinic admin's questionnaire settings pages (questionnaires/settings_views.py)."""

from django.urls import path

from questionnaires import settings_views

urlpatterns = [
    path(
        "clinic/questionnaires/",
        settings_views.questionnaire_settings,
        name="questionnaire-settings",
    ),
    path(
        "clinic/questionnaires/<int:instrument_id>/",
        settings_views.questionnaire_setting_edit,
        name="questionnaire-setting-edit",
    ),
]
