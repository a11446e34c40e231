from django.urls import path

from scheduling import views

urlpatterns = [
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/book/", views.book, name="book"),
    path("schedule/due/", views.due, name="due-list"),
    path("schedule/waitlist/", views.waitlist, name="waitlist"),
    path("schedule/hours/", views.hours, name="working-hours"),
    path("appointments/<int:appointment_id>/", views.appointment_detail, name="appointment-detail"),
    path("calendar-feeds/", views.feed_issue, name="calendar-feed-issue"),
    path("calendar-feeds/<uuid:feed_id>/revoke/", views.feed_revoke, name="calendar-feed-revoke"),
    path("calendar/<str:token>.ics", views.feed, name="calendar-feed"),
    path("r/answer/<str:token>/", views.appointment_respond, name="appointment-respond"),
]
