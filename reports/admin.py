"""The admin reads progress reports and changes only drafts: a signed report is locked here as
everywhere (the service refuses, the database refuses), and nothing is deleted."""

from django.contrib import admin

from reports.models import ProgressReport, ReportSettings


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ["patient", "version", "period_start", "period_end", "status", "signed_at"]
    list_filter = ["clinic", "status"]
    readonly_fields = ["facts", "status", "signed_by", "signed_at", "amends", "created_by"]

    def has_add_permission(self, request) -> bool:
        return False  # drafted by Dorsi from the record, not typed in

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_signed:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReportSettings)
class ReportSettingsAdmin(admin.ModelAdmin):
    list_display = ["clinic", "visits_per_report", "warn_from_visit"]
