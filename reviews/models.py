"""Annual campaigns (domain-rules §3, §3.1, §3.2, §7): 组织生活会 with its 整改清单, 民主评议党员 with its
anonymous 民主测评 ballot, 谈心谈话 records and 警示教育 records.

The ballot keeps who voted (BallotReceipt) apart from what was voted (BallotBox while the ballot is
open, Ballot rows once it closes) with nothing that joins them: receipts carry no grade; the box holds
only counts; ballots have random ids, no voter, no timestamp, and are written in one shuffled batch
when the ballot closes.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Grade(models.TextChoices):
    """民主评议 grades (domain-rules §3: four grades)."""

    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASICALLY_QUALIFIED = "basically_qualified", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"


GRADE_VALUES = ["excellent", "qualified", "basically_qualified", "unqualified"]


# --- 组织生活会 ------------------------------------------------------------------------------------


class LifeMeeting(models.Model):
    """One 组织生活会 campaign of a branch for a period (a year by default; quarters or half-years when
    the organization's life_meeting rule says so): 会前准备 → 会议 → 整改清单公示 → 报告上级."""

    class Status(models.TextChoices):
        PREPARATION = "preparation", "会前准备"
        HELD = "held", "会议已召开"
        PUBLISHED = "published", "整改清单已公示"
        COMPLETED = "completed", "已报告上级"

    branch = models.ForeignKey("branches.Organization", verbose_name="党支部", on_delete=models.PROTECT,
                               related_name="life_meetings")
    period = models.CharField("周期", max_length=10, default="year")
    period_start = models.DateField("期间开始")
    period_end = models.DateField("期间结束")
    topic = models.CharField("会议主题", max_length=200)
    upper_topic = models.CharField("上级党组织确定的主题", max_length=300, blank=True)
    status = models.CharField("进度", max_length=20, choices=Status.choices, default=Status.PREPARATION)
    study_on = models.DateField("学习研讨日期", null=True, blank=True)
    study_summary = models.TextField("学习研讨情况", blank=True)
    meeting = models.OneToOneField("meetings.Meeting", verbose_name="会议记录", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="life_meeting_campaign")
    secretary_report = models.TextField("书记报告及对照检查", blank=True)
    published_on = models.DateField("整改清单公示日期", null=True, blank=True)
    follow_up_on = models.DateField("回头看日期", null=True, blank=True)
    follow_up_note = models.TextField("回头看情况", blank=True)
    report_summary = models.TextField("报告：会议总体情况", blank=True)
    report_problems = models.TextField("报告：查摆的主要问题", blank=True)
    reported_on = models.DateField("报告上级日期", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "组织生活会"
        verbose_name_plural = "组织生活会"
        ordering = ["-period_start", "branch_id"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "period_start"], name="life_meeting_one_per_period",
                                    violation_error_message="本期间已有组织生活会。"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="life_meeting_period_order"),
            models.CheckConstraint(condition=Q(status__in=["preparation", "held", "published", "completed"]),
                                   name="life_meeting_status_valid"),
        ]

    def __str__(self):
        return f"{self.branch} {self.period_label}组织生活会"

    @property
    def period_label(self) -> str:
        y, m = self.period_start.year, self.period_start.month
        return {"month": f"{y}年{m}月", "quarter": f"{y}年第{(m - 1) // 3 + 1}季度",
                "half_year": f"{y}年{'上' if m == 1 else '下'}半年"}.get(self.period, f"{y}年度")

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED


class Opinion(models.Model):
    """征求意见 before the meeting, by source: how many opinions and what they said (会前…听取意见)."""

    class Source(models.TextChoices):
        TALK = "talk", "个别谈话"
        FORUM = "forum", "座谈会"
        VISIT = "visit", "走访"
        BOX = "box", "意见箱、问卷"
        UPPER = "upper", "上级党组织反馈"
        MASSES = "masses", "群众评议"
        OTHER = "other", "其他"

    life_meeting = models.ForeignKey(LifeMeeting, on_delete=models.CASCADE, related_name="opinions")
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    count = models.PositiveIntegerField("意见条数")
    summary = models.TextField("主要意见")

    class Meta:
        verbose_name = "征求意见"
        verbose_name_plural = "征求意见"
        ordering = ["life_meeting_id", "id"]

    def __str__(self):
        return f"{self.get_source_display()} {self.count}条"


