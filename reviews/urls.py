from django.urls import path

from reviews import views

urlpatterns = [
    path("orgs/<slug:code>/campaigns/", views.campaigns, name="campaigns"),
    path("orgs/<slug:code>/campaigns/life-meetings/", views.life_meeting_create, name="life-meeting-create"),
    path("orgs/<slug:code>/campaigns/member-reviews/", views.member_review_create, name="member-review-create"),
    path("orgs/<slug:code>/talks/", views.talk_list, name="talk-list"),
    path("orgs/<slug:code>/talks/new/", views.talk_new, name="talk-new"),
    path("orgs/<slug:code>/warning-education/", views.warning_list, name="warning-list"),
    path("orgs/<slug:code>/warning-education/new/", views.warning_new, name="warning-new"),
    path("life-meetings/<int:pk>/", views.life_meeting_detail, name="life-meeting"),
    path("life-meetings/<int:pk>/material/", views.life_meeting_material, name="life-meeting-material"),
    path("life-meetings/<int:pk>/report/", views.life_meeting_report, name="life-meeting-report"),
    path("life-meetings/<int:pk>/report.pdf", views.life_meeting_report_pdf, name="life-meeting-report-pdf"),
    path("materials/<int:pk>/file/", views.material_file, name="material-file"),
    path("member-reviews/<int:pk>/", views.member_review_detail, name="member-review"),
    path("member-reviews/<int:pk>/ballot/", views.ballot, name="member-review-ballot"),
    path("member-reviews/<int:pk>/self-assessment/", views.self_assessment, name="member-review-self"),
    path("talks/<int:pk>/delete/", views.talk_delete, name="talk-delete"),
]
