from django.contrib import admin

from scheduling.models import AppointmentType, TimeOff, WorkingHours


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["therapist", "weekday", "starts", "ends"]
    list_filter = ["therapist__clinic", "weekday"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["therapist", "starts_at", "ends_at", "reason"]


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = ["clinic", "name", "kind", "default_minutes"]