def material_upload_to(instance, filename: str) -> str:
    # A fresh random name: the original (often the member's name) is kept in `filename` only.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"reviews/materials/{instance.life_meeting_id}/{uuid.uuid4().hex}.{suffix}"


class Material(models.Model):
    """A member's 对照检查材料 or 发言提纲, as text or a file; or why none was submitted."""

    AUDIT_EXCLUDE_FIELDS = ("file",)  # a random storage name; the audit keeps the original `filename`

    class Kind(models.TextChoices):
        CHECK = "check", "对照检查材料"
        OUTLINE = "outline", "发言提纲"

    life_meeting = models.ForeignKey(LifeMeeting, on_delete=models.CASCADE, related_name="materials")
    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.PROTECT,
                               related_name="life_meeting_materials")
    kind = models.CharField("材料类型", max_length=10, choices=Kind.choices, default=Kind.CHECK)
    text = models.TextField("材料内容", blank=True)
    file = models.FileField("附件", upload_to=material_upload_to, blank=True)
    filename = models.CharField("原文件名", max_length=200, blank=True)
    waived_reason = models.CharField("未提交原因", max_length=200, blank=True,
                                     help_text="因病、外出等不能提交时填写，视为已处理")
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)

    class Meta:
        verbose_name = "对照检查材料"
        verbose_name_plural = "对照检查材料"
        ordering = ["life_meeting_id", "member__name"]
        constraints = [
            models.UniqueConstraint(fields=["life_meeting", "member"], name="material_one_per_member",
                                    violation_error_message="该党员已提交材料，请修改原记录。"),
            models.CheckConstraint(condition=~Q(text="") | ~Q(file="") | ~Q(waived_reason=""),
                                   name="material_has_content"),
        ]

    def __str__(self):
        return f"{self.member} {self.get_kind_display()}"


