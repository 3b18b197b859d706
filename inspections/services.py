"""The six-month workflow (党章 第九条; domain-rules §4 "Procedure before removal"): what the branch
records on a member_absent alert. Nothing here changes a member's status."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from branches.models import Organization, OrgRole, Role
from branches.permissions import Perm, require
from core import audit
from core.audit import record_create
from inspections.models import Alert, AlertComment, DashboardSetting, FlagAction, Notification
from inspections.notifications import BRANCH_ACTORS, notify

K = Alert.Kind


def record_flag_action(*, actor, alert: Alert, kind: str, happened_on: date, notes: str, by_whom: str = "",
                       now: datetime, source: str = "web") -> FlagAction:
    """Record a talk, a 正当理由 or the 支部大会's decision on a member_absent alert. A 正当理由 closes
    the alert and excuses the months up to `happened_on` (the clock starts again after them).
    The member's status is never changed here."""
    if alert.kind != K.MEMBER_ABSENT or alert.member_id is None:
        raise ValidationError("只能对党员连续未参加组织生活的预警登记处理情况。")
    if not notes.strip():
        raise ValidationError({"notes": "请填写内容。"})
    if happened_on > timezone.localdate(now):
        raise ValidationError({"happened_on": "日期不能晚于今天。"})
    with transaction.atomic():
        action = FlagAction(alert=alert, member_id=alert.member_id, kind=kind, happened_on=happened_on, notes=notes,
                            by_whom=by_whom, recorded_by=actor if getattr(actor, "pk", None) else None, recorded_at=now)
        action.full_clean()
        action.save()
        record_create(actor=actor, instance=action, source=source)
        if kind == FlagAction.Kind.JUSTIFIED:
            Alert.objects.filter(pk=alert.pk, closed_at__isnull=True).update(
                closed_at=now, close_reason=f"党支部认定有正当理由：{notes}"[:300])
    return action


def set_ranking(*, actor, org, enabled: bool, now: datetime, source: str = "web") -> DashboardSetting:
    """Turn rankings on (or off) in the dashboards of `org`'s subtree: the upper level's own decision
    (Perm.INSPECT on it); a branch has no subtree to rank."""
    if org.is_branch:
        raise ValidationError("排名只能由党委、党总支为其下级组织开启。")
    require(actor, Perm.INSPECT, org)
    with transaction.atomic():
        setting = DashboardSetting.objects.select_for_update().filter(org=org).first()
        before = audit.snapshot(setting) if setting else None
        if setting is None:
            setting = DashboardSetting(org=org)
        setting.ranking_enabled = enabled
        setting.updated_by = actor if getattr(actor, "pk", None) else None
        setting.updated_at = now
        setting.save()
        if before is None:
            audit.record_create(actor=actor, instance=setting, source=source)
        else:
            audit.record_update(actor=actor, instance=setting, before=before, source=source)
    return setting


COMMENT_MAX = 1000


def add_supervision_comment(*, actor, alert: Alert, text: str, now: datetime, source: str = "web") -> AlertComment:
    """督办: an upper level (Perm.INSPECT above the alert's organization) comments on an alert; the branch
    sees it with the alert and its secretary side is notified."""
    require(actor, Perm.INSPECT, alert.org)
    text = text.strip()
    if not text:
        raise ValidationError({"text": "请填写督办意见。"})
    if len(text) > COMMENT_MAX:
        raise ValidationError({"text": f"督办意见不能超过{COMMENT_MAX}字。"})
    if alert.closed_at is not None:
        raise ValidationError("该预警已关闭，不能再督办。", code="conflict")
    with transaction.atomic():
        comment = AlertComment.objects.create(alert=alert, author=actor if getattr(actor, "pk", None) else None,
                                              author_org=_inspecting_org(actor, alert), text=text, created_at=now)
        record_create(actor=actor, instance=comment, source=source)
        users = OrgRole.objects.filter(org_id=alert.org_id, role__in=BRANCH_ACTORS).values_list("user_id", flat=True)
        by = comment.author_org.name if comment.author_org else "上级党组织"
        notify(recipients=users, kind=Notification.Kind.SUPERVISION, level=alert.level, alert=alert,
               title=f"督办：{by}对“{alert.get_kind_display()}”提出意见", body=text,
               url=reverse("branch-alerts", args=[alert.org.code]) + f"#alert-{alert.pk}", now=now)
    return comment


def _inspecting_org(actor, alert: Alert) -> Organization | None:
    """The nearest organization above the alert's where the actor holds an inspecting role."""
    roles = OrgRole.objects.filter(user=actor, role__in=[Role.ORGANIZER, Role.ADMIN], org__isnull=False).select_related("org")
    above = [r.org for r in roles if alert.org.path.startswith(r.org.path)]
    return max(above, key=lambda o: len(o.path)) if above else None
