"""Where each page and endpoint declares the permission it needs, and the one place that enforces it.

HTML views declare it in one line:

    @org_page(Perm.RECORD, kind=Organization.Kind.BRANCH)   # URL names an organization (`code`)
    def meeting_record(request, branch): ...                  # the view receives it, already checked

    @record_page(Perm.VIEW, load=visible_meetings, org=lambda m: m.branch)   # URL names a record (`pk`)
    @held_somewhere(Perm.MANAGE_MEMBERS)   # the perm on at least one organization (e.g. the import)
    @signed_in      # any signed-in user; what the view shows comes from scoped selectors (visible_*)
    @public         # no login: the login page, the health check, token-authenticated calendar feeds

API views set `required_perm` (to read) and `write_perm` (to change) on the class and use
`DeclaredPermission`; `org_of(obj)` names the organization an object belongs to.

Outside the user's scope is 404 (an outsider cannot learn what exists); inside it without the
permission is 403. `tests/test_permissions_declared.py` walks the URL configuration and fails on any
pattern without a declaration.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from rest_framework.permissions import SAFE_METHODS, BasePermission

from branches.models import Organization
from branches.permissions import Perm, has_perm, orgs_where, require
from branches.selectors import visible_orgs

SIGNED_IN = "signed_in"  # any signed-in user; querysets scoped by the user's roles
PUBLIC = "public"  # no login
DECLARATIONS = {*Perm.values, SIGNED_IN, PUBLIC}


def org_or_404(user, code: str, perm: str, *, kind: str | None = None) -> Organization:
    """The organization `code` if the user may see it (else 404) and holds `perm` on it (else 403;
    SIGNED_IN: seeing it is enough, e.g. a member opening his own branch)."""
    orgs = visible_orgs(user)
    if kind is not None:
        orgs = orgs.filter(kind=kind)
    org = get_object_or_404(orgs, code=code)
    if perm != SIGNED_IN:
        require(user, perm, org)
    return org


def _declare(view, perm: str, kind: str | None = None):
    view.required_perm = perm
    view.org_kind = kind
    return view


def org_page(perm: str, *, kind: str | None = None, query: str | None = None):
    """The URL's `code` (or the query parameter `query`) names an organization; the view is called
    with it in its place."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            code = request.GET.get(query, "") if query else kwargs.pop("code")
            return view(request, org_or_404(request.user, code, perm, kind=kind), *args, **kwargs)

        return _declare(login_required(wrapped), perm, kind)

    return decorator


def held_somewhere(perm: str, *, kind: str | None = None):
    """The user must hold `perm` on at least one organization (of `kind`): pages that work across the
    user's scope, like the roster import, whose rows are then checked one by one."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            orgs = orgs_where(request.user, perm)
            if not (orgs.filter(kind=kind) if kind else orgs).exists():
                raise PermissionDenied("您没有执行该操作的权限。")
            return view(request, *args, **kwargs)

        return _declare(login_required(wrapped), perm, kind)

    return decorator


def record_page(perm: str, *, load, org=lambda obj: obj.branch):
    """The URL's `pk` names a record found through `load(user)` (a scoped queryset: 404 outside it);
    `perm` is then required on `org(record)` (403), unless it is SIGNED_IN (the scope is the rule)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, pk, **kwargs):
            record = get_object_or_404(load(request.user), pk=pk)
            if perm != SIGNED_IN:
                require(request.user, perm, org(record))
            return view(request, record, *args, **kwargs)

        return _declare(login_required(wrapped), perm)

    return decorator


def signed_in(view):
    return _declare(login_required(view), SIGNED_IN)


def public(view):
    return _declare(view, PUBLIC)


class DeclaredPermission(BasePermission):
    """Enforces an API view's declaration: `required_perm` for reading, `write_perm` for changing
    (None: the resource is read-only), each on `view.org_of(obj)`. Lists and creates are scoped by the
    view's queryset and by `view.require_write(org)` on the target of a create. Fails closed: a view
    that declares nothing answers 403."""

    message = "您没有执行该操作的权限。"

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if getattr(view, request.method.lower(), None) is None:
            return True  # a method the view does not offer: let DRF answer 405
        perm = getattr(view, "required_perm", None) if request.method in SAFE_METHODS else getattr(view, "write_perm", None)
        return perm in DECLARATIONS

    def has_object_permission(self, request, view, obj):
        perm = view.required_perm if request.method in SAFE_METHODS else view.write_perm
        if perm in (SIGNED_IN, PUBLIC):
            return True
        return has_perm(request.user, perm, view.org_of(obj))


class DeclaredPermissionMixin:
    """For API views: declare `required_perm` and `write_perm`; `org_of` names an object's organization."""

    permission_classes = [DeclaredPermission]
    required_perm: str | None = None
    write_perm: str | None = None

    def org_of(self, obj) -> Organization:
        return obj.branch

    def require_write(self, org: Organization | None) -> None:
        require(self.request.user, self.write_perm, org)


def undeclared_urls(patterns, prefix: str = "") -> list[str]:
    """The URL patterns (as routes) whose view declares no permission: for the system check and its test.
    The admin site is left out: it guards itself (staff only)."""
    from django.urls import URLResolver

    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                found += undeclared_urls(pattern.url_patterns, route)
            continue
        view = pattern.callback
        api_class = getattr(view, "cls", None)
        if getattr(view, "required_perm", None) == PUBLIC:  # said out loud, on the view itself
            declared = True
        elif api_class is not None:  # a DRF view: it must use DeclaredPermission and declare what it reads
            declared = (DeclaredPermission in api_class.permission_classes
                        and getattr(api_class, "required_perm", None) in DECLARATIONS)
        else:
            declared = getattr(view, "required_perm", None) in DECLARATIONS
        if not declared:
            found.append(route)
    return found
