"""Read-side queries for the organization tree. Everything a user sees starts from permissions.orgs_where."""

from django.db.models import Q, QuerySet

from branches.models import Organization, PartyGroup
from branches.permissions import Perm, org_filter, orgs_where


def visible_orgs(user) -> QuerySet[Organization]:
    """Organizations the user may open: where they hold a viewing role, plus a member's own branch."""
    q = org_filter(user, Perm.VIEW)
    if q is None:
        return Organization.objects.all()
    member = getattr(user, "member", None) if user.is_authenticated else None
    if member is not None:
        q |= Q(pk=member.branch_id)
    return Organization.objects.filter(q)


def visible_party_groups(user) -> QuerySet[PartyGroup]:
    return PartyGroup.objects.filter(branch__in=orgs_where(user, Perm.VIEW)).select_related("branch", "leader")


def subtree(org: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(org.subtree_filter())


def branches_under(org: Organization) -> QuerySet[Organization]:
    return subtree(org).filter(kind=Organization.Kind.BRANCH)
