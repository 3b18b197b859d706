from django.contrib import admin

from branches.models import Organization, OrgRole, PartyGroup, PolicyValue
from core.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "kind", "parent", "sector", "term_end"]
    list_filter = ["kind", "sector"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]


@admin.register(PartyGroup)
class PartyGroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "branch", "leader", "set_up_on", "dissolved_on"]
    search_fields = ["name", "branch__name"]
    list_select_related = ["branch", "leader"]


@admin.register(OrgRole)
class OrgRoleAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "org"]
    list_filter = ["role"]
    search_fields = ["user__username", "org__name"]
    list_select_related = ["user", "org"]


@admin.register(PolicyValue)
class PolicyValueAdmin(AuditedAdmin):
    list_display = ["key", "org", "value", "effective_from", "effective_to", "article"]
    list_filter = ["key"]
    raw_id_fields = ["org"]
