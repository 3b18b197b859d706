"""Read side: which alerts and notices a user may see. Everything starts from branches.permissions."""

from django.db.models import Q, QuerySet

from branches.models import Organization
from branches.permissions import Perm, org_filter
from inspections.models import Alert, Notification
from members.models import Member


def visible_alerts(user) -> QuerySet[Alert]:
    """Alerts of the organizations where the user holds a viewing role (a plain member sees none)."""
    if not user.is_authenticated:
        return Alert.objects.none()
    q = org_filter(user, Perm.VIEW, prefix="org__")
    return Alert.objects.all() if q is None else Alert.objects.filter(q)


def filter_alerts(qs: QuerySet[Alert], *, kind: str = "", org: Organization | None = None,
                  open: bool | None = True) -> QuerySet[Alert]:
    """By kind, by organization (its whole subtree) and open/closed (None: both)."""
    if kind in Alert.Kind.values:
        qs = qs.filter(kind=kind)
    if org is not None:
        qs = qs.filter(org.subtree_filter(prefix="org__"))
    if open is not None:
        qs = qs.filter(closed_at__isnull=open)
    return qs


def inbox(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("alert__org", "alert__member")


def unread_count(user) -> int:
    return Notification.objects.filter(Q(recipient=user) & Q(read_at__isnull=True)).count()


def member_flags(member: Member) -> list[Alert]:
    """The member's six-month alerts, open first, with their workflow steps."""
    return list(Alert.objects.filter(member=member, kind=Alert.Kind.MEMBER_ABSENT).prefetch_related("actions__recorded_by")
                .order_by("closed_at", "-opened_at")[:10])
