"""The meetings app's pages, by what they serve: a branch's meetings, leave, exemptions, compliance and
attendance, the iCal feed, and the record book. Each declares its permission (branches.access)."""

from meetings.views.compliance import attendance_overview, compliance_year
from meetings.views.feeds import calendar_feed, calendar_feed_settings
from meetings.views.leave import (
    exemption_consent,
    exemption_decide,
    exemption_list,
    leave_cancel,
    leave_decide,
    leave_inbox,
    leave_request,
    my_orglife,
)
from meetings.views.meetings import (
    meeting_calendar,
    meeting_detail,
    meeting_list,
    meeting_plan,
    meeting_record,
    meeting_record_docx,
)
from meetings.views.recordbook import (
    recordbook_batch,
    recordbook_batch_create,
    recordbook_batch_download,
    recordbook_batch_progress,
    recordbook_batch_resume,
    recordbook_page,
    recordbook_pdf,
    recordbook_pdf_status,
)

__all__ = ["attendance_overview", "calendar_feed", "calendar_feed_settings", "compliance_year", "exemption_consent",
           "exemption_decide", "exemption_list", "leave_cancel", "leave_decide", "leave_inbox", "leave_request", "meeting_calendar",
           "meeting_detail", "meeting_list", "meeting_plan", "meeting_record", "meeting_record_docx", "my_orglife",
           "recordbook_batch", "recordbook_batch_create", "recordbook_batch_download", "recordbook_batch_progress",
           "recordbook_batch_resume", "recordbook_page", "recordbook_pdf", "recordbook_pdf_status"]
