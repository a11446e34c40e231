from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from clinic import api_tokens
from clinic.models import (
    ApiToken,
    AppointmentType,
    Clinic,
    Heartbeat,
    Patient,
    PatientAccessLink,
    TimeOff,
    User,
    WorkingHours,
)


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Superusers may list and revoke any API token (an incident, a lost laptop) but never
    issue one: a token is issued by its owner on the Security page, after two-factor sign-in
    (clinic.api_tokens). rest_framework.authtoken, whose admin issued tokens without either,
    is no longer installed."""

    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at"]
    list_filter = ["user__clinic", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username", "user__last_name"]
    list_select_related = ["user"]
    readonly_fields = [field.name for field in ApiToken._meta.fields if field.name != "digest"]
    exclude = ["digest"]
    actions = ["revoke"]

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: the row stays as the record of what existed

    @admin.action(description="Revoke the selected API tokens", permissions=["view"])
    def revoke(self, request, queryset) -> None:
        revoked = sum(
            api_tokens.api_token_revoke(token=token, revoked_by=request.user, reason=" (admin)")
            for token in queryset.select_related("user")
        )
        messages.success(request, f"Revoked {revoked} API token(s); they stop working at once.")


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
