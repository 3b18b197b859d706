from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from members.models import Member


class Kind(models.TextChoices):
    BRANCH_ASSEMBLY = "branch_assembly", "支部党员大会"
    BRANCH_COMMITTEE = "branch_committee", "支委会"
    GROUP_MEETING = "group_meeting", "党小组会"
    PARTY_LECTURE = "party_lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"
    LIFE_MEETING = "life_meeting", "组织生活会"
    MEMBER_REVIEW = "member_review", "民主评议党员"
    WARNING_EDUCATION = "warning_education", "警示教育"


class Meeting(models.Model):
    """One meeting, recorded once; it counts for every kind it was held as (a 主题党日 held as a 党员大会
    with a 党课 counts for all three). It counts toward the period in which it was *held*."""

    class Status(models.TextChoices):
        PLANNED = "planned", "计划"
        HELD = "held", "已召开"

    branch = models.ForeignKey("branches.Organization", verbose_name="党支部", on_delete=models.PROTECT,
                               related_name="meetings")
    party_group = models.ForeignKey("branches.PartyGroup", verbose_name="党小组", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="meetings")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.HELD)
    held_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    place = models.CharField("地点", max_length=100, blank=True)
    topic = models.CharField("会议主题", max_length=200)
    host = models.ForeignKey("members.Member", verbose_name="主持人", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="hosted_meetings")
    recorder = models.ForeignKey("members.Member", verbose_name="记录人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="recorded_meetings")
    lecturer = models.CharField("党课主讲人", max_length=50, blank=True)
    minutes = models.TextField("会议记录", blank=True)
    resolutions = models.TextField("决议事项", blank=True)
    guests = models.CharField("列席人员", max_length=300, blank=True)
    recorded_at = models.DateTimeField("录入时间", default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    late_entry = models.BooleanField("补记", default=False,
                                     help_text="在会议所属期间结束后才录入的记录，保留召开时间与录入时间。")
    # Snapshots at the meeting date, like Attendance.has_vote: members exempted from the meeting (not
    # expected, no attendance row) who still count in 应到会有表决权的党员 / the committee (domain-rules
    # "Clarifications": exempted members and quorum).
    exempt_voters = models.PositiveSmallIntegerField("暂不参加组织生活但计入表决基数的党员", default=0)
    exempt_committee = models.PositiveSmallIntegerField("暂不参加组织生活但计入应到委员的支委", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-held_at"]
        indexes = [
            models.Index(fields=["branch", "held_at"], name="meeting_branch_held"),
            models.Index(fields=["status", "held_at"], name="meeting_status_held"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("held_at")),
                                   name="meeting_end_after_start"),
            models.CheckConstraint(condition=Q(status__in=["planned", "held"]), name="meeting_status_valid"),
        ]

    def __str__(self):
        return f"{timezone.localtime(self.held_at):%Y-%m-%d} {self.topic}"

    @property
    def kind_values(self) -> list[str]:
        return [k.kind for k in self.kinds.all()]

    @property
    def kind_labels(self) -> str:
        return "、".join(Kind(k).label for k in sorted(self.kind_values, key=Kind.values.index))

    @property
    def title(self) -> str:
        """“主题党日：学习党章”, but “主题党日” alone when the topic already names the kind (never “主题党日：主题党日”)."""
        labels = self.kind_labels
        if not labels or any(Kind(k).label in self.topic for k in self.kind_values):
            return self.topic or labels
        return f"{labels}：{self.topic}"


def joined_title(*parts: str) -> str:
    """Parts run together without repeating the words where they meet: 兴隆社区党支部 + 支部党员大会记录 →
    兴隆社区党支部党员大会记录 (not 党支部支部党员大会记录)."""
    text = ""
    for part in parts:
        overlap = next((n for n in range(min(len(text), len(part)), 1, -1) if text.endswith(part[:n])), 0)
        text += part[overlap:]
    return text


class MeetingKind(models.Model):
    """A kind a meeting counts for: one row per (meeting, kind), so counting per kind is one GROUP BY."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="kinds")
    kind = models.CharField("会议类型", max_length=30, choices=Kind.choices)

    class Meta:
        verbose_name = "会议类型"
        verbose_name_plural = "会议类型"
        constraints = [models.UniqueConstraint(fields=["meeting", "kind"], name="meeting_kind_unique")]
        indexes = [models.Index(fields=["kind", "meeting"], name="meetingkind_kind")]

    def __str__(self):
        return self.get_kind_display()


class Attendance(models.Model):
    """One row per expected member. Counts (应到/实到/正式/预备/缺席) are derived from these, never typed."""

    class Status(models.TextChoices):
        PRESENT = "present", "出席"
        LEAVE = "leave", "请假"
        ABSENT = "absent", "缺席"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.PROTECT,
                               related_name="attendance")
    status = models.CharField("出席情况", max_length=10, choices=Status.choices, default=Status.PRESENT)
    late = models.BooleanField("迟到", default=False)
    left_early = models.BooleanField("早退", default=False)
    reason = models.CharField("缺席或请假原因", max_length=200, blank=True)
    # Snapshots at the meeting date: the member's category and vote may change later.
    category = models.CharField("人员类别", max_length=20, choices=Member.Category.choices)
    has_vote = models.BooleanField("有表决权", default=True)
    committee = models.BooleanField("支委", default=False)  # a 支委 on the meeting date: the 支委会 quorum counts these

    class Meta:
        verbose_name = "考勤"
        verbose_name_plural = "考勤"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_unique"),
            models.CheckConstraint(condition=Q(status__in=["present", "leave", "absent"]), name="attendance_status_valid"),
        ]
        indexes = [models.Index(fields=["member", "meeting"], name="attendance_member")]

    def __str__(self):
        return f"{self.member} · {self.get_status_display()}"


class ResolutionItem(models.Model):
    """One matter put to the vote at a 支部党员大会 or 支委会, with its tally (支部条例 第十一、十二条).

    It passes only with more than half of 应到会有表决权的党员 (the committee's members for a 支委会) in
    favour — the denominator is those expected with a vote, not those present (domain-rules §2.2, §14.7).
    Saving a vote taken without quorum needs an explicit confirmation and marks the item."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="resolution_items")
    position = models.PositiveSmallIntegerField("序号")
    text = models.CharField("表决事项", max_length=300)
    votes_for = models.PositiveSmallIntegerField("赞成")
    votes_against = models.PositiveSmallIntegerField("反对", default=0)
    votes_abstain = models.PositiveSmallIntegerField("弃权", default=0)
    base = models.PositiveSmallIntegerField("应到会有表决权的人数", help_text="表决时的基数（快照）")
    without_quorum = models.BooleanField("未达法定人数", default=False,
                                         help_text="到会人数未过半仍保存的表决，经录入人确认并标注。")

    class Meta:
        verbose_name = "表决事项"
        verbose_name_plural = "表决事项"
        ordering = ["meeting", "position"]
        constraints = [models.UniqueConstraint(fields=["meeting", "position"], name="resolution_item_position")]

    def __str__(self):
        return f"{self.position}. {self.text}"

    @property
    def passed(self) -> bool:
        return self.votes_for * 2 > self.base

    @property
    def verdict(self) -> str:
        tally = f"赞成{self.votes_for}票，反对{self.votes_against}票，弃权{self.votes_abstain}票"
        outcome = "通过" if self.passed else "未通过"
        mark = "（未达法定人数，经确认保存）" if self.without_quorum else ""
        return f"{tally}；应到会有表决权{self.base}人，赞成{'超过' if self.passed else '未超过'}半数，{outcome}{mark}"


class LeaveRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "未批准"
        CANCELLED = "cancelled", "已撤回"

    OPEN_STATUSES = (Status.PENDING, Status.APPROVED)  # at most one of these per member and meeting

    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.CASCADE,
                               related_name="leave_requests")
    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="leave_requests")
    reason = models.CharField("请假事由", max_length=300)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=200, blank=True)

    class Meta:
        verbose_name = "请假"
        verbose_name_plural = "请假"
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "meeting"], condition=Q(status__in=["pending", "approved"]),
                                    name="one_open_leave_per_meeting"),
            models.CheckConstraint(condition=Q(status__in=["pending", "approved", "rejected", "cancelled"]),
                                   name="leave_status_valid"),
        ]

    def __str__(self):
        return f"{self.member} · {self.meeting}"


