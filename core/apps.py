from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The kernel: the audit trail, bulk inserts, error translation and shared fields. It imports no app."""

    name = "core"
    verbose_name = "平台"
