from django.contrib import admin

from core.models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through services (which validate and audit) are read-only here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "target_type", "target_repr", "source"]
    list_filter = ["action", "target_type", "source"]
    search_fields = ["target_repr", "target_id"]
