"""Alerts raised by the scanners, the notifications they send, and the six-month workflow.

An alert is a transition record (healthchecks' `Flip`): opened once per subject and period, closed
when the cause goes away. A partial unique constraint keeps at most one open alert per
(organization, kind, subject), even when two scans race.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Alert(models.Model):
    class Kind(models.TextChoices):
        MEETING_DUE_SOON = "meeting_due_soon", "会议即将到期"
        MEETING_OVERDUE = "meeting_overdue", "会议逾期"
        MEMBER_ABSENT = "member_absent", "党员连续未参加组织生活"
        TERM_EXPIRING = "term_expiring", "换届到期"
        DUES_UNPAID = "dues_unpaid", "党员未交纳党费"
        RECTIFICATION_OVERDUE = "rectification_overdue", "整改逾期"

    class Level(models.TextChoices):
        INFO = "info", "提示"
        WARNING = "warning", "警示"
        SERIOUS = "serious", "严重"

    kind = models.CharField("类型", max_length=30, choices=Kind.choices)
    org = models.ForeignKey("branches.Organization", verbose_name="党组织", on_delete=models.CASCADE,
                            related_name="alerts")
    member = models.ForeignKey("members.Member", verbose_name="党员", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="alerts")
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    subject = models.CharField("对象", max_length=120,
                               help_text="确定性的对象键，如 meeting:<规则>:<党小组或0>:<期间开始>、absence:<党员>")
    rule = models.CharField("依据", max_length=300, blank=True)
    period_start = models.DateField("期间开始", null=True, blank=True)
    period_end = models.DateField("期间结束", null=True, blank=True)
    months = models.PositiveSmallIntegerField("连续月数", null=True, blank=True)
    explanation = models.TextField("说明")
    opened_at = models.DateTimeField("发现时间")
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    close_reason = models.CharField("关闭原因", max_length=300, blank=True)
    # The level last notified: notifications are claimed with UPDATE … WHERE notified_level <> level,
    # so a re-run (or a run killed after the claim's transaction) never notifies twice.
    notified_level = models.CharField("已通知级别", max_length=10, blank=True)

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "kind", "subject"], condition=Q(closed_at__isnull=True),
                                    name="alert_one_open_per_subject"),
            models.CheckConstraint(condition=Q(level__in=["info", "warning", "serious"]), name="alert_level_valid"),
            models.CheckConstraint(condition=Q(kind__in=["meeting_due_soon", "meeting_overdue", "member_absent",
                                                         "term_expiring", "dues_unpaid", "rectification_overdue"]),
                                   name="alert_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["kind", "subject"], condition=Q(closed_at__isnull=True), name="alert_open_kind"),
            models.Index(fields=["org", "closed_at"], name="alert_org"),
            models.Index(fields=["member"], condition=Q(member__isnull=False), name="alert_member"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.org_id} · {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def state_label(self) -> str:
        """What the branch reads first: a meeting period still inside its 补记 grace window is 待补记
        (the scanners raise it at the warning level), past it 已逾期."""
        if self.closed_at is not None:
            return "已关闭"
        if self.kind == self.Kind.MEETING_OVERDUE:
            return "已逾期" if self.level == self.Level.SERIOUS else "待补记"
        if self.kind == self.Kind.MEETING_DUE_SOON:
            return "即将到期"
        return "未关闭"

    @property
    def days_note(self) -> str:
        """The days left of an open due-soon period (today included) or term, or since a term ended:
        counted when shown, because the stored explanation names the day (a count would change every
        night, and every such alert be rewritten by every scan)."""
        if self.closed_at is not None or self.period_end is None:
            return ""
        days = (self.period_end - timezone.localdate()).days
        if self.kind == self.Kind.MEETING_DUE_SOON:
            return f"还剩{max(days + 1, 0)}天"
        if self.kind == self.Kind.TERM_EXPIRING:
            return f"还剩{days}天" if days > 0 else f"已过{-days}天"
        return ""


class Notification(models.Model):
    """One in-app notice to one user, e-mailed when SMTP is configured, with the page where it is handled:
    a scan's digest of the alerts it opened or raised for that user (one per user per run), a leave
    request for its approvers, the decision for the member, a 督办 comment for the branch."""

    class Kind(models.TextChoices):
        DIGEST = "digest", "预警汇总"
        ALERT = "alert", "预警"
        LEAVE_REQUESTED = "leave_requested", "请假申请"
        LEAVE_DECIDED = "leave_decided", "请假审批结果"
        SUPERVISION = "supervision", "督办意见"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.ALERT)
    alert = models.ForeignKey(Alert, verbose_name="预警", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="notifications")
    alerts = models.ManyToManyField(Alert, verbose_name="汇总的预警", blank=True, related_name="digests")
    level = models.CharField("级别", max_length=10, choices=Alert.Level.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    url = models.CharField("处理页面", max_length=300, blank=True)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "alert", "level"], condition=Q(alert__isnull=False),
                                    name="notification_once"),
            models.CheckConstraint(condition=Q(kind__in=["digest", "alert", "leave_requested", "leave_decided",
                                                         "supervision"]), name="notification_kind_valid"),
        ]
        indexes = [models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread")]

    def __str__(self):
        return self.title


class AlertComment(models.Model):
    """督办: the upper level's comment on an alert of its subtree, which the branch sees with the alert."""

    alert = models.ForeignKey(Alert, verbose_name="预警", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="督办人", null=True, on_delete=models.SET_NULL,
                               related_name="+")
    author_org = models.ForeignKey("branches.Organization", verbose_name="督办单位", null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    text = models.TextField("督办意见")
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "督办意见"
        verbose_name_plural = "督办意见"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.alert_id} 督办 {self.created_at:%Y-%m-%d}"


