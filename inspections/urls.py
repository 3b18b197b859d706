from django.urls import path

from inspections import views

urlpatterns = [
    path("alerts/", views.alert_list, name="alert-list"),
    path("alerts/<int:pk>/flag/", views.flag_action, name="flag-action"),
    path("alerts/<int:pk>/comment/", views.alert_comment, name="alert-comment"),
    path("orgs/<slug:code>/alerts/", views.branch_alerts, name="branch-alerts"),
    path("orgs/<slug:code>/dashboard/", views.org_dashboard, name="org-dashboard"),
    path("orgs/<slug:code>/dashboard/<slug:table>.xlsx", views.dashboard_export, name="dashboard-export"),
    path("orgs/<slug:code>/dashboard/ranking/", views.dashboard_ranking, name="dashboard-ranking"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox-read-all"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox-read"),
]
