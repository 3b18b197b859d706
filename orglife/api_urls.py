from django.urls import include, path
from rest_framework.routers import APIRootView, DefaultRouter

from branches.access import SIGNED_IN, DeclaredPermissionMixin, public
from branches.api import OrganizationViewSet
from inspections.api import AlertViewSet, DashboardView
from meetings.api import ComplianceView, LeaveRequestViewSet, MeetingViewSet
from members.api import MemberViewSet, PartyGroupViewSet
from orglife.token import TokenView
from reviews.api import (
    LifeMeetingViewSet,
    MemberReviewViewSet,
    RectificationViewSet,
    TalkViewSet,
    WarningEducationViewSet,
)


class RootView(DeclaredPermissionMixin, APIRootView):
    """/api/v1/: the list of resources."""

    required_perm = SIGNED_IN


class Router(DefaultRouter):
    APIRootView = RootView


router = Router()
router.register("orgs", OrganizationViewSet, basename="org")
router.register("party-groups", PartyGroupViewSet, basename="party-group")
router.register("members", MemberViewSet, basename="member")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("leave-requests", LeaveRequestViewSet, basename="leave-request")
router.register("alerts", AlertViewSet, basename="alert")
router.register("life-meetings", LifeMeetingViewSet, basename="life-meeting")
router.register("rectifications", RectificationViewSet, basename="rectification")
router.register("member-reviews", MemberReviewViewSet, basename="member-review")
router.register("talks", TalkViewSet, basename="talk")
router.register("warning-educations", WarningEducationViewSet, basename="warning-education")

urlpatterns = [
    path("auth/token/", public(TokenView.as_view()), name="api-token"),
    path("orgs/<slug:code>/compliance/", ComplianceView.as_view(), name="org-compliance"),
    path("orgs/<slug:code>/dashboard/", DashboardView.as_view(), name="org-dashboard"),
    path("", include(router.urls)),
]
