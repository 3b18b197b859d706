from django.urls import path

from branches import views

urlpatterns = [
    path("new/", views.org_create, name="org-create"),
    path("<slug:code>/edit/", views.org_edit, name="org-edit"),
]
