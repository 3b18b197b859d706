from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One change to one record: who, what, when.

    Written explicitly by services (orglife.audit), not by signals, so bulk inserts and updates
    (roster import, seed) are recorded too and it works the same on PostgreSQL and SQLite.
    """

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept when the account is deleted (the FK then becomes NULL): the trail still says who. Empty for
    # the system itself (commands, the seed, scheduled tasks).
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    target_type = models.CharField("对象类型", max_length=60)
    target_id = models.CharField("对象编号", max_length=64)
    target_repr = models.CharField("对象", max_length=200)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    source = models.CharField("来源", max_length=30, blank=True, help_text="web / api / import / seed / admin")

    class Meta:
        verbose_name = "操作记录"
        verbose_name_plural = "操作记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=["create", "update", "delete"]), name="audit_action_valid")
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.target_repr}"
