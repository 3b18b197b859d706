"""Every page and endpoint declares the permission it needs (branches.access); the system check
orglife.E001 fails on a URL pattern that does not."""

import sys
import types

from django.core.management import call_command
from django.http import HttpResponse
from django.urls import get_resolver, path
from rest_framework.views import APIView

from branches.access import SIGNED_IN, DeclaredPermissionMixin, signed_in, undeclared_urls
from orglife.checks import permissions_declared


def test_every_url_of_the_project_declares_its_permission():
    assert undeclared_urls(get_resolver().url_patterns) == []
    assert permissions_declared(None) == []
    call_command("check")  # raises SystemCheckError on orglife.E001


def _undeclared_page(request):
    return HttpResponse("forgot")


class _UndeclaredApi(APIView):
    def get(self, request):
        return HttpResponse("forgot")


class _DeclaredApi(DeclaredPermissionMixin, APIView):
    required_perm = SIGNED_IN


def test_the_check_fails_on_a_page_or_endpoint_that_forgets():
    patterns = [
        path("ok/", signed_in(_undeclared_page)),
        path("forgot/", _undeclared_page),
        path("api/ok/", _DeclaredApi.as_view()),
        path("api/forgot/", _UndeclaredApi.as_view()),
    ]
    assert undeclared_urls(patterns) == ["forgot/", "api/forgot/"]


def test_the_system_check_reports_an_undeclared_pattern(settings):
    module = types.ModuleType("undeclared_urls_fixture")
    module.urlpatterns = [path("forgot/", _undeclared_page)]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    try:
        errors = permissions_declared(None)
    finally:
        del sys.modules[module.__name__]
    assert [e.id for e in errors] == ["orglife.E001"] and "forgot/" in errors[0].msg
