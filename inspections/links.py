"""Where each alert is handled: the page a notice or an alert row links to. Reversed at read time from
the alert's own fields (its subject names the quota rule, the 党小组 and the period), one query for a
whole list's rules."""

from collections.abc import Sequence
from urllib.parse import urlencode

from django.urls import reverse

from inspections.models import Alert
from meetings.models import Kind, QuotaRule

K = Alert.Kind


def _meeting_rule(alert: Alert) -> tuple[int, int | None] | None:
    """(rule id, 党小组 id) from a meeting alert's subject meeting:<rule>:<group or 0>:<period start>."""
    parts = alert.subject.split(":")
    if len(parts) != 4 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return int(parts[1]), int(parts[2]) or None


def alert_links(alerts: Sequence[Alert]) -> dict[int, tuple[str, str]]:
    """alert id → (action label, url): 记录会议/去补记 prefilled for an owed meeting period, the member's page
    for a six-month or dues flag (its workflow is there), the organization for 换届, else its alert list."""
    rule_ids = {parsed[0] for a in alerts if a.kind in (K.MEETING_OVERDUE, K.MEETING_DUE_SOON)
                and (parsed := _meeting_rule(a))}
    kinds = dict(QuotaRule.objects.filter(pk__in=rule_ids).values_list("pk", "kind")) if rule_ids else {}
    links = {}
    for a in alerts:
        code = a.org.code
        parsed = _meeting_rule(a) if a.kind in (K.MEETING_OVERDUE, K.MEETING_DUE_SOON) else None
        kind = kinds.get(parsed[0]) if parsed else None
        if kind == QuotaRule.ALL_ACTIVITIES:
            kind = Kind.THEME_DAY
        if kind in Kind.values and a.period_end:
            params = {"kind": kind, "held": (a.period_end if a.kind == K.MEETING_OVERDUE else a.opened_at.date()).isoformat()}
            if parsed[1]:
                params["group"] = parsed[1]
            label = "去补记" if a.kind == K.MEETING_OVERDUE else "记录会议"
            links[a.pk] = (label, reverse("meeting-record", args=[code]) + "?" + urlencode(params))
        elif parsed:
            links[a.pk] = ("查看", reverse("compliance-year", args=[code]) + f"?year={a.period_start.year}")
        elif a.member_id and a.kind in (K.MEMBER_ABSENT, K.DUES_UNPAID):
            links[a.pk] = ("去处理", reverse("member-detail", args=[a.member_id]))
        elif a.kind == K.TERM_EXPIRING:
            links[a.pk] = ("查看", reverse("org-detail", args=[code]))
        else:
            links[a.pk] = ("查看", reverse("branch-alerts", args=[code]))
    return links


def alert_url(alert: Alert) -> str:
    return alert_links([alert])[alert.pk][1]
