"""Write-side services for the organization tree, party groups and roles.

Each validates, saves and writes the audit entry inside one transaction; views, the API, admin,
imports and commands all call these.
"""

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from branches.models import Organization, OrgRole, PartyGroup, Role
from branches.permissions import BRANCH_ROLES, Perm, is_global_admin, require
from core import audit
from core.dates import add_years
from core.signals import announce_branch_change

ORG_FIELDS = ("code", "name", "kind", "sector", "founded_on", "approval_document", "term_start", "term_end")

# Which kinds may sit under which (党委 → 党总支 → 党支部; a 党委 may hold branches directly).
_ALLOWED_PARENTS = {
    Organization.Kind.PARTY_COMMITTEE: {None, Organization.Kind.PARTY_COMMITTEE},
    Organization.Kind.GENERAL_BRANCH: {Organization.Kind.PARTY_COMMITTEE},
    Organization.Kind.BRANCH: {Organization.Kind.PARTY_COMMITTEE, Organization.Kind.GENERAL_BRANCH},
}


def _check_parent(org: Organization, parent: Organization | None) -> None:
    if parent is not None and org.pk and (parent.pk == org.pk or parent.path.startswith(org.path)):
        raise ValidationError({"parent": "不能把组织移到它自己或它的下级组织之下（会形成循环）。"})
    parent_kind = parent.kind if parent else None
    if parent_kind not in _ALLOWED_PARENTS[org.kind]:
        if parent is None:
            raise ValidationError({"parent": f"{org.get_kind_display()}必须有上级党组织。"})
        raise ValidationError({"parent": f"{org.get_kind_display()}不能设在{parent.get_kind_display()}之下。"})
    if org.pk and org.kind == Organization.Kind.BRANCH and org.children.exists():
        raise ValidationError({"kind": "该组织下还有下级组织，不能改为党支部。"})


def _check_may_place(actor, parent: Organization | None) -> None:
    """Only an administrator of the whole tree may make a top-level organization; others need
    MANAGE_ORGS on the new parent. `actor=None` is the system (commands, the demo seed)."""
    if parent is None and actor is not None and not is_global_admin(actor):
        raise ValidationError({"parent": "请填写上级组织代码：只有全部组织的管理员可以设立顶级党组织。"})
    if parent is not None:
        require(actor, Perm.MANAGE_ORGS, parent)


def _place(org: Organization, parent: Organization | None) -> None:
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.depth = parent.depth + 1 if parent else 0


@transaction.atomic
def create_organization(*, actor, parent: Organization | None, source: str = "web", **fields) -> Organization:
    _check_may_place(actor, parent)
    org = Organization(parent=parent, **{k: v for k, v in fields.items() if k in ORG_FIELDS})
    _check_parent(org, parent)
    org.full_clean(exclude=["path", "depth"])
    org.save()
    _place(org, parent)
    org.save(update_fields=["path", "depth"])
    audit.record_create(actor=actor, instance=org, source=source)
    if org.is_branch:
        announce_branch_change([org.pk])
    return org


