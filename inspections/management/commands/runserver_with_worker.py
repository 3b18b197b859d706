"""`make run`: the development server plus one Celery worker with the (only) beat embedded, so the
daily scans run on schedule on the embedded stack too (design.md "Stacks"). The broker is whatever
settings say: Redis when REDIS_URL is set, otherwise the `filesystem://` folder under var/celery.
The worker is stopped when the server stops."""

import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

ROOT = Path(settings.BASE_DIR)


class Command(BaseCommand):
    help = "启动开发服务器，并在后台启动 Celery worker 与定时任务（beat）；服务器停止时一并停止。"

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        var = Path(settings.VAR_DIR)
        var.mkdir(parents=True, exist_ok=True)
        for key in ("data_folder_in", "data_folder_out", "processed_folder"):  # kombu does not create them
            folder = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get(key)
            if folder:
                Path(folder).mkdir(parents=True, exist_ok=True)
        log = (var / "celery-worker.log").open("a")
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "orglife", "worker", "--beat", "--concurrency=1", "--loglevel=INFO",
             "--schedule", str(var / "celerybeat-schedule")],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.stdout.write(f"Celery worker 与定时任务已在后台启动（进程 {worker.pid}，日志 {log.name}）。")
        try:
            subprocess.call([sys.executable, str(ROOT / "manage.py"), "runserver", addrport])
        except KeyboardInterrupt:
            pass
        finally:
            worker.send_signal(signal.SIGTERM)  # warm shutdown: finish the running task
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
            log.close()
