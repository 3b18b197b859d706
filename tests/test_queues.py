"""Queues that don't block each other (issue 14): record books on "pdf", imports on "imports", scans,
notifications and the rollup on "default"; docker-compose.yml runs a worker per queue with bounded memory."""

import re
from pathlib import Path

import yaml

from orglife.celery import app

ROOT = Path(__file__).resolve().parents[1]


def _queue(task: str) -> str:
    route = app.amqp.router.route({}, task)
    return route["queue"].name


def test_tasks_are_routed_to_their_queue():
    app.loader.import_default_modules()
    assert {t: _queue(t) for t in ("meetings.tasks.render_recordbook_batch", "meetings.tasks.render_batch_item",
                                   "meetings.tasks.render_book")} == dict.fromkeys(
        ("meetings.tasks.render_recordbook_batch", "meetings.tasks.render_batch_item", "meetings.tasks.render_book"),
        "pdf")
    assert _queue("members.tasks.commit_roster_import") == _queue("members.tasks.check_roster_import") == "imports"
    for task in ("inspections.tasks.scan_compliance_task", "inspections.tasks.send_notification_emails_task",
                 "meetings.tasks.refresh_rollup", "meetings.tasks.rebuild_rollup"):
        assert _queue(task) == "default"


def test_compose_runs_a_worker_per_queue_with_bounded_memory():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    queues = {}
    for name, service in services.items():
        command = service.get("command", "")
        if " worker " in f" {command} ":
            queues[re.search(r"-Q (\S+)", command).group(1)] = name
            per_child = int(re.search(r"--max-memory-per-child=(\d+)", command).group(1))
            assert per_child <= 400_000 and "--max-tasks-per-child=" in command  # KiB: under ~400 MB a process
    assert queues == {"default": "worker", "pdf": "pdf-worker", "imports": "import-worker"}
    assert "--scale pdf-worker=N" in (ROOT / "docker-compose.yml").read_text()
