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
    path("exemptions/<int:pk>/consent/", views.exemption_consent, name="exemption-consent"),
    # Record book (《基层党支部活动情况记录册》): one branch as a PDF, a 党委's branches as a zip.
    path("orgs/<slug:code>/recordbook/", views.recordbook_page, name="recordbook"),
    path("orgs/<slug:code>/recordbook/<int:year>.pdf", views.recordbook_pdf, name="recordbook-pdf"),
    path("orgs/<slug:code>/recordbook/<int:year>/status/", views.recordbook_pdf_status, name="recordbook-pdf-status"),
    path("orgs/<slug:code>/recordbook/batches/", views.recordbook_batch_create, name="recordbook-batch-create"),
    path("recordbook/batches/<int:pk>/", views.recordbook_batch, name="recordbook-batch"),
    path("recordbook/batches/<int:pk>/resume/", views.recordbook_batch_resume, name="recordbook-batch-resume"),
    path("recordbook/batches/<int:pk>/progress/", views.recordbook_batch_progress, name="recordbook-batch-progress"),
    path("recordbook/batches/<int:pk>/download/", views.recordbook_batch_download, name="recordbook-batch-download"),
    path("meetings/<int:pk>/record.docx", views.meeting_record_docx, name="meeting-record-docx"),
]
