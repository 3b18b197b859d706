from django.contrib import admin

from members.models import Member, Membership
from orglife.admin import ReadOnlyAdmin


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ["name", "branch", "category", "status", "id_number_masked"]
    list_filter = ["category", "status"]
    search_fields = ["name"]
    list_select_related = ["branch"]
    exclude = ["id_number_cipher", "id_number_digest"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["member", "branch", "party_group", "started_on", "ended_on", "reason"]
    list_select_related = ["member", "branch", "party_group"]
