from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is searched here, never edited."""

    list_display = ["at", "actor_label", "actor_kind", "action", "object_type", "patient", "ip"]
    list_filter = ["action", "actor_kind", "clinic"]
    search_fields = ["actor_label", "path", "note", "object_id"]
    date_hierarchy = "at"
    list_select_related = ["patient"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
