from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from branches.access import SIGNED_IN, DeclaredPermissionMixin, public
from members import urls as member_urls
from orglife import views


class SchemaView(DeclaredPermissionMixin, SpectacularAPIView):
    """The OpenAPI schema for signed-in users (session or token) only: it maps every endpoint and field,
    which an intranet system need not hand to anonymous visitors (issue 11, point 10; README, Security)."""

    required_perm = SIGNED_IN


class DocsView(DeclaredPermissionMixin, SpectacularSwaggerView):
    required_perm = SIGNED_IN


urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", public(auth_views.LoginView.as_view(template_name="accounts/login.html",
                                                                redirect_authenticated_user=True)), name="login"),
    path("accounts/logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path("accounts/password/", views.password_change, name="password-change"),
    path("orgs/", views.org_list, name="org-list"),
    path("orgs/", include("branches.urls")),
    path("orgs/<slug:code>/", views.org_detail, name="org-detail"),
    path("orgs/<slug:code>/", include(member_urls.branch_urlpatterns)),
    path("members/", include("members.urls")),
    path("", include("meetings.urls")),
    path("", include("inspections.urls")),
    path("", include("reviews.urls")),
    path("api/v1/", include(("orglife.api_urls", "api"), namespace="api")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    # Last: a mistyped address gets the branded 404 page, also under DEBUG (make run).
    re_path(r"^(?!static/|media/|admin/)(?P<path>.*)$", views.not_found, name="not-found"),
]

handler400 = "orglife.views.bad_request"
