import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orglife.settings")

app = Celery("orglife")
# Every Celery setting lives in Django settings under the CELERY_ prefix (cookiecutter-django).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
