from django.apps import AppConfig


class OrglifeConfig(AppConfig):
    """The project wiring: settings, urls, Celery, the home page, demo data and dev commands."""

    name = "orglife"
    verbose_name = "项目"

    def ready(self):
        from orglife import checks  # noqa: F401  (registers the permission-declaration check)