class Exemption(models.Model):
    """暂不参加组织生活: a member (approved by the branch) or a whole branch (approved by the upper level),
    for a date window. Exempt members are not expected at meetings in the window; an exempt branch
    owes nothing for a period the window covers."""

    class Reason(models.TextChoices):
        SICK = "sick", "病休"
        MATERNITY = "maternity", "产假/哺乳"
        ABROAD = "abroad", "外派"
        ELDERLY = "elderly", "年老体弱"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "未批准"

    member = models.ForeignKey("members.Member", verbose_name="党员", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="exemptions")
    branch = models.ForeignKey("branches.Organization", verbose_name="党支部", on_delete=models.CASCADE,
                               related_name="exemptions")
    reason = models.CharField("原因", max_length=20, choices=Reason.choices)
    detail = models.CharField("说明", max_length=300, blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    # §2.2 "who may be left out" of 应到会有表决权的党员: only with the upper level's consent, recorded here
    upper_consent_on = models.DateField("上级党组织同意不计入表决基数日期", null=True, blank=True)
    upper_consent_ref = models.CharField("上级党组织同意文号或说明", max_length=200, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "暂不参加组织生活"
        verbose_name_plural = "暂不参加组织生活"
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="exemption_dates_order"),
            models.CheckConstraint(condition=~Q(reason="other") | ~Q(detail=""), name="exemption_other_has_detail"),
        ]
        indexes = [models.Index(fields=["branch", "status", "starts_on"], name="exemption_branch")]

    def __str__(self):
        who = self.member or self.branch
        return f"{who} {self.get_reason_display()} {self.starts_on}–{self.ends_on}"


