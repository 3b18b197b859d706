"""Campaign records change only through their services (which validate, audit and keep the engine's
completions in step), so the admin shows them read-only. The 民主测评's receipts, box and ballots are
not registered at all: the tally is read on the review's page once the ballot has closed."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from reviews.models import LifeMeeting, MemberReview, RectificationItem, Talk, WarningEducation


@admin.register(LifeMeeting)
class LifeMeetingAdmin(ReadOnlyAdmin):
    list_display = ["branch", "period_start", "topic", "status", "published_on", "reported_on"]
    list_filter = ["status", "period"]
    search_fields = ["branch__name", "topic"]
    list_select_related = ["branch"]


@admin.register(RectificationItem)
class RectificationItemAdmin(ReadOnlyAdmin):
    list_display = ["branch", "problem", "owner", "deadline", "status", "published_on"]
    list_filter = ["status"]
    search_fields = ["branch__name", "problem"]
    list_select_related = ["branch", "owner"]


@admin.register(MemberReview)
class MemberReviewAdmin(ReadOnlyAdmin):
    list_display = ["branch", "year", "stage", "ballot_status", "voters_count", "reported_on"]
    list_filter = ["stage", "ballot_status", "year"]
    search_fields = ["branch__name"]
    list_select_related = ["branch"]
    exclude = ["stages"]


@admin.register(Talk)
class TalkAdmin(ReadOnlyAdmin):
    list_display = ["branch", "held_on", "talker", "counterpart", "place"]
    search_fields = ["branch__name", "talker__name", "counterpart__name"]
    list_select_related = ["branch", "talker", "counterpart"]
    date_hierarchy = "held_on"


@admin.register(WarningEducation)
class WarningEducationAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "form", "material"]
    list_filter = ["form"]
    list_select_related = ["meeting"]
