"""Record-book batches on real Celery workers (issue 14): throughput with 1 and 2 worker processes, peak RSS
per worker process, and the download of a stored (cached) book.

    uv run python bench/batch.py [--branches 52] [--runs 1] [--no-write]

Uses its own database `orglife_bench_batch` (a 党委 with --branches small branches: 12 members, a monthly
主题党日 and 支委会, quarterly 党课, one year) and Redis at $REDIS_URL (default db 10) with a queue name of
its own. Each configuration renders every book of the batch from nothing (stored books deleted first),
on a `celery worker -Q <queue> --concurrency=N` started for it with the production memory bounds. Both
configurations run in the same invocation, one after the other, so the ratio is a same-run figure.
Writes the "## Record-book batches" section of bench/results.md.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, machine, use_database, write_section  # noqa: E402

DB = "orglife_bench_batch"
YEAR = 2025
TZ = ZoneInfo("Asia/Shanghai")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/10")
VAR = Path(tempfile.mkdtemp(prefix="orglife-bench-batch-"))
os.environ["ORGLIFE_VAR_DIR"] = str(VAR)  # media/ here: the web side and the workers share it
os.environ["REDIS_URL"] = REDIS_URL


def seed(branches: int) -> int:
    import random

    from django.db import transaction

    from branches import services as branch_services
    from branches.models import Organization
    from meetings.models import Kind
    from meetings.services import record_meeting
    from members import idnumber
    from members import services as member_services

    K = Organization.Kind
    existing = Organization.objects.filter(code="BB").first()
    if existing and Organization.objects.filter(parent=existing, kind=K.BRANCH).count() >= branches:
        return existing.pk
    rng = random.Random(14)
    with transaction.atomic():
        root = existing or branch_services.create_organization(actor=None, parent=None, code="BB", name="中共临江市江城区委",
                                                               kind=K.PARTY_COMMITTEE)
        have = Organization.objects.filter(parent=root).count()
        for b in range(have, branches):
            branch = branch_services.create_organization(actor=None, parent=root, code=f"BB{b:03d}", kind=K.BRANCH,
                                                         name=f"江城区第{b + 1}社区党支部")
            members = []
            for i in range(12):
                born = datetime(1960 + (i * 3 + b) % 40, 1 + i % 12, 1 + i % 27).date()
                number = idnumber.make_valid(f"110101{born:%Y%m%d}{(b * 12 + i) % 1000:03d}")
                members.append(member_services.create_member(
                    actor=None, branch=branch, id_number=number, name=f"党员{b}-{i}", gender="male" if i % 2 else "female",
                    birth_date=born, category="full", joined_on=datetime(min(born.year + 25, 2023), 7, 1).date(),
                    party_post=["secretary", "deputy_secretary", "organization_member"][i] if i < 3 else "member"))
            for month in range(1, 13):
                held = datetime(YEAR, month, 6, 14, tzinfo=TZ)
                kinds = [Kind.THEME_DAY] + ([Kind.PARTY_LECTURE] if month % 3 == 0 else [])
                record_meeting(actor=None, branch=branch, kinds=kinds, held_at=held, now=held + timedelta(hours=3),
                               topic=f"{month}月主题党日", host=members[0], recorder=members[2], place="党群服务中心",
                               minutes="会议学习了上级文件精神，党员逐一发言，结合岗位查找不足并提出改进措施。" * rng.randint(2, 4),
                               ended_at=held + timedelta(hours=2))
                held = datetime(YEAR, month, 9, 9, tzinfo=TZ)
                record_meeting(actor=None, branch=branch, kinds=[Kind.BRANCH_COMMITTEE], held_at=held,
                               now=held + timedelta(hours=3), topic=f"{month}月支委会", host=members[0], recorder=members[2],
                               minutes="研究本月党员教育管理和志愿服务安排。", ended_at=held + timedelta(hours=1))
    return root.pk


def _rss_children(worker: subprocess.Popen, peaks: dict) -> None:
    import psutil

    try:
        for child in psutil.Process(worker.pid).children(recursive=True):
            try:
                with open(f"/proc/{child.pid}/status") as status:
                    hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
                peaks[child.pid] = max(peaks.get(child.pid, 0), hwm)
            except (OSError, StopIteration):
                pass
    except psutil.Error:
        pass


def _tree_cpu(worker: subprocess.Popen) -> float:
    """CPU seconds used so far by the worker and its pool processes, living and reaped."""
    import psutil

    main = psutil.Process(worker.pid)
    t = main.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in main.children(recursive=True):
        with __import__("contextlib").suppress(psutil.Error):
            c = child.cpu_times()
            total += c.user + c.system
    return total


def run_batch_on_workers(root_id: int, concurrency: int) -> dict:
    from django.core.files.storage import default_storage
    from django.db import connection

    from branches.models import Organization
    from meetings.models import RecordBookBatch, StoredBook
    from meetings.recordbook.batch import request_batch
    from meetings.tasks import render_recordbook_batch
    from orglife.celery import app

    for path in StoredBook.objects.values_list("file", flat=True):
        default_storage.delete(path)
    StoredBook.objects.all().delete()
    RecordBookBatch.objects.all().delete()
    queue = f"orglife-bench-{uuid.uuid4().hex[:8]}"
    s = connection.settings_dict
    env = {**os.environ, "CELERY_BROKER_URL": REDIS_URL, "CELERY_PDF_QUEUE": queue,
           "DATABASE_URL": f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "orglife", "worker", "-Q", queue, f"--concurrency={concurrency}",
         "--max-tasks-per-child=20", "--max-memory-per-child=350000", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel=WARNING"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)
    peaks: dict[int, int] = {}
    try:
        time.sleep(4)  # the worker's start-up (Django, the pool) is not part of the batch
        batch, _ = request_batch(actor=None, org=Organization.objects.get(pk=root_id), year=YEAR)
        load_start = os.getloadavg()[0]
        cpu_start = _tree_cpu(worker)
        started = time.perf_counter()
        with app.connection_for_write(REDIS_URL) as conn:
            render_recordbook_batch.apply_async((batch.pk,), queue=queue, connection=conn)
        while True:
            _rss_children(worker, peaks)
            batch.refresh_from_db()
            if batch.finished or worker.poll() is not None:
                break
            time.sleep(0.25)
        seconds = time.perf_counter() - started
        cpu = _tree_cpu(worker) - cpu_start
        assert batch.status == RecordBookBatch.Status.DONE, (batch.status, batch.error)
        books = list(StoredBook.objects.all())
        return {"concurrency": concurrency, "books": len(books), "seconds": seconds, "per_book": seconds / len(books),
                "pages": sum(b.pages for b in books), "render_median": statistics.median(b.render_seconds for b in books),
                "peak_mb": max(peaks.values(), default=0) / 1024, "processes": len(peaks),
                "cpu": cpu, "cpu_share": cpu / seconds,
                "load": (load_start, os.getloadavg()[0])}
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
        import redis

        redis.Redis.from_url(REDIS_URL).delete(queue)


def cached_download(root_id: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from branches import services as branch_services
    from branches.models import Organization, Role
    from meetings.models import StoredBook
    from meetings.recordbook.version import book_version

    book = StoredBook.objects.select_related("branch").order_by("branch__code").first()
    user, created = get_user_model().objects.get_or_create(username="bench_batch_organizer")
    if created:
        branch_services.assign_role(actor=None, user=user, role=Role.ORGANIZER, org=Organization.objects.get(pk=root_id))
    client = Client()
    client.force_login(user)
    url = reverse("recordbook-pdf", args=[book.branch.code, YEAR])
    runs, version_runs = [], []
    for _ in range(21):
        started = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content)
        runs.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and len(body) == book.size
        started = time.perf_counter()
        book_version(branch=book.branch, year=YEAR, now=timezone.now())
        version_runs.append((time.perf_counter() - started) * 1000)
    return {"ms": statistics.median(runs[1:]), "p95": sorted(runs[1:])[int(0.95 * 20) - 1],
            "version_ms": statistics.median(version_runs[1:]), "render_s": book.render_seconds, "pages": book.pages,
            "kb": book.size // 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--branches", type=int, default=52)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    use_database(DB)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    root_id = seed(args.branches)
    print(f"data ready in {time.perf_counter() - started:.1f} s", flush=True)
    results = []
    for concurrency in (1, 2):
        result = run_batch_on_workers(root_id, concurrency)
        results.append(result)
        print(result, flush=True)
    download = cached_download(root_id)
    print(download, flush=True)
    shutil.rmtree(VAR, ignore_errors=True)
    if not args.no_write:
        write(results, download, args.branches)


def write(results: list[dict], download: dict, branches: int) -> None:
    one, two = results
    ratio = one["seconds"] / two["seconds"]
    cpu1, cpu2 = one["cpu"] / one["books"], two["cpu"] / two["books"]
    lines = [
        f"Run {datetime.now(TZ):%Y-%m-%d %H:%M} on {machine()}; `bench/batch.py --branches {branches}`, database "
        f"`{DB}`, Redis {REDIS_URL}. One invocation: the same batch of {one['books']} branch-years (12 members, 28 "
        "meetings each) rendered from nothing on a real `celery worker` with `--concurrency=1`, then with `--concurrency=2` "
        "(prefork, `--max-tasks-per-child=20 --max-memory-per-child=350000`), timed from the dispatch to the batch's "
        "`done`. PostgreSQL, Redis and this script run on the same cores (load averages below): absolute times "
        "drift, the ratio of the two runs is the comparable figure.",
        "",
        "| worker processes | books | pages | batch time | per book | render median (in the task) | CPU used (workers) | CPU share received | peak RSS per process | load start → end |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r['concurrency']} | {r['books']} | {r['pages']} | {r['seconds']:.1f} s | {r['per_book']:.2f} s | "
                     f"{r['render_median']:.2f} s | {r['cpu']:.0f} s | {r['cpu_share']:.2f} cores | "
                     f"{r['peak_mb']:.0f} MB ({r['processes']} processes seen) | "
                     f"{r['load'][0]:.1f} → {r['load'][1]:.1f} |")
    lines += [
        "",
        f"**Throughput ratio, 2 processes ÷ 1: {ratio:.2f}×** (goal ≥ 1.8× on 2 cores). CPU per book: "
        f"{cpu1:.2f} s with 1 process, {cpu2:.2f} s with 2 ({cpu2 / cpu1:.2f}×; above 1, two renders at once "
        f"on two cores cost each more CPU time); the 2-process run received {two['cpu_share']:.2f} cores against "
        f"{one['cpu_share']:.2f} ({two['cpu_share'] / one['cpu_share']:.2f}×). Throughput is CPU received ÷ CPU per "
        f"book: {two['cpu_share'] / one['cpu_share']:.2f} × {cpu1 / cpu2:.2f} = "
        f"{two['cpu_share'] / one['cpu_share'] * cpu1 / cpu2:.2f}×.",
        "",
        f"**Cached book download** (`GET /orgs/<code>/recordbook/{YEAR}.pdf` of a stored, fresh book, in-process "
        f"client, median of 20 after a warm-up): **{download['ms']:.1f} ms** (p95 {download['p95']:.1f} ms) for "
        f"{download['pages']} pages / {download['kb']} KB, of which the version key query {download['version_ms']:.1f} ms; "
        f"the same book took {download['render_s']:.2f} s to render in the worker "
        f"({download['render_s'] * 1000 / download['ms']:.0f}× the download).",
        "",
    ]
    write_section("Record-book batches", "\n".join(lines))


if __name__ == "__main__":
    main()
