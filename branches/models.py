from datetime import date

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

code_validator = RegexValidator(r"^[A-Za-z0-9_-]{1,32}$", "组织代码只能包含字母、数字、下划线和连字符，最长32位。")


class Organization(models.Model):
    """A node of the tree 党委 → 党总支 → 党支部.

    `path` is a materialized path of primary keys ("/1/13/250/"): a subtree is one indexed
    prefix query, whatever its depth.
    """

    class Kind(models.TextChoices):
        PARTY_COMMITTEE = "party_committee", "党委"
        GENERAL_BRANCH = "general_branch", "党总支"
        BRANCH = "branch", "党支部"

    class Sector(models.TextChoices):
        RURAL = "rural", "农村"
        COMMUNITY = "community", "社区"
        GOVERNMENT = "government", "机关"
        INSTITUTION = "institution", "事业单位"
        STATE_ENTERPRISE = "state_enterprise", "国有企业"
        PRIVATE_ENTERPRISE = "private_enterprise", "非公企业"
        SOCIAL_ORGANIZATION = "social_organization", "社会组织"
        SCHOOL = "school", "学校"

    code = models.CharField("组织代码", max_length=32, unique=True, validators=[code_validator],
                            error_messages={"unique": "组织代码已被使用。"})
    name = models.CharField("组织名称", max_length=100)
    kind = models.CharField("组织类别", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey("self", verbose_name="上级党组织", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    sector = models.CharField("所属领域", max_length=30, choices=Sector.choices, blank=True)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    approval_document = models.CharField("成立批准文号", max_length=100, blank=True)
    term_start = models.DateField("本届任期开始", null=True, blank=True)
    term_end = models.DateField("本届任期届满", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="org_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["kind", "path"], name="org_kind_path"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["party_committee", "general_branch", "branch"]),
                                   name="org_kind_valid"),
            models.CheckConstraint(condition=Q(term_end__isnull=True) | Q(term_start__isnull=True)
                                   | Q(term_end__gt=models.F("term_start")), name="org_term_order"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_branch(self) -> bool:
        return self.kind == self.Kind.BRANCH

    def subtree_filter(self, prefix: str = "") -> Q:
        """Q for this node and everything under it; `prefix` reaches it through a relation."""
        return Q(**{f"{prefix}path__startswith": self.path})

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


class PartyGroup(models.Model):
    """党小组 inside a branch (支部条例 第十三条)."""

    branch = models.ForeignKey(Organization, verbose_name="所属党支部", on_delete=models.CASCADE,
                               related_name="party_groups", limit_choices_to={"kind": Organization.Kind.BRANCH})
    name = models.CharField("党小组名称", max_length=50)
    leader = models.ForeignKey("members.Member", verbose_name="党小组长", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="led_groups")
    # Dated facts (domain-rules "Clarifications"): a period is judged by the groups that existed on its
    # first day, so a group formed in October does not change how January is judged.
    set_up_on = models.DateField("成立日期", default=timezone.localdate)
    dissolved_on = models.DateField("撤销日期", null=True, blank=True, help_text="撤销当日起不再计入党小组。")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "党小组"
        verbose_name_plural = "党小组"
        ordering = ["branch_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="group_name_unique_in_branch",
                                    violation_error_message="本支部已有同名党小组。"),
            models.CheckConstraint(condition=Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=F("set_up_on")),
                                   name="group_dissolved_after_set_up",
                                   violation_error_message="撤销日期须晚于成立日期。"),
        ]

    def __str__(self):
        return self.name

    def existed_on(self, day: date) -> bool:
        """Whether the group existed on `day` ([set_up_on, dissolved_on))."""
        return self.set_up_on <= day and (self.dissolved_on is None or day < self.dissolved_on)


class Role(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    ORGANIZATION_MEMBER = "organization_member", "组织委员"
    PROPAGANDA_MEMBER = "propaganda_member", "宣传委员"
    DISCIPLINE_MEMBER = "discipline_member", "纪检委员"
    GROUP_LEADER = "group_leader", "党小组长"
    VIEWER = "viewer", "上级查看"
    ORGANIZER = "organizer", "上级组织部门"
    ADMIN = "admin", "管理员"


class OrgRole(models.Model):
    """A user's role on an organization. An admin role without an organization covers the whole tree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="org_roles")
    org = models.ForeignKey(Organization, verbose_name="党组织", null=True, blank=True, on_delete=models.CASCADE,
                            related_name="roles")
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        constraints = [
            models.UniqueConstraint(fields=["user", "org", "role"], name="org_role_unique"),
            models.UniqueConstraint(fields=["user", "role"], condition=Q(org__isnull=True), name="global_role_unique"),
            models.CheckConstraint(condition=Q(org__isnull=False) | Q(role="admin"), name="only_admin_is_global"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.org or '全部组织'}"


class PolicyValue(models.Model):
    """A threshold of the rules (e.g. 正式党员 needed for a committee), versioned by date.

    A row with no organization is the national default; a row on an organization overrides it
    for that subtree, and the nearest override wins (branches.policy).
    """

    class Key(models.TextChoices):
        BRANCH_MIN_FULL_MEMBERS = "branch_min_full_members", "成立党支部所需正式党员数"
        BRANCH_SOFT_MAX_MEMBERS = "branch_soft_max_members", "党支部党员人数一般上限"
        COMMITTEE_MIN_FULL_MEMBERS = "committee_min_full_members", "设立支部委员会所需正式党员数"
        GROUP_SPLIT_MIN_MEMBERS = "group_split_min_members", "一般应划分党小组的党员数"
        TERM_REMINDER_MONTHS = "term_reminder_months", "换届提前提醒月数"
        # Six-month clock (党章 第九条) and the optional local 主题党日 rule: inspections/clock.py
        ABSENCE_REMIND_MONTHS = "absence_remind_months", "连续未参加组织生活：提醒谈话月数"
        ABSENCE_ESCALATE_MONTHS = "absence_escalate_months", "连续未参加组织生活：升级提醒月数"
        ABSENCE_FLAG_MONTHS = "absence_flag_months", "连续未参加组织生活：需支部大会研究月数"
        THEME_DAY_RULE_ENABLED = "theme_day_rule_enabled", "启用主题党日缺席地方规则（1启用，0不启用）"
        THEME_DAY_CONSECUTIVE_MONTHS = "theme_day_consecutive_months", "主题党日连续缺席月数"
        THEME_DAY_CUMULATIVE_MONTHS = "theme_day_cumulative_months", "主题党日滚动窗口内累计缺席月数"
        THEME_DAY_WINDOW_MONTHS = "theme_day_window_months", "主题党日缺席地方规则：滚动窗口月数"
        # Quorum (domain-rules §2.2 "who may be left out"): an exemption of these categories may, with the
        # upper level's consent recorded on it, leave the member out of 应到会有表决权的党员 (1 may, 0 may not)
        VOTE_LEAVE_OUT_SICK = "vote_leave_out_sick", "表决基数：病休（无法表达意志）经上级同意可不计入"
        VOTE_LEAVE_OUT_MATERNITY = "vote_leave_out_maternity", "表决基数：产假/哺乳经上级同意可不计入"
        VOTE_LEAVE_OUT_ABROAD = "vote_leave_out_abroad", "表决基数：外派/出国半年以上经上级同意可不计入"
        VOTE_LEAVE_OUT_ELDERLY = "vote_leave_out_elderly", "表决基数：年老体弱、卧床不起经上级同意可不计入"
        VOTE_LEAVE_OUT_OTHER = "vote_leave_out_other", "表决基数：其他原因经上级同意可不计入"
        # Annual campaigns (reviews/, domain-rules §3.1, §3.2, §14.5): seeded by reviews' data migration
        REVIEW_STUDY_STAGE = "review_study_stage", "民主评议党员：设“学习教育”环节（1设，0不设）"
        REVIEW_APPLICATION_STAGE = "review_application_stage", "民主评议党员：设“结果运用”环节（1设，0不设）"
        REVIEW_EXCELLENT_SHARE = "review_excellent_share", "民主评议党员：“优秀”一般不超过党员总数的1/N（N）"
        REVIEW_CORRECTION_MONTHS = "review_correction_months", "民主评议党员：限期改正的一般期限（月）"
        LIFE_MEETING_REPORT_DAYS = "life_meeting_report_days", "组织生活会：会后报告上级的期限（天）"
        TALKS_PER_YEAR = "talks_per_year", "谈心谈话：每年每对（支委之间、支委与党员）至少次数"

    key = models.CharField("规则", max_length=40, choices=Key.choices)
    org = models.ForeignKey(Organization, verbose_name="适用组织", null=True, blank=True, on_delete=models.CASCADE,
                            related_name="policy_values")
    value = models.IntegerField("数值")
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    article = models.CharField("依据", max_length=200)

    class Meta:
        verbose_name = "规则参数"
        verbose_name_plural = "规则参数"
        ordering = ["key", "effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gt=models.F("effective_from")),
                                   name="policy_value_dates_order"),
        ]

    def __str__(self):
        return f"{self.get_key_display()} = {self.value}"
