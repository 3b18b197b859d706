from django.contrib import admin
from import_export.admin import ExportMixin

from core.admin import ReadOnlyAdmin
from members.models import Member, Membership, RosterImport
from members.resources import RosterResource
from members.selectors import can_see_id_numbers


@admin.register(Member)
class MemberAdmin(ExportMixin, ReadOnlyAdmin):
    """Read-only; exports the national 汇总表 layout. Import goes through the roster import page (linked
    from the list), which validates, previews and audits: django-import-export's admin import saves row
    by row and would bypass all three."""

    list_display = ["name", "branch", "category", "status", "id_number_masked"]
    list_filter = ["category", "status"]
    search_fields = ["name"]
    list_select_related = ["branch"]
    exclude = ["id_number_cipher", "id_number_digest"]
    resource_classes = [RosterResource]
    import_export_change_list_template = "members/import_admin_change_list.html"

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"reveal_id": lambda member: can_see_id_numbers(request.user, member)}

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("branch")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["member", "branch", "party_group", "started_on", "ended_on", "reason"]
    list_select_related = ["member", "branch", "party_group"]


@admin.register(RosterImport)
class RosterImportAdmin(ReadOnlyAdmin):
    list_display = ["filename", "created_by", "created_at", "status", "counts"]
    list_filter = ["status"]
    exclude = ["upload"]
