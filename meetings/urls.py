from django.urls import path

from meetings import views

urlpatterns = [
    path("me/", views.my_orglife, name="my-orglife"),
    path("orgs/<slug:code>/meetings/", views.meeting_list, name="meeting-list"),
    path("orgs/<slug:code>/meetings/new/", views.meeting_record, name="meeting-record"),
    path("orgs/<slug:code>/meetings/plan/", views.meeting_plan, name="meeting-plan"),
    path("orgs/<slug:code>/meetings/<int:pk>/edit/", views.meeting_record, name="meeting-edit"),
    path("orgs/<slug:code>/calendar/", views.meeting_calendar, name="meeting-calendar"),
    path("orgs/<slug:code>/calendar.ics", views.calendar_feed, name="calendar-feed"),
    path("orgs/<slug:code>/calendar-feed/", views.calendar_feed_settings, name="calendar-feed-settings"),
    path("orgs/<slug:code>/compliance/", views.compliance_year, name="compliance-year"),
    path("orgs/<slug:code>/attendance/", views.attendance_overview, name="attendance-overview"),
    path("orgs/<slug:code>/leave/", views.leave_inbox, name="leave-inbox"),
    path("orgs/<slug:code>/exemptions/", views.exemption_list, name="exemption-list"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/leave/", views.leave_request, name="leave-request"),
    path("leave/<int:pk>/decide/", views.leave_decide, name="leave-decide"),
    path("leave/<int:pk>/cancel/", views.leave_cancel, name="leave-cancel"),
    path("exemptions/<int:pk>/decide/", views.exemption_decide, name="exemption-decide"),
]
