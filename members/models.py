from django.conf import settings
from django.db import models
from django.db.models import F, Q

from members import idnumber


class Member(models.Model):
    """A party member: the 16 items of the national 党员基本信息采集表 (domain-rules §9) and app fields."""

    AUDIT_SECRET_FIELDS = ("id_number_digest",)
    AUDIT_EXCLUDE_FIELDS = ("id_number_cipher",)

    class Gender(models.TextChoices):
        MALE = "male", "男"
        FEMALE = "female", "女"

    class Category(models.TextChoices):
        FULL = "full", "正式党员"
        PROBATIONARY = "probationary", "预备党员"

    class Status(models.TextChoices):
        NORMAL = "normal", "正常"
        SUSPENDED = "suspended", "停止党籍"
        TRANSFERRED_OUT = "transferred_out", "已转出"
        DECEASED = "deceased", "已去世"
        REMOVED = "removed", "已除名"

    class Post(models.TextChoices):
        SECRETARY = "secretary", "书记"
        DEPUTY_SECRETARY = "deputy_secretary", "副书记"
        ORGANIZATION_MEMBER = "organization_member", "组织委员"
        PROPAGANDA_MEMBER = "propaganda_member", "宣传委员"
        DISCIPLINE_MEMBER = "discipline_member", "纪检委员"
        COMMITTEE_MEMBER = "committee_member", "支部委员"
        GROUP_LEADER = "group_leader", "党小组长"
        MEMBER = "member", "党员"

    COMMITTEE_POSTS = (Post.SECRETARY, Post.DEPUTY_SECRETARY, Post.ORGANIZATION_MEMBER, Post.PROPAGANDA_MEMBER,
                       Post.DISCIPLINE_MEMBER, Post.COMMITTEE_MEMBER)

    # 采集表 items 1–16
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=10, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    id_number_cipher = models.TextField(editable=False)
    id_number_digest = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField("公民身份号码", max_length=18, editable=False)
    birth_date = models.DateField("出生日期")
    education = models.CharField("学历", max_length=30, blank=True)
    category = models.CharField("人员类别", max_length=20, choices=Category.choices)
    branch = models.ForeignKey("branches.Organization", verbose_name="所在党支部", on_delete=models.PROTECT,
                               related_name="members", limit_choices_to={"kind": "branch"})
    joined_on = models.DateField("加入党组织日期")
    confirmed_on = models.DateField("转为正式党员日期", null=True, blank=True)
    job = models.CharField("工作岗位", max_length=50, blank=True)
    mobile = models.CharField("手机号", max_length=20, blank=True)
    landline = models.CharField("固定电话", max_length=20, blank=True)
    address = models.CharField("家庭住址", max_length=200, blank=True)
    status = models.CharField("党籍状态", max_length=20, choices=Status.choices, default=Status.NORMAL)
    lost_contact = models.BooleanField("是否为失联党员", default=False)
    lost_contact_since = models.DateField("失去联系日期", null=True, blank=True)
    is_mobile = models.BooleanField("是否为流动党员", default=False)
    mobile_destination = models.CharField("外出流向", max_length=100, blank=True)
    mobile_since = models.DateField("外出日期", null=True, blank=True)  # not in the 采集表; the record book's 流动党员登记
    # App fields (domain-rules §9 "Recommended extra app fields")
    party_post = models.CharField("党内职务", max_length=30, choices=Post.choices, default=Post.MEMBER)
    party_group = models.ForeignKey("branches.PartyGroup", verbose_name="所在党小组", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="members")
    probation_until = models.DateField("留党察看期至", null=True, blank=True,
                                       help_text="留党察看期间没有表决权、选举权和被选举权。")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="登录账号", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="member")
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["branch_id", "name", "id"]
        indexes = [models.Index(fields=["branch", "status", "category"], name="member_branch_status")]
        constraints = [
            models.CheckConstraint(condition=Q(confirmed_on__isnull=True) | Q(confirmed_on__gt=F("joined_on")),
                                   name="member_confirmed_after_joined"),
            models.CheckConstraint(condition=~Q(category="probationary") | Q(confirmed_on__isnull=True),
                                   name="member_probationary_not_confirmed"),
            models.CheckConstraint(condition=Q(gender__in=["male", "female"]), name="member_gender_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["normal", "suspended", "transferred_out", "deceased", "removed"]),
                name="member_status_valid"),
        ]

    def __str__(self):
        return self.name

    @property
    def id_number(self) -> str:
        return idnumber.decrypt(self.id_number_cipher) if self.id_number_cipher else ""

    def set_id_number(self, number: str) -> None:
        """Store an already validated number: ciphertext, keyed digest and the masked form."""
        self.id_number_cipher = idnumber.encrypt(number)
        self.id_number_digest = idnumber.digest(number)
        self.id_number_masked = idnumber.mask(number)

    @property
    def is_committee_member(self) -> bool:
        return self.party_post in self.COMMITTEE_POSTS


