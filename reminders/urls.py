from django.urls import path

from reminders import views

urlpatterns = [
    path("schedule/reminders/failed/", views.reminders_failed, name="reminders-failed"),
    path("r/stop/<str:token>/", views.reminders_opt_out, name="reminders-opt-out"),
    # No trailing slash: every character counts in a text message.
    path("s/<str:code>", views.short_link_open, name="short-link"),
]
