"""`make run`: the development server plus one Celery worker with the (only) beat embedded, so the
daily scans run on schedule on the embedded stack too (design.md "Stacks"). The broker is whatever
settings say: Redis when REDIS_URL is set, otherwise the `filesystem://` folder under var/celery.
The worker is stopped when the server stops."""

import contextlib
import ctypes
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

ROOT = Path(settings.BASE_DIR)
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In a child, before exec: Linux sends it SIGTERM if this command dies, even by SIGKILL."""
    with contextlib.suppress(OSError):  # not Linux: the finally block below still stops it on a normal exit
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop(signum, frame):
    raise SystemExit(0)  # run the finally block on `kill`, not only on Ctrl-C


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
             "-Q", "default,pdf,imports",  # every queue of CELERY_TASK_ROUTES: one worker does all in development
             "--schedule", str(var / "celerybeat-schedule")],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        signal.signal(signal.SIGTERM, _stop)
        self.stdout.write(f"Celery worker 与定时任务已在后台启动（进程 {worker.pid}，日志 {log.name}）。")
        server = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "runserver", addrport],
                                  preexec_fn=_die_with_parent)
        try:
            server.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for child in (server, worker):  # SIGTERM: the worker finishes its running task (warm shutdown)
                child.send_signal(signal.SIGTERM)
            for child in (server, worker):
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
            log.close()
