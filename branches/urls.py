from django.urls import path

from branches import views

urlpatterns = [
    path("", views.org_list, name="org-list"),
    path("new/", views.org_create, name="org-create"),
    path("<slug:code>/", views.org_detail, name="org-detail"),
    path("<slug:code>/edit/", views.org_edit, name="org-edit"),
    path("<slug:code>/groups/new/", views.group_create, name="group-create"),
    path("<slug:code>/groups/<int:group_id>/edit/", views.group_edit, name="group-edit"),
]
