from django.contrib import admin, messages
from django.utils.translation import ngettext

from accounts import api_tokens
from accounts.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Superusers may list and revoke any API token (an incident, a lost laptop) but never
    issue one: a token is issued by its owner on the Security page, after two-factor sign-in
    (accounts.api_tokens). rest_framework.authtoken, whose admin issued tokens without either,
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
        messages.success(
            request,
            ngettext(
                "Revoked %(count)s API token; it stops working at once.",
                "Revoked %(count)s API tokens; they stop working at once.",
                revoked,
            )
            % {"count": revoked},
        )
