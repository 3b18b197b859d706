from django.contrib import admin
from import_export.admin import ExportMixin

from core.admin import ReadOnlyAdmin
from members.models import IdNumberReveal, Member, Membership, RosterImport
from members.resources import RosterResource
from members.selectors import can_see_id_numbers
from members.services import record_id_reveals


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
        revealed = request._id_reveals = []

        def reveal(member):
            if can_see_id_numbers(request.user, member):
                revealed.append(member)
                return True
            return False

        return {"reveal_id": reveal}

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        record_id_reveals(user=request.user, members=getattr(request, "_id_reveals", []), via=IdNumberReveal.Via.EXPORT)
        return data

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


@admin.register(IdNumberReveal)
class IdNumberRevealAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "member", "via"]
    list_filter = ["via"]
    list_select_related = ["member"]
    search_fields = ["member__name", "username"]
