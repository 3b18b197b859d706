"""A system check: every URL pattern's view declares the permission it needs (branches.access), so a
new page or endpoint cannot forget. Runs with `manage.py check`, at start-up and in the tests."""

from django.core.checks import Error, register
from django.urls import get_resolver

from branches.access import undeclared_urls


@register()
def permissions_declared(app_configs, **kwargs):
    return [Error(f"URL “{route}” 的视图没有声明所需权限。",
                  hint="用 branches.access 的 org_page / record_page / held_somewhere / signed_in / public 声明；"
                       "API 视图用 DeclaredPermissionMixin 并设置 required_perm。",
                  id="orglife.E001")
            for route in undeclared_urls(get_resolver().url_patterns)]