class Membership(models.Model):
    """Which branch (and 党小组) a member belonged to, from when to when: [started_on, ended_on).

    Transfers (组织关系转接) close one row and open the next, so a past meeting's expected roster is
    the rows open on its date.
    """

    class Reason(models.TextChoices):
        JOINED = "joined", "入党或首次登记"
        TRANSFER = "transfer", "组织关系转接"
        GROUP_CHANGE = "group_change", "调整党小组"
        IMPORT = "import", "名册导入"

    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.CASCADE, related_name="memberships")
    branch = models.ForeignKey("branches.Organization", verbose_name="党支部", on_delete=models.PROTECT,
                               related_name="memberships")
    party_group = models.ForeignKey("branches.PartyGroup", verbose_name="党小组", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="memberships")
    started_on = models.DateField("起始日期")
    ended_on = models.DateField("截止日期", null=True, blank=True)
    reason = models.CharField("原因", max_length=20, choices=Reason.choices, default=Reason.JOINED)

    class Meta:
        verbose_name = "组织关系记录"
        verbose_name_plural = "组织关系记录"
        ordering = ["member_id", "started_on"]
        indexes = [models.Index(fields=["branch", "started_on", "ended_on"], name="membership_branch_dates")]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(ended_on__isnull=True), name="one_open_membership"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gt=F("started_on")),
                                   name="membership_dates_order"),
        ]

    def __str__(self):
        return f"{self.member} @ {self.branch} {self.started_on}–{self.ended_on or ''}"


class RosterImport(models.Model):
    """One uploaded roster on its way through preview → confirm → commit, and the progress the page polls.

    The upload is kept (encrypted: it holds full ID numbers) so the confirm step and the Celery worker
    do not need the file again; it is wiped once the import is committed.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", "正在检查"
        READY = "ready", "待确认导入"
        INVALID = "invalid", "有错误，未导入"
        QUEUED = "queued", "等待导入"
        IMPORTING = "importing", "正在导入"
        DONE = "done", "已导入"
        FAILED = "failed", "导入失败"
        CANCELLED = "cancelled", "已取消"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.SET_NULL,
                                   related_name="roster_imports")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    filename = models.CharField("文件名", max_length=200)
    upload = models.BinaryField("文件（加密）", editable=False, default=b"")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.CHECKING)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    counts = models.JSONField("统计", default=dict, blank=True)
    errors = models.JSONField("错误", default=list, blank=True)
    notices = models.JSONField("提示", default=list, blank=True)
    preview = models.JSONField("预览", default=list, blank=True,
                               help_text="新增与变更的行（变更列出各字段的原值→新值），最多500行。")

    class Meta:
        verbose_name = "名册导入"
        verbose_name_plural = "名册导入"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["checking", "ready", "invalid", "queued", "importing", "done", "failed",
                                         "cancelled"]),
                name="roster_import_status_valid"),
        ]

    def __str__(self):
        return f"{self.filename}（{self.get_status_display()}）"

    def set_upload(self, content: bytes) -> None:
        self.upload = idnumber.encrypt_bytes(content)

    def get_upload(self) -> bytes:
        return idnumber.decrypt_bytes(bytes(self.upload)) if self.upload else b""

    @property
    def running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.QUEUED, self.Status.IMPORTING)


class IdNumberReveal(models.Model):
    """A full 公民身份号码 was shown to someone other than its holder (PIPL art. 28/51: sensitive personal
    information; who read it and when is kept). Written by `members.services.record_id_reveals`."""

    class Via(models.TextChoices):
        API = "api", "接口"
        PAGE = "page", "页面"
        EXPORT = "export", "导出"

    at = models.DateTimeField("时间", db_index=True)
    # The account may be deleted later; who it was stays (username), like core.AuditEntry.actor_name.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="查看人", null=True, on_delete=models.SET_NULL,
                             related_name="+")
    username = models.CharField("查看人账号", max_length=150)
    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.CASCADE, related_name="id_reveals")
    via = models.CharField("途径", max_length=10, choices=Via.choices)

    class Meta:
        verbose_name = "身份证号查看记录"
        verbose_name_plural = "身份证号查看记录"
        ordering = ["-at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(via__in=["api", "page", "export"]),
                                              name="id_reveal_via_valid")]

    def __str__(self):
        return f"{self.user} → {self.member} ({self.at:%Y-%m-%d %H:%M})"
