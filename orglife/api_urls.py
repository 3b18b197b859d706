from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from branches.api import OrganizationViewSet, PartyGroupViewSet
from inspections.api import AlertViewSet
from meetings.api import ComplianceView, LeaveRequestViewSet, MeetingViewSet
from members.api import MemberViewSet

router = DefaultRouter()
router.register("orgs", OrganizationViewSet, basename="org")
router.register("party-groups", PartyGroupViewSet, basename="party-group")
router.register("members", MemberViewSet, basename="member")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("leave-requests", LeaveRequestViewSet, basename="leave-request")
router.register("alerts", AlertViewSet, basename="alert")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("orgs/<slug:code>/compliance/", ComplianceView.as_view(), name="org-compliance"),
    path("", include(router.urls)),
]
