"""Notifications: one digest per person per scan of the alerts it opened or raised, notices of leave
and 督办, and their e-mails. Each notice carries the page where it is handled."""

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from branches.models import Organization, OrgRole, Role
from core.bulk import chunks
from inspections.models import Alert, Notification

log = logging.getLogger(__name__)

K = Alert.Kind
L = Alert.Level


BRANCH_ACTORS = [Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.ORGANIZATION_MEMBER]  # hold Perm.RECORD on the branch
_UPPER = [Role.VIEWER, Role.ORGANIZER, Role.ADMIN]


def escalates_upward(alert: Alert) -> bool:
    """Overdue meetings at the serious level, six-month flags and 换届 also go to the upper level
    (domain-rules §1: the higher organization reminds a branch of its 换届)."""
    return ((alert.kind == K.MEETING_OVERDUE and alert.level == L.SERIOUS)
            or (alert.kind == K.MEMBER_ABSENT and alert.level == L.SERIOUS) or alert.kind == K.TERM_EXPIRING)


def _claim_unnotified() -> list[int]:
    """Claim every open alert whose level has not been notified, in one conditional UPDATE: a row is
    claimed by exactly one run, however many race."""
    table = Alert._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET notified_level = level "
                       f"WHERE closed_at IS NULL AND notified_level <> level RETURNING id")
        return [row[0] for row in cursor.fetchall()]


_DIGEST_PARTS = [  # (kind, level or None for any, how the digest counts it)
    (K.MEETING_OVERDUE, L.SERIOUS, "新增逾期 {n} 项"),
    (K.MEETING_OVERDUE, L.WARNING, "待补记 {n} 项"),
    (K.MEETING_DUE_SOON, None, "即将到期 {n} 项"),
    (K.MEMBER_ABSENT, L.SERIOUS, "六个月未参加 {n} 人"),
    (K.MEMBER_ABSENT, None, "连续未参加组织生活 {n} 人"),
    (K.DUES_UNPAID, None, "未按时交纳党费 {n} 人"),
    (K.TERM_EXPIRING, None, "换届到期 {n} 个"),
    (K.RECTIFICATION_OVERDUE, None, "整改逾期 {n} 项"),
]
_LEVEL_ORDER = [L.INFO, L.WARNING, L.SERIOUS]
BODY_LINES = 10  # the digest's body names the first alerts; the link shows them all


def digest_text(alerts: list[Alert]) -> str:
    """新增逾期 5 项、六个月未参加 1 人: one count per kind (and level where it changes the action)."""
    parts, seen = [], set()
    for kind, level, text in _DIGEST_PARTS:
        n = 0
        for a in alerts:
            if a.pk not in seen and a.kind == kind and (level is None or a.level == level):
                seen.add(a.pk)
                n += 1
        if n:
            parts.append(text.format(n=n))
    return "、".join(parts)


def _recipients(alerts: list[Alert]) -> tuple[dict[int, set[int]], dict[int, Organization]]:
    """user id → ids of the alerts that concern him: the branch actors of each alert's organization and,
    for the escalated ones, the upper-level roles above it; and the organization each upper-level user's
    digest points at (the highest he holds a role on among those concerned)."""
    org_ids = {a.org_id for a in alerts}
    upper_ids = {anc for a in alerts if escalates_upward(a) for anc in a.org.ancestor_ids()}
    actors, upper = defaultdict(set), defaultdict(set)
    for org_id, user_id in OrgRole.objects.filter(org_id__in=org_ids, role__in=BRANCH_ACTORS).values_list(
            "org_id", "user_id"):
        actors[org_id].add(user_id)
    upper_orgs = {}
    if upper_ids:
        for role in OrgRole.objects.filter(org_id__in=upper_ids, role__in=_UPPER).select_related("org"):
            upper[role.org_id].add(role.user_id)
            held = upper_orgs.get(role.user_id)
            if held is None or len(role.org.path) < len(held.path):
                upper_orgs[role.user_id] = role.org
    concerns = defaultdict(set)
    for alert in alerts:
        for user in actors[alert.org_id]:
            concerns[user].add(alert.pk)
        if escalates_upward(alert):
            for anc in alert.org.ancestor_ids():
                for user in upper[anc]:
                    concerns[user].add(alert.pk)
    return concerns, upper_orgs


