"""Read side: which alerts and notices a user may see. Everything starts from branches.permissions."""

from django.db.models import Count, Q, QuerySet

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


GROUPS_SHOWN = 100  # organizations listed with their counts, most alerts first
PICKER_MAX = 500  # the organization picker lists the 党委 and 党总支 in scope (a city has about 60)


def alerts_by_org(qs: QuerySet[Alert]) -> list[dict]:
    """The alerts of `qs` counted per organization (the most first), in two queries: an organization
    department reads where the alerts are before reading them."""
    K, L = Alert.Kind, Alert.Level
    rows = list(qs.order_by().values("org_id").annotate(
        total=Count("id"),
        overdue=Count("id", filter=Q(kind=K.MEETING_OVERDUE, level=L.SERIOUS)),
        late=Count("id", filter=Q(kind=K.MEETING_OVERDUE) & ~Q(level=L.SERIOUS)),
        due_soon=Count("id", filter=Q(kind=K.MEETING_DUE_SOON)),
        absent=Count("id", filter=Q(kind=K.MEMBER_ABSENT)),
        other=Count("id", filter=Q(kind__in=[K.TERM_EXPIRING, K.DUES_UNPAID, K.RECTIFICATION_OVERDUE])),
    ).order_by("-total", "org_id")[:GROUPS_SHOWN])
    orgs = Organization.objects.in_bulk([r["org_id"] for r in rows])
    for row in rows:
        row["org"] = orgs[row["org_id"]]
    return rows


def org_picker(user, *, selected: Organization | None = None) -> list[Organization]:
    """The organizations to filter alerts by: the 党委 and 党总支 in the user's scope, and the chosen one."""
    q = org_filter(user, Perm.VIEW)
    qs = Organization.objects.exclude(kind=Organization.Kind.BRANCH)
    picks = list((qs if q is None else qs.filter(q)).order_by("path")[:PICKER_MAX])
    if selected is not None and selected not in picks:
        picks.append(selected)
    return picks
