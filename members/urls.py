from django.urls import path

from members import views

urlpatterns = [
    path("", views.member_list, name="member-list"),
    path("new/", views.member_create, name="member-create"),
    path("<int:pk>/", views.member_detail, name="member-detail"),
    path("<int:pk>/edit/", views.member_edit, name="member-edit"),
    path("<int:pk>/transfer/", views.member_transfer, name="member-transfer"),
    path("import/", views.roster_import, name="roster-import"),
    path("import/<int:pk>/", views.roster_import_detail, name="roster-import-detail"),
    path("import/<int:pk>/confirm/", views.roster_import_confirm, name="roster-import-confirm"),
    path("import/<int:pk>/cancel/", views.roster_import_cancel, name="roster-import-cancel"),
    path("import/<int:pk>/status/", views.roster_import_status, name="roster-import-status"),
    path("import/template.xlsx", views.roster_template, name="roster-template"),
    path("export.xlsx", views.roster_export, name="roster-export"),
]

# Mounted under orgs/<code>/ by the project urls: a branch's 党小组.
branch_urlpatterns = [
    path("groups/new/", views.group_create, name="group-create"),
    path("groups/<int:group_id>/edit/", views.group_edit, name="group-edit"),
]