class Criticism(models.Model):
    """批评与自我批评 at the meeting, in short form: who criticized whom on what (no target: 自我批评)."""

    life_meeting = models.ForeignKey(LifeMeeting, on_delete=models.CASCADE, related_name="criticisms")
    position = models.PositiveSmallIntegerField("发言顺序")
    speaker = models.ForeignKey("members.Member", verbose_name="发言人", on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey("members.Member", verbose_name="被批评人", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+", help_text="空为自我批评")
    content = models.CharField("要点", max_length=300)

    class Meta:
        verbose_name = "批评与自我批评"
        verbose_name_plural = "批评与自我批评"
        ordering = ["life_meeting_id", "position", "id"]

    def __str__(self):
        return f"{self.speaker} → {self.target or '自我批评'}"

    @property
    def is_self(self) -> bool:
        return self.target_id is None or self.target_id == self.speaker_id


class RectificationItem(models.Model):
    """One row of the 整改清单 (domain-rules §3.1 row schema). No owner: the branch (支部班子) owns it."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "未开始"
        IN_PROGRESS = "in_progress", "进行中"
        DONE = "done", "已完成"
        CLOSED = "closed", "已销号"

    OPEN_STATUSES = ("not_started", "in_progress")

    life_meeting = models.ForeignKey(LifeMeeting, on_delete=models.CASCADE, related_name="rectifications")
    branch = models.ForeignKey("branches.Organization", verbose_name="党支部", on_delete=models.PROTECT,
                               related_name="rectifications")
    position = models.PositiveSmallIntegerField("序号", default=0)
    problem = models.TextField("问题")
    measure = models.TextField("整改措施")
    owner = models.ForeignKey("members.Member", verbose_name="责任人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="rectifications", help_text="空为党支部（班子）")
    deadline = models.DateField("完成时限")
    status = models.CharField("整改状态", max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    completion_note = models.TextField("完成情况说明", blank=True)
    completed_on = models.DateField("完成日期", null=True, blank=True)
    published_on = models.DateField("公示日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改清单"
        ordering = ["life_meeting_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["not_started", "in_progress", "done", "closed"]),
                                   name="rectification_status_valid"),
            models.CheckConstraint(condition=Q(status="not_started") | Q(status="in_progress") | ~Q(completion_note=""),
                                   name="rectification_done_has_note"),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="rectification_open_deadline",
                                condition=Q(status="not_started") | Q(status="in_progress"))]

    def __str__(self):
        return self.problem[:40]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def overdue_on(self, day) -> bool:
        return self.is_open and day > self.deadline


# --- 民主评议党员 -----------------------------------------------------------------------------------


class Stage(models.TextChoices):
    """The steps of 民主评议党员 (domain-rules §3.2, §14.5): the current four, with the optional 学习教育
    before them and 结果运用 after them (an organization may drop either: policy data)."""

    STUDY = "study", "学习教育"
    SELF = "self_assessment", "个人自评"
    MUTUAL = "mutual", "党员互评"
    BALLOT = "ballot", "民主测评"
    GRADING = "grading", "组织评定"
    APPLICATION = "application", "结果运用"
    COMPLETED = "completed", "已完成"


ALL_STAGES = [Stage.STUDY, Stage.SELF, Stage.MUTUAL, Stage.BALLOT, Stage.GRADING, Stage.APPLICATION]


class MemberReview(models.Model):
    """民主评议党员 of a branch for a year, staged. `stages` is the sequence in force when it began."""

    class BallotStatus(models.TextChoices):
        NOT_OPEN = "not_open", "未开始"
        OPEN = "open", "投票中"
        CLOSED = "closed", "已结束"

    branch = models.ForeignKey("branches.Organization", verbose_name="党支部", on_delete=models.PROTECT,
                               related_name="member_reviews")
    year = models.PositiveSmallIntegerField("年度")
    stages = models.JSONField("环节", default=list)
    stage = models.CharField("当前环节", max_length=20, choices=Stage.choices)
    excellent_share = models.PositiveSmallIntegerField(
        "优秀比例上限（党员总数的1/N）", default=3, help_text="评定为“优秀”的一般不超过党员总数的1/N（默认1/3）")
    study_summary = models.TextField("学习教育情况", blank=True)
    mutual_summary = models.TextField("党员互评情况", blank=True)
    meeting = models.ForeignKey("meetings.Meeting", verbose_name="评议会议", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="member_reviews")
    ballot_status = models.CharField("民主测评", max_length=10, choices=BallotStatus.choices,
                                     default=BallotStatus.NOT_OPEN)
    ballot_opened_at = models.DateTimeField("投票开始", null=True, blank=True)
    ballot_closed_at = models.DateTimeField("投票结束", null=True, blank=True)
    voters_count = models.PositiveIntegerField("网上投票人数", default=0)
    application_summary = models.TextField("结果运用（表彰、处置）", blank=True)
    reported_on = models.DateField("报上级备案日期", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "民主评议党员"
        verbose_name_plural = "民主评议党员"
        ordering = ["-year", "branch_id"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "year"], name="member_review_one_per_year",
                                    violation_error_message="本年度已开展民主评议党员。"),
            models.CheckConstraint(condition=Q(ballot_status__in=["not_open", "open", "closed"]),
                                   name="member_review_ballot_status_valid"),
        ]

    def __str__(self):
        return f"{self.branch} {self.year}年度民主评议党员"

    @property
    def is_completed(self) -> bool:
        return self.stage == Stage.COMPLETED

    @property
    def stage_list(self) -> list[tuple[str, str]]:
        return [(s, Stage(s).label) for s in self.stages]

    def next_stage(self) -> str:
        index = self.stages.index(self.stage)
        return self.stages[index + 1] if index + 1 < len(self.stages) else Stage.COMPLETED

    def reached(self, stage: str) -> bool:
        """Whether the review is at or past `stage` (a dropped stage counts as passed once beyond it)."""
        if self.stage == Stage.COMPLETED:
            return True
        return ALL_STAGES.index(self.stage) >= ALL_STAGES.index(stage)


class Participant(models.Model):
    """A member taking part in the review: 正式党员 are graded; 预备党员 take part in 自评 and 互评 only
    (domain-rules §3.2: "预备党员参加民主评议，但不评定等次")."""

    class Disposition(models.TextChoices):
        NONE = "", "无"
        REMIND = "remind", "谈话提醒、指出差距"
        CORRECT = "correct", "限期改正"
        PERSUADE = "persuade", "劝其退党"
        REMOVE = "remove", "除名"
        OTHER = "other", "其他组织处置"

    class Outcome(models.TextChoices):
        NONE = "", "待处理"
        CORRECTED = "corrected", "已改正"
        NOT_CORRECTED = "not_corrected", "未改正，另作处置"

    review = models.ForeignKey(MemberReview, on_delete=models.CASCADE, related_name="participants")
    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.PROTECT,
                               related_name="review_participations")
    category = models.CharField("人员类别", max_length=20)  # Member.Category at the review (snapshot)
    excused_reason = models.CharField("未参加原因", max_length=200, blank=True)
    self_assessment = models.TextField("个人自评", blank=True)
    self_assessed_at = models.DateTimeField("自评时间", null=True, blank=True)
    grade = models.CharField("评定等次", max_length=20, choices=Grade.choices, blank=True)
    grade_note = models.CharField("评定意见（反馈本人）", max_length=500, blank=True)
    disposition = models.CharField("处置", max_length=20, choices=Disposition.choices, blank=True)
    follow_up = models.TextField("帮助措施与后续跟进", blank=True)
    correction_deadline = models.DateField("限期改正期限", null=True, blank=True)
    correction_outcome = models.CharField("限期改正结果", max_length=20, choices=Outcome.choices, blank=True)
    correction_note = models.CharField("限期改正处理说明", max_length=300, blank=True)
    commended = models.BooleanField("予以表彰", default=False)

    class Meta:
        verbose_name = "参评党员"
        verbose_name_plural = "参评党员"
        ordering = ["review_id", "member__name", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "member"], name="participant_once"),
            models.CheckConstraint(condition=~Q(category="probationary") | Q(grade=""),
                                   name="participant_probationary_not_graded"),
            models.CheckConstraint(condition=~Q(disposition="correct") | Q(correction_deadline__isnull=False),
                                   name="participant_correction_has_deadline"),
        ]
        indexes = [models.Index(fields=["disposition", "correction_deadline"], name="participant_correction",
                                condition=Q(disposition="correct", correction_outcome=""))]

    def __str__(self):
        return f"{self.member} · {self.review}"

    @property
    def is_full(self) -> bool:
        return self.category == "full"

    @property
    def takes_ballot(self) -> bool:
        """Votes in, and is graded by, the 民主测评: a 正式党员 not excused."""
        return self.is_full and not self.excused_reason


class BallotReceipt(models.Model):
    """That `voter` has graded `subject` in a review's 民主测评 — never how. One per voter and subject.
    No timestamp: nothing here lines up with the ballots."""

    review = models.ForeignKey(MemberReview, on_delete=models.CASCADE, related_name="receipts")
    voter = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "投票记录（仅记录已投票）"
        verbose_name_plural = "投票记录（仅记录已投票）"
        constraints = [
            models.UniqueConstraint(fields=["review", "voter", "subject"], name="one_vote_per_voter_and_subject"),
            models.CheckConstraint(condition=~Q(voter=F("subject")), name="receipt_not_self"),
        ]

    def __str__(self):
        return f"{self.review_id}"


class BallotBox(models.Model):
    """The sealed box while the ballot is open: counts per (subject, grade) only, no voters, no order.
    Emptied into shuffled Ballot rows when the ballot closes, then deleted."""

    review = models.OneToOneField(MemberReview, on_delete=models.CASCADE, related_name="ballot_box")
    counts = models.JSONField(default=dict)  # {"<subject id>:<grade>": n}

    class Meta:
        verbose_name = "票箱"
        verbose_name_plural = "票箱"

    def __str__(self):
        return f"{self.review_id}"


class Ballot(models.Model):
    """One anonymous grade of one subject: random id, no voter, no time; written at close in random order."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    review = models.ForeignKey(MemberReview, on_delete=models.CASCADE, related_name="ballots")
    subject = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(max_length=20, choices=Grade.choices)

    class Meta:
        verbose_name = "测评票"
        verbose_name_plural = "测评票"
        constraints = [models.CheckConstraint(condition=Q(grade__in=GRADE_VALUES), name="ballot_grade_valid")]

    def __str__(self):
        return str(self.id)


class PaperCount(models.Model):
    """Paper ballots counted by hand and entered as totals per subject and grade."""

    review = models.ForeignKey(MemberReview, on_delete=models.CASCADE, related_name="paper_counts")
    subject = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(max_length=20, choices=Grade.choices)
    count = models.PositiveIntegerField("票数")

    class Meta:
        verbose_name = "纸质测评票统计"
        verbose_name_plural = "纸质测评票统计"
        constraints = [
            models.UniqueConstraint(fields=["review", "subject", "grade"], name="paper_count_once"),
            models.CheckConstraint(condition=Q(grade__in=GRADE_VALUES), name="paper_count_grade_valid"),
        ]

    def __str__(self):
        return f"{self.subject_id} {self.grade} {self.count}"


# --- 谈心谈话 and 警示教育 ----------------------------------------------------------------------------


class Talk(models.Model):
    """A 谈心谈话 (支部条例 第十九条): who talked with whom, when, where, about what, and what was suggested."""

    branch = models.ForeignKey("branches.Organization", verbose_name="党支部", on_delete=models.PROTECT,
                               related_name="talks")
    talker = models.ForeignKey("members.Member", verbose_name="谈话人", on_delete=models.PROTECT,
                               related_name="talks_given")
    counterpart = models.ForeignKey("members.Member", verbose_name="谈话对象", on_delete=models.PROTECT,
                                    related_name="talks_received")
    held_on = models.DateField("谈话日期")
    place = models.CharField("地点", max_length=100, blank=True)
    content = models.TextField("主要内容")
    suggestions = models.TextField("意见建议", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField("录入时间", default=timezone.now)

    class Meta:
        verbose_name = "谈心谈话"
        verbose_name_plural = "谈心谈话"
        ordering = ["-held_on", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(talker=F("counterpart")), name="talk_two_people")]
        indexes = [models.Index(fields=["branch", "held_on"], name="talk_branch_day")]

    def __str__(self):
        return f"{self.talker} 与 {self.counterpart} {self.held_on}"


class WarningEducation(models.Model):
    """A 警示教育 (domain-rules §7 record fields) held as a meeting of kind warning_education, so its
    participants are the meeting's attendance and it counts against the yearly rule (≥ 1, target 2)."""

    class Form(models.TextChoices):
        FILM = "film", "观看警示教育片"
        BASE = "base", "参观警示教育基地"
        CASE = "case", "以案促改"
        LECTURE = "lecture", "廉政党课"
        PLEDGE = "pledge", "签订廉政承诺书"
        OTHER = "other", "其他"

    meeting = models.OneToOneField("meetings.Meeting", verbose_name="活动记录", on_delete=models.PROTECT,
                                   related_name="warning_education")
    form = models.CharField("形式", max_length=20, choices=Form.choices)
    form_other = models.CharField("其他形式说明", max_length=100, blank=True)
    material = models.CharField("案例或教育材料", max_length=300)
    reflections = models.TextField("心得体会", blank=True)

    class Meta:
        verbose_name = "警示教育"
        verbose_name_plural = "警示教育"
        constraints = [
            models.CheckConstraint(condition=~Q(form="other") | ~Q(form_other=""), name="warning_other_has_detail"),
            models.CheckConstraint(condition=Q(form__in=["film", "base", "case", "lecture", "pledge", "other"]),
                                   name="warning_form_valid"),
        ]

    def __str__(self):
        return f"{self.get_form_display()} {self.material}"

    @property
    def form_label(self) -> str:
        return self.form_other if self.form == self.Form.OTHER else self.get_form_display()
