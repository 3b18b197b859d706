"""/api/v1/ for the campaigns: life-meetings, rectifications, member-reviews (with ballots and tally), talks
and warning-educations. Querysets are the caller's scope (outside: 404); inside it, changes need the
branch's RECORD permission (403) unless the action is one a member takes for himself (his material,
his self-assessment, his ballot, his own talks), which the services check. Services' errors become
400/409 with Chinese messages (core.api)."""

from reviews.api.life import LifeMeetingViewSet, RectificationViewSet
from reviews.api.review import MemberReviewViewSet
from reviews.api.talks import TalkViewSet, WarningEducationViewSet

__all__ = ["LifeMeetingViewSet", "MemberReviewViewSet", "RectificationViewSet", "TalkViewSet", "WarningEducationViewSet"]