class FlagAction(models.Model):
    """A step of the six-month workflow on a member_absent alert (党章 第九条): a talk, a 正当理由
    (closes the flag and excuses the months before it), or the 支部大会's decision. None of them
    changes the member's status: removal needs the 支部大会 and the upper level's approval."""

    class Kind(models.TextChoices):
        TALK = "talk", "谈话"
        JUSTIFIED = "justified", "认定有正当理由"
        DECISION = "decision", "支部大会研究决定"

    alert = models.ForeignKey(Alert, verbose_name="预警", on_delete=models.CASCADE, related_name="actions")
    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.CASCADE,
                               related_name="flag_actions")
    kind = models.CharField("事项", max_length=20, choices=Kind.choices)
    happened_on = models.DateField("日期")
    by_whom = models.CharField("谈话人或会议", max_length=100, blank=True)
    notes = models.TextField("内容")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField("录入时间")

    class Meta:
        verbose_name = "连续未参加组织生活处理记录"
        verbose_name_plural = "连续未参加组织生活处理记录"
        ordering = ["happened_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=["talk", "justified", "decision"]),
                                              name="flag_action_kind_valid")]
        indexes = [models.Index(fields=["member", "kind", "happened_on"], name="flag_action_member")]

    def __str__(self):
        return f"{self.member_id} {self.get_kind_display()} {self.happened_on}"


class DashboardSetting(models.Model):
    """An upper level's choice for the dashboards of its subtree. Rankings are off unless the
    organization (or the nearest ancestor that decided) turns them on: users complain of rankings
    (design.md "Less 留痕 burden")."""

    org = models.OneToOneField("branches.Organization", verbose_name="党组织", on_delete=models.CASCADE,
                               related_name="dashboard_setting")
    ranking_enabled = models.BooleanField("显示排名", default=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField("修改时间")

    class Meta:
        verbose_name = "督导看板设置"
        verbose_name_plural = "督导看板设置"

    def __str__(self):
        return f"{self.org_id} 排名{'开' if self.ranking_enabled else '关'}"