@transaction.atomic
def update_organization(*, actor, org: Organization, source: str = "web", **fields) -> Organization:
    """Update fields; a new `parent` moves the whole subtree with one UPDATE of the paths."""
    require(actor, Perm.MANAGE_ORGS, org)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    before = audit.snapshot(org)
    new_parent = fields.pop("parent", org.parent)
    if new_parent != org.parent:
        _check_may_place(actor, new_parent)
    for name, value in fields.items():
        if name in ORG_FIELDS:
            setattr(org, name, value)
    if new_parent != org.parent or "kind" in fields:
        _check_parent(org, new_parent)
    org.full_clean(exclude=["path", "depth", "parent"])
    if new_parent != org.parent:
        old_path, old_depth = org.path, org.depth
        org.parent = new_parent
        _place(org, new_parent)
        Organization.objects.filter(path__startswith=old_path).exclude(pk=org.pk).update(
            path=Concat(Value(org.path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + (org.depth - old_depth),
        )
    org.save()
    audit.record_update(actor=actor, instance=org, before=before, source=source)
    if org.parent_id != before["parent"]:  # moved: its branches are summed under new ancestors
        announce_branch_change(Organization.objects.filter(org.subtree_filter(), kind=Organization.Kind.BRANCH)
                               .values_list("pk", flat=True))
    return org


@transaction.atomic
def delete_organization(*, actor, org: Organization, source: str = "web") -> None:
    require(actor, Perm.MANAGE_ORGS, org)
    if org.children.exists():
        raise ValidationError("该组织下还有下级组织，不能删除。", code="conflict")
    if org.members.exists() or org.memberships.exists():
        raise ValidationError("该组织有党员或组织关系记录，不能删除。", code="conflict")
    audit.record_delete(actor=actor, instance=org, source=source)
    org.delete()


def _check_group(group: PartyGroup) -> None:
    if not group.branch.is_branch:
        raise ValidationError({"branch": "党小组只能设在党支部内。"})
    if group.leader_id and group.leader.branch_id != group.branch_id:
        raise ValidationError({"leader": "党小组长必须是本支部的党员。"})
    group.full_clean()


@transaction.atomic
def create_party_group(*, actor, branch: Organization, name: str, leader=None, set_up_on: date | None = None,
                       dissolved_on: date | None = None, source: str = "web") -> PartyGroup:
    """A 党小组 set up on `set_up_on` (default: today); the periods from then on are judged with it."""
    group = PartyGroup(branch=branch, name=name, leader=leader, set_up_on=set_up_on or timezone.localdate(),
                       dissolved_on=dissolved_on)
    _check_group(group)
    group.save()
    audit.record_create(actor=actor, instance=group, source=source)
    announce_branch_change([group.branch_id])  # per-group rules, the 党小组 condition
    return group


@transaction.atomic
def update_party_group(*, actor, group: PartyGroup, source: str = "web", **fields) -> PartyGroup:
    before = audit.snapshot(group)
    if fields.get("set_up_on", group.set_up_on) is None:
        fields.pop("set_up_on")  # left empty on the form: the group keeps its date
    for name in ("name", "leader", "set_up_on", "dissolved_on"):
        if name in fields:
            setattr(group, name, fields[name])
    _check_group(group)
    group.save()
    audit.record_update(actor=actor, instance=group, before=before, source=source)
    announce_branch_change([group.branch_id])
    return group


@transaction.atomic
def delete_party_group(*, actor, group: PartyGroup, source: str = "web") -> None:
    audit.record_delete(actor=actor, instance=group, source=source)
    group.delete()  # members' party_group is set to NULL; membership history keeps the old group
    announce_branch_change([group.branch_id])


def create_or_update_user(*, username: str, password: str, name: str = ""):
    """A login account with this password (and display name); the one way accounts are made. The
    password passes the project's validators (settings.AUTH_PASSWORD_VALIDATORS) or nothing is saved."""
    User = get_user_model()
    user = User.objects.filter(username=username).first() or User(username=username)
    if name:
        user.first_name = name
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def assign_role(*, actor, user, role: str, org: Organization | None, source: str = "web") -> OrgRole:
    if role not in Role.values:
        raise ValidationError({"role": f"未知角色“{role}”。可用角色：{', '.join(Role.values)}。"})
    if org is None and role != Role.ADMIN:
        raise ValidationError({"org": "除管理员外，角色必须指定党组织。"})
    if org is not None and role in BRANCH_ROLES and not org.is_branch:
        raise ValidationError({"org": f"“{Role(role).label}”只能设在党支部上。"})
    existing = OrgRole.objects.filter(user=user, org=org, role=role).first()
    if existing:
        return existing
    grant = OrgRole.objects.create(user=user, org=org, role=role)
    audit.record_create(actor=actor, instance=grant, source=source)
    return grant


@transaction.atomic
def revoke_role(*, actor, grant: OrgRole, source: str = "web") -> None:
    audit.record_delete(actor=actor, instance=grant, source=source)
    grant.delete()


def term_years_for(org: Organization) -> int:
    """支部条例: 村、社区党支部委员会每届任期5年，其他一般3年."""
    return 5 if org.sector in (Organization.Sector.RURAL, Organization.Sector.COMMUNITY) else 3


def default_term_end(org: Organization, start: date) -> date:
    return add_years(start, term_years_for(org))
