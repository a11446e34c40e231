from django.urls import path

from questionnaires import instrument_views

urlpatterns = [
    path("questionnaires/instruments/", instrument_views.instrument_list, name="instrument-list"),
    path("questionnaires/instruments/new/", instrument_views.instrument_new, name="instrument-new"),
    path(
        "questionnaires/instruments/<int:instrument_id>/",
        instrument_views.instrument_detail,
        name="instrument-detail",
    ),
    path(
        "questionnaires/instruments/<int:instrument_id>/retire/",
        instrument_views.instrument_retire_view,
        name="instrument-retire",
    ),
]
