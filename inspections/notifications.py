"""Notifications: in-app notices for the alerts the scanners opened or escalated, and their e-mails."""

import logging
from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string

from branches.models import OrgRole, Role
from core.bulk import chunks
from inspections.models import Alert, Notification

log = logging.getLogger(__name__)

K = Alert.Kind
L = Alert.Level


_BRANCH_ACTORS = [Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.ORGANIZATION_MEMBER]  # hold Perm.RECORD on the branch
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


@transaction.atomic
def notify_new_alerts(*, now: datetime) -> int:
    """In-app notices for the alerts claimed now; claim and notices commit together, so a killed run
    neither loses a notice nor sends one twice (plus a unique (recipient, alert, level) backstop)."""
    claimed = _claim_unnotified()
    created = 0
    for ids in chunks(claimed):
        alerts = list(Alert.objects.filter(pk__in=ids).select_related("org", "member"))
        org_ids = {a.org_id for a in alerts}
        upper_ids = {anc for a in alerts if escalates_upward(a) for anc in a.org.ancestor_ids()}
        actors = defaultdict(set)
        for org_id, user_id in OrgRole.objects.filter(org_id__in=org_ids, role__in=_BRANCH_ACTORS).values_list(
                "org_id", "user_id"):
            actors[org_id].add(user_id)
        upper = defaultdict(set)
        if upper_ids:
            for org_id, user_id in OrgRole.objects.filter(org_id__in=upper_ids, role__in=_UPPER).values_list(
                    "org_id", "user_id"):
                upper[org_id].add(user_id)
        rows = []
        for alert in alerts:
            users = set(actors[alert.org_id])
            if escalates_upward(alert):
                for anc in alert.org.ancestor_ids():
                    users |= upper[anc]
            title = f"【{alert.get_level_display()}】{alert.get_kind_display()}：{alert.org.name}"
            if alert.member_id:
                title += f" · {alert.member.name}"
            rows += [Notification(recipient_id=u, alert=alert, level=alert.level, title=title[:200],
                                  body=alert.explanation, created_at=now) for u in users]
        Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
        created += len(rows)
    return created


def send_notification_emails(*, now: datetime, limit: int = 500) -> int:
    """E-mail unsent notices when an SMTP server is configured; each notice is claimed with a
    conditional UPDATE before sending (at most once: a crash after the claim loses that e-mail
    rather than sending it twice; the in-app notice remains)."""
    if not settings.EMAIL_HOST:
        return 0
    sent = 0
    pending = (Notification.objects.filter(emailed_at__isnull=True).exclude(recipient__email="")
               .select_related("recipient", "alert__org").order_by("pk")[:limit])
    for notice in pending:
        if not Notification.objects.filter(pk=notice.pk, emailed_at__isnull=True).update(emailed_at=now):
            continue  # another worker claimed it
        context = {"notice": notice, "alert": notice.alert}
        try:
            send_mail(subject=render_to_string("inspections/emails/alert_subject.txt", context).strip(),
                      message=render_to_string("inspections/emails/alert_body.txt", context),
                      from_email=None, recipient_list=[notice.recipient.email])
            sent += 1
        except OSError:
            log.exception("sending alert e-mail %s failed", notice.pk)
    return sent
