from django.urls import path

from audit import views

urlpatterns = [
    path("audit/", views.audit_events, name="audit-events"),
    path("audit/export.csv", views.audit_events_export, name="audit-events-export"),
]