def _digest_url(alerts: list[Alert], upper_org: Organization | None) -> str:
    if upper_org is not None:
        return reverse("alert-list") + f"?org={upper_org.code}"
    orgs = {a.org.code for a in alerts}
    return reverse("branch-alerts", args=[orgs.pop()]) if len(orgs) == 1 else reverse("alert-list")


@transaction.atomic
def notify_new_alerts(*, now: datetime) -> int:
    """One digest per recipient per run for the alerts claimed now (opened, or raised to a new level),
    "新增逾期 5 项、六个月未参加 1 人", linking to where they are handled: a city viewer used to get one
    notice per alert (52 in a run). Claim and digests commit together, so a killed run neither loses a
    digest nor sends one twice."""
    claimed = _claim_unnotified()
    if not claimed:
        return 0
    alerts = {}
    for ids in chunks(claimed):
        alerts.update({a.pk: a for a in Alert.objects.filter(pk__in=ids).select_related("org", "member")})
    concerns, upper_orgs = _recipients(list(alerts.values()))
    digests, links = [], []
    for user_id, alert_ids in concerns.items():
        mine = sorted((alerts[i] for i in alert_ids), key=lambda a: (-_LEVEL_ORDER.index(a.level), a.org.path, a.pk))
        level = mine[0].level
        title = f"【{Alert.Level(level).label}】组织生活预警：{digest_text(mine)}"
        lines = [f"{a.org.name}：{a.member.name + '，' if a.member_id else ''}{a.explanation}" for a in mine[:BODY_LINES]]
        if len(mine) > BODY_LINES:
            lines.append(f"……另有 {len(mine) - BODY_LINES} 项，请点击查看。")
        digests.append(Notification(recipient_id=user_id, kind=Notification.Kind.DIGEST, level=level, title=title[:200],
                                    body="\n".join(lines), url=_digest_url(mine, upper_orgs.get(user_id)),
                                    created_at=now))
        links.append(alert_ids)
    Notification.objects.bulk_create(digests, batch_size=2000)
    Through = Notification.alerts.through
    Through.objects.bulk_create([Through(notification_id=n.pk, alert_id=a) for n, ids in zip(digests, links, strict=True)
                                 for a in ids], batch_size=5000)
    return len(digests)


def notify(*, recipients: Iterable[int], kind: str, title: str, body: str, url: str, now: datetime,
           level: str = L.INFO, alert: Alert | None = None) -> int:
    """A notice to each of these users (leave, 督办); e-mailed by the periodic task like the digests."""
    rows = [Notification(recipient_id=u, kind=kind, level=level, title=title[:200], body=body, url=url, alert=alert,
                         created_at=now) for u in set(recipients)]
    Notification.objects.bulk_create(rows)
    return len(rows)


def send_notification_emails(*, now: datetime, limit: int = 500) -> int:
    """E-mail unsent notices when an SMTP server is configured; each notice is claimed with a
    conditional UPDATE before sending (at most once: a crash after the claim loses that e-mail
    rather than sending it twice; the in-app notice remains)."""
    if not settings.EMAIL_HOST:
        return 0
    sent = 0
    pending = (Notification.objects.filter(emailed_at__isnull=True).exclude(recipient__email="")
               .select_related("recipient").order_by("pk")[:limit])
    for notice in pending:
        if not Notification.objects.filter(pk=notice.pk, emailed_at__isnull=True).update(emailed_at=now):
            continue  # another worker claimed it
        context = {"notice": notice, "site_url": settings.SITE_URL}
        try:
            send_mail(subject=render_to_string("inspections/emails/alert_subject.txt", context).strip(),
                      message=render_to_string("inspections/emails/alert_body.txt", context),
                      from_email=None, recipient_list=[notice.recipient.email])
            sent += 1
        except OSError:
            log.exception("sending alert e-mail %s failed", notice.pk)
    return sent