class LockedYear(models.Model):
    """A branch-year the upper level has closed: its records refuse new entries and changes."""

    branch = models.ForeignKey("branches.Organization", on_delete=models.CASCADE, related_name="locked_years")
    year = models.PositiveSmallIntegerField("年度")
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    locked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "已锁定年度"
        verbose_name_plural = "已锁定年度"
        constraints = [models.UniqueConstraint(fields=["branch", "year"], name="locked_year_unique")]

    def __str__(self):
        return f"{self.branch} {self.year}年"


class QuotaRule(models.Model):
    """What a branch owes: a minimum count of a kind per period, under a condition, versioned by date.

    Rows without an organization are the national default policy (domain-rules.md, first table);
    a row on an organization overrides the same (kind, condition) for its subtree — the nearest wins.
    A period is judged by the rule in force when it began.
    """

    ALL_ACTIVITIES = "all_activities"
    HEART_TALKS = "heart_talks"  # 谈心谈话 coverage (支部条例 第十九条), counted from completions
    KIND_CHOICES = [*Kind.choices, (ALL_ACTIVITIES, "组织生活（合计）"), (HEART_TALKS, "谈心谈话全覆盖")]

    class CountedFrom(models.TextChoices):
        """What meets a rule: held meetings of its kind, or completed campaigns (CampaignCompletion rows
        that the campaigns in reviews/ write when one completes and delete when it reopens)."""

        MEETINGS = "meetings", "召开的会议"
        COMPLETIONS = "completions", "完成的专项工作（组织生活会、民主评议党员、谈心谈话全覆盖）"

    class Period(models.TextChoices):
        MONTH = "month", "月"
        QUARTER = "quarter", "季度"
        HALF_YEAR = "half_year", "半年"
        YEAR = "year", "年"

    class Condition(models.TextChoices):
        ALWAYS = "always", "所有党支部"
        NO_GROUPS = "no_groups", "未划分党小组的党支部"
        HAS_GROUPS = "has_groups", "已划分党小组的党支部"
        HAS_COMMITTEE = "has_committee", "设支部委员会的党支部"
        PER_GROUP = "per_group", "每个党小组"

    kind = models.CharField("活动类型", max_length=30, choices=KIND_CHOICES)
    condition = models.CharField("适用条件", max_length=20, choices=Condition.choices, default=Condition.ALWAYS)
    period = models.CharField("周期", max_length=10, choices=Period.choices)
    minimum = models.PositiveSmallIntegerField("最少次数")
    target = models.PositiveSmallIntegerField("目标次数", null=True, blank=True)
    grace_days = models.PositiveSmallIntegerField("补记期（天）", default=10)
    warning_days = models.PositiveSmallIntegerField("提前提醒（天）", default=7)
    article = models.CharField("依据", max_length=300)
    article_text = models.TextField("条文", blank=True, help_text="依据条款的原文，显示在完成情况页面。")
    note = models.TextField("研究备注", blank=True, help_text="出处可靠性、与其他规定的出入等，仅管理员可见。")
    counted_from = models.CharField(
        "计数依据", max_length=20, choices=CountedFrom.choices, default=CountedFrom.MEETINGS,
        help_text="组织生活会、民主评议党员以完成的专项工作计数（会议召开且各环节完成），谈心谈话以年度全覆盖计数；"
                  "其他以召开的会议计数。")
    counted_kinds = models.JSONField(
        "计入的活动类型", default=list, blank=True,
        help_text="仅用于“组织生活（合计）”：哪些会议类型计入合计（每次会议只计一次）；空为全部类型。"
                  "支委会是支部委员会的会议，不是全体党员的组织生活，默认不计入。")
    org = models.ForeignKey("branches.Organization", verbose_name="适用组织（空为全国默认）", null=True, blank=True,
                            on_delete=models.CASCADE, related_name="quota_rules")
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)

    class Meta:
        verbose_name = "组织生活规则"
        verbose_name_plural = "组织生活规则"
        ordering = ["kind", "condition", "effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                                   name="quota_rule_dates_order"),
            models.CheckConstraint(condition=Q(minimum__gte=1), name="quota_rule_minimum_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}：每{self.get_period_display()}{self.minimum}次（{self.get_condition_display()}）"

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.condition)

    @cached_property  # a dictionary key the engine hashes once per branch
    def counted_kind_set(self) -> frozenset[str]:
        """The kinds a meeting must have (one of) to count toward an all-activities total."""
        return frozenset(self.counted_kinds or Kind.values)

    def clean(self):
        unknown = set(self.counted_kinds or ()) - set(Kind.values)
        if unknown:
            raise ValidationError({"counted_kinds": f"未知的会议类型：{'、'.join(sorted(unknown))}。"})
        if self.counted_kinds and self.kind != self.ALL_ACTIVITIES:
            raise ValidationError({"counted_kinds": "只有“组织生活（合计）”规则才能设置计入的活动类型。"})


class CalendarFeed(models.Model):
    """The unguessable token of a branch's iCal feed (planned meetings and period deadlines)."""

    branch = models.OneToOneField("branches.Organization", on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.branch} 日历订阅"


class RecordBookBatch(models.Model):
    """The record books of every branch under a 党委/党总支 as one zip, rendered by a worker.

    The page polls `done`/`total`; the task updates them after each branch, so progress survives a
    page reload and a re-run starts the zip afresh rather than appending to a half-written one.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "生成失败"

    org = models.ForeignKey("branches.Organization", verbose_name="党组织", on_delete=models.CASCADE,
                            related_name="recordbook_batches")
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField("党支部数", default=0)
    done = models.PositiveIntegerField("已生成", default=0)
    file = models.FileField("压缩包", upload_to="recordbooks/", blank=True)
    error = models.CharField("错误信息", max_length=500, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("申请时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    progress_at = models.DateTimeField("最近进展", null=True, blank=True,
                                       help_text="最近一个党支部完成（或批次开始）的时间；长时间无进展的批次可继续生成")

    class Meta:
        verbose_name = "记录册批量导出"
        verbose_name_plural = "记录册批量导出"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["pending", "running", "done", "failed"]),
                                   name="recordbook_batch_status_valid"),
            models.CheckConstraint(condition=Q(done__lte=F("total")), name="recordbook_batch_done_le_total"),
            # One running batch per organization and year: a second request joins it (meetings.recordbook.batch).
            models.UniqueConstraint(fields=["org", "year"], condition=Q(status__in=["pending", "running"]),
                                    name="recordbook_batch_one_active"),
        ]

    def __str__(self):
        return f"{self.org} {self.year}年记录册（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class StoredBook(models.Model):
    """A branch-year's rendered record book, kept in the default storage (MEDIA_ROOT unless configured)
    under the version key of the records it was made from (meetings.recordbook.version): a download of
    a fresh one is a file read; a changed record makes the key differ and a worker renders it again."""

    branch = models.ForeignKey("branches.Organization", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    version = models.CharField("记录版本", max_length=64)
    file = models.CharField("存储路径", max_length=255)
    pages = models.PositiveIntegerField("页数", default=0)
    size = models.PositiveIntegerField("字节数", default=0)
    render_seconds = models.FloatField("生成耗时（秒）", default=0)
    rendered_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "记录册缓存"
        verbose_name_plural = "记录册缓存"
        constraints = [models.UniqueConstraint(fields=["branch", "year"], name="stored_book_branch_year")]

    def __str__(self):
        return f"{self.branch_id} {self.year} {self.version[:8]}"


class RecordBookBatchItem(models.Model):
    """One branch-year of a batch, rendered by its own task (meetings.tasks.render_batch_item): a retry
    renders only the items not done, and the zip is streamed from the items' stored files."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        DONE = "done", "已完成"
        FAILED = "failed", "生成失败"

    batch = models.ForeignKey(RecordBookBatch, on_delete=models.CASCADE, related_name="items")
    branch = models.ForeignKey("branches.Organization", on_delete=models.CASCADE, related_name="+")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.CharField("存储路径", max_length=255, blank=True)
    name = models.CharField("压缩包内文件名", max_length=255, blank=True)
    error = models.CharField("错误信息", max_length=500, blank=True)

    class Meta:
        verbose_name = "记录册批量导出（党支部）"
        verbose_name_plural = "记录册批量导出（党支部）"
        constraints = [models.UniqueConstraint(fields=["batch", "branch"], name="batch_item_unique")]
        indexes = [models.Index(fields=["batch", "status"], name="batch_item_status")]

    def __str__(self):
        return f"{self.batch_id} {self.branch_id} {self.get_status_display()}"


class CampaignCompletion(models.Model):
    """A completed campaign (组织生活会, 民主评议党员) or a year's 谈心谈话 coverage, as the engine counts it
    for the rules counted from completions. Written and deleted by the campaigns' services in reviews/
    (one row per `source`), so the engine stays set-based and never imports the floor above it."""

    branch = models.ForeignKey("branches.Organization", verbose_name="党支部", on_delete=models.CASCADE,
                               related_name="campaign_completions")
    kind = models.CharField("活动类型", max_length=30, choices=QuotaRule.KIND_CHOICES)
    counts_on = models.DateField("计入日期", help_text="计入该日所在的期间")
    completed_at = models.DateTimeField("完成时间", help_text="完成（或录入完成）的时间；此前的评估不计入")
    source = models.CharField("来源", max_length=80, unique=True, help_text="写入该记录的专项工作，如 reviews.lifemeeting:12")

    class Meta:
        verbose_name = "专项工作完成记录"
        verbose_name_plural = "专项工作完成记录"
        indexes = [models.Index(fields=["branch", "counts_on"], name="completion_branch_day")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.branch_id} · {self.counts_on}"


class ComplianceRollup(models.Model):
    """The dashboards' read model: one row per branch × rule-period of a year not met on time, as the
    compliance engine evaluated it on the branch's `ComplianceSummary.as_of_max` (meetings.rollup keeps
    it current; met and not-applicable rule-periods are only counted, in ComplianceSummary). The
    explanation is kept for the states someone must act on (due soon, late, overdue, made up late)."""

    # A read model rewritten in bulk: no foreign-key checks in the database on 300,000 inserted rows
    # (Django still deletes the rows of a deleted branch, rule or group).
    branch = models.ForeignKey("branches.Organization", on_delete=models.CASCADE, related_name="+",
                               db_constraint=False)
    year = models.PositiveSmallIntegerField("年度")
    rule = models.ForeignKey(QuotaRule, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    kind = models.CharField("活动类型", max_length=30, choices=QuotaRule.KIND_CHOICES)
    party_group = models.ForeignKey("branches.PartyGroup", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+", db_constraint=False)
    period_start = models.DateField("期间开始")
    period_end = models.DateField("期间结束")  # the last day, as in the API
    required = models.PositiveSmallIntegerField("应开")
    held = models.PositiveSmallIntegerField("已开")
    state = models.CharField("状态", max_length=20)
    explanation = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "完成情况汇总（按期）"
        verbose_name_plural = "完成情况汇总（按期）"
        indexes = [
            models.Index(fields=["year", "branch"], name="rollup_year_branch"),
            models.Index(fields=["year", "state", "branch", "period_start"], name="rollup_year_state"),  # overdue lists
        ]

    def __str__(self):
        return f"{self.branch_id} {self.kind} {self.period_start} {self.state}"


class ComplianceSummary(models.Model):
    """Summable figures of one organization's subtree (a branch: itself) for one year, built from
    ComplianceRollup rows, attendance and the roster; a dashboard reads its organization's row and its
    children's rows, never thousands of branches. See meetings.rollup for the definitions."""

    org = models.ForeignKey("branches.Organization", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    year = models.PositiveSmallIntegerField("年度")
    as_of_min = models.DateField("最早评估日")
    as_of_max = models.DateField("最晚评估日")
    final = models.BooleanField("年度已定", default=False,
                                help_text="评估时该年度各期补记期均已结束，此后只随记录变化而变化。")
    changes_at = models.DateTimeField(
        "下次变化时间", null=True, blank=True,
        help_text="评估后第一个期限（提醒开始、期满、补记期截止、组织关系变动之日）；此前数据不变，除非记录有变化。空：不再随时间变化。")
    alerts_synced = models.BooleanField("预警已同步", default=False,
                                        help_text="检查任务已按本行（党支部）的数据开关预警；数据重新计算后为否。")
    branches = models.PositiveIntegerField("党支部数", default=0)
    compliant_branches = models.PositiveIntegerField("无逾期党支部数", default=0)
    members = models.PositiveIntegerField("党员数", default=0)
    present = models.PositiveIntegerField("出席人次", default=0)
    leave = models.PositiveIntegerField("请假人次", default=0)
    absent = models.PositiveIntegerField("缺席人次", default=0)
    periods = models.PositiveIntegerField("已结束期数", default=0)
    met = models.PositiveIntegerField("已完成期数", default=0)
    met_late = models.PositiveIntegerField("补记完成期数", default=0)
    late = models.PositiveIntegerField("补记期内期数", default=0)
    overdue = models.PositiveIntegerField("逾期期数", default=0)
    rate = models.FloatField("完成率", null=True, blank=True)
    worst = models.CharField("最差状态", max_length=20, blank=True)
    kinds = models.JSONField("按类型", default=dict)  # kind -> [periods, met, met_late, late, overdue]
    months = models.JSONField("按月", default=dict)  # "1".."12" -> state -> [branches whose worst it is, rule-periods]
    refreshed_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "完成情况汇总（按组织）"
        verbose_name_plural = "完成情况汇总（按组织）"
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="compliance_summary_unique")]
        indexes = [models.Index(fields=["year", "worst"], name="summary_year_worst"),
                   models.Index(fields=["year", "changes_at"], name="summary_year_changes_at")]

    def __str__(self):
        return f"{self.org_id} {self.year}"
