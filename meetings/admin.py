from django.contrib import admin

from core.admin import AuditedAdmin, ReadOnlyAdmin
from meetings.models import Exemption, LeaveRequest, LockedYear, Meeting, QuotaRule


@admin.register(QuotaRule)
class QuotaRuleAdmin(AuditedAdmin):
    """Policy is data: administrators edit values and add dated versions or subtree overrides here."""

    list_display = ["kind", "condition", "period", "minimum", "target", "grace_days", "warning_days", "counted_from",
                    "org", "effective_from", "effective_to"]
    list_filter = ["kind", "period", "condition", "counted_from"]
    raw_id_fields = ["org"]
    search_fields = ["article"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["topic", "branch", "held_at", "status", "late_entry", "recorded_at"]
    list_filter = ["status", "late_entry", "kinds__kind"]
    search_fields = ["topic", "branch__name"]
    list_select_related = ["branch"]
    date_hierarchy = "held_at"


@admin.register(LeaveRequest)
class LeaveRequestAdmin(ReadOnlyAdmin):
    list_display = ["member", "meeting", "status", "requested_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["member", "meeting"]


@admin.register(Exemption)
class ExemptionAdmin(ReadOnlyAdmin):
    list_display = ["branch", "member", "reason", "starts_on", "ends_on", "status"]
    list_filter = ["reason", "status"]
    list_select_related = ["branch", "member"]


@admin.register(LockedYear)
class LockedYearAdmin(ReadOnlyAdmin):
    list_display = ["branch", "year", "locked_by", "locked_at"]
