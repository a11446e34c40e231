from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from clinic.models import Clinic, Heartbeat, Patient, PatientAccessLink, User


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "display_unit"]
    search_fields = ["name"]


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "clinic", "role", "is_active"]
    list_filter = ["clinic", "role", "is_active"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("Clinic", {"fields": ["clinic", "role"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        ("Clinic", {"fields": ["clinic", "role"]}),
    ]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    """Read-only for support: patients are changed through Dorsi's own pages and services."""

    list_display = ["last_name", "first_name", "clinic", "status", "primary_therapist"]
    list_filter = ["clinic", "status"]
    search_fields = ["last_name", "first_name", "email"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PatientAccessLink)
class PatientAccessLinkAdmin(admin.ModelAdmin):
    list_display = ["patient", "created_at", "expires_at", "revoked_at", "last_opened_at"]
    readonly_fields = ["patient", "created_by", "created_at", "expires_at", "last_opened_at"]

    def has_add_permission(self, request) -> bool:
        return False


admin.site.register(Heartbeat)
