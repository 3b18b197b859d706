from django.contrib import admin

from core import audit
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
    list_display = ["at", "actor_name", "action", "target_type", "target_repr", "source"]
    list_filter = ["action", "target_type", "source"]
    search_fields = ["target_repr", "target_id", "actor_name"]


class AuditedAdmin(admin.ModelAdmin):
    """Policy data edited in the admin (quota rules, policy values) goes into the audit trail like any
    service's change (issue 11, point 5); Django's own LogEntry says only "changed"."""

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        if before is None:
            audit.record_create(actor=request.user, instance=obj, source="admin")
        else:
            audit.record_update(actor=request.user, instance=obj, before=before, source="admin")

    def delete_model(self, request, obj):
        audit.record_delete(actor=request.user, instance=obj, source="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record_delete(actor=request.user, instance=obj, source="admin")
        super().delete_queryset(request, queryset)
