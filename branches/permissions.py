"""One vocabulary of what a role may do, and one place that answers "where may this user do it".

Branch roles act on their branch; upper-level roles (viewer, organizer, admin) act on the whole
subtree of the organization they hold the role on. Every queryset in the project starts from
`orgs_where(user, perm)` (or the selectors built on it).
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet

from branches.models import Organization, OrgRole, Role


class Perm(models.TextChoices):
    VIEW = "view", "查看组织的记录和名册"
    RECORD = "record", "记录会议、审批请假"
    APPROVE_GROUP_LEAVE = "approve_group_leave", "审批本党小组党小组会的请假"
    MANAGE_MEMBERS = "manage_members", "管理名册、组织关系转接、党小组、导入"
    MANAGE_ORGS = "manage_orgs", "管理组织树和角色"
    INSPECT = "inspect", "上级检查、退回记录"


_BRANCH_COMMITTEE = {Perm.VIEW, Perm.RECORD, Perm.MANAGE_MEMBERS}
ROLE_PERMS: dict[str, set[str]] = {
    Role.SECRETARY: _BRANCH_COMMITTEE,
    Role.DEPUTY_SECRETARY: _BRANCH_COMMITTEE,
    Role.ORGANIZATION_MEMBER: _BRANCH_COMMITTEE,
    Role.PROPAGANDA_MEMBER: {Perm.VIEW},
    Role.DISCIPLINE_MEMBER: {Perm.VIEW},
    Role.GROUP_LEADER: {Perm.VIEW, Perm.APPROVE_GROUP_LEAVE},
    Role.VIEWER: {Perm.VIEW},
    Role.ORGANIZER: {Perm.VIEW, Perm.INSPECT},
    Role.ADMIN: {Perm.VIEW, Perm.RECORD, Perm.MANAGE_MEMBERS, Perm.MANAGE_ORGS, Perm.INSPECT},
}
SUBTREE_ROLES = {Role.VIEWER, Role.ORGANIZER, Role.ADMIN}
BRANCH_ROLES = set(Role) - SUBTREE_ROLES


def _roles(user) -> list[OrgRole]:
    """The user's roles, loaded once per user object (i.e. once per request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_orglife_roles", None)
    if cached is None:
        cached = list(OrgRole.objects.filter(user=user).select_related("org"))
        user._orglife_roles = cached
    return cached


def is_global_admin(user) -> bool:
    return getattr(user, "is_superuser", False) or any(r.org_id is None and r.role == Role.ADMIN for r in _roles(user))


def org_filter(user, perm: str, prefix: str = "") -> Q | None:
    """A Q over Organization (through `prefix`) for the organizations where `user` has `perm`.

    None means everywhere (a global admin); an empty match is Q(pk__in=[]).
    """
    if is_global_admin(user):
        return None
    q = Q(**{f"{prefix}pk__in": []})
    for role in _roles(user):
        if perm not in ROLE_PERMS[role.role] or role.org is None:
            continue
        if role.role in SUBTREE_ROLES:
            q |= Q(**{f"{prefix}path__startswith": role.org.path})
        else:
            q |= Q(**{f"{prefix}pk": role.org_id})
    return q


def orgs_where(user, perm: str) -> QuerySet[Organization]:
    q = org_filter(user, perm)
    return Organization.objects.all() if q is None else Organization.objects.filter(q)


def has_perm(user, perm: str, org: Organization | None) -> bool:
    """Whether `user` has `perm` on `org` (None: on the whole tree, e.g. creating a root)."""
    if is_global_admin(user):
        return True
    if org is None:
        return False
    for role in _roles(user):
        if perm not in ROLE_PERMS[role.role] or role.org is None:
            continue
        if role.org_id == org.pk or (role.role in SUBTREE_ROLES and org.path.startswith(role.org.path)):
            return True
    return False


def require(user, perm: str, org: Organization | None) -> None:
    """Raise PermissionDenied (403 in pages and the API) unless `user` has `perm` on `org`.

    `user=None` is the system itself (commands, the demo seed, tasks acting for no one)."""
    if user is not None and not has_perm(user, perm, org):
        raise PermissionDenied("您没有在该组织执行此操作的权限。")


def has_any_role(user) -> bool:
    return is_global_admin(user) or bool(_roles(user))
