from django.urls import path  # noqa: F401

from meetings import views

urlpatterns = [
    # Record book (《基层党支部活动情况记录册》): one branch as a PDF, a 党委's branches as a zip.
    path("orgs/<slug:code>/recordbook/", views.recordbook_page, name="recordbook"),
    path("orgs/<slug:code>/recordbook/<int:year>.pdf", views.recordbook_pdf, name="recordbook-pdf"),
    path("orgs/<slug:code>/recordbook/batches/", views.recordbook_batch_create, name="recordbook-batch-create"),
    path("recordbook/batches/<int:pk>/", views.recordbook_batch, name="recordbook-batch"),
    path("recordbook/batches/<int:pk>/progress/", views.recordbook_batch_progress, name="recordbook-batch-progress"),
    path("recordbook/batches/<int:pk>/download/", views.recordbook_batch_download, name="recordbook-batch-download"),
    path("meetings/<int:pk>/record.docx", views.meeting_record_docx, name="meeting-record-docx"),
]
