"""Batches of record books as one task per branch-year, stored books under a version key, the streamed
zip and the limits (issue 14). The PDF itself is tested in test_recordbook.py; here a counting stand-in
renders it, so the tests see exactly which branch-years were rendered."""

import contextlib
import io
import os
import re
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse

from branches.models import Organization
from meetings import tasks
from meetings.models import Attendance, CampaignCompletion, Meeting, RecordBookBatch, StoredBook
from meetings.recordbook import batch as batches
from meetings.recordbook import store
from meetings.recordbook.pdf import RenderedBook
from meetings.recordbook.version import book_version
from meetings.recordbook.zipstream import CHUNK, stream_zip
from meetings.services import record_meeting
from members.models import Member
from tests.factories import make_member, make_org

TZ = ZoneInfo("Asia/Shanghai")
YEAR = 2025
NOW = datetime(2026, 6, 1, 10, tzinfo=TZ)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"i14-{tmp_path.name}"}}
    return settings.MEDIA_ROOT


@pytest.fixture
def renders(monkeypatch):
    """Replace WeasyPrint by a stand-in that records the branch codes it renders; `fail` makes the
    listed codes raise once (a task failure half way)."""

    class Renders(list):
        fail: set = set()

    calls = Renders()

    def fake(*, branch, year, now=None):
        if branch.code in calls.fail:
            calls.fail.discard(branch.code)
            raise RuntimeError(f"渲染中断：{branch.code}")
        calls.append(branch.code)
        return RenderedBook(pdf=b"%PDF-1.7 " + branch.code.encode() + os.urandom(64), pages=3,
                            filename=f"{branch.name}{year}年度活动情况记录册.pdf")

    monkeypatch.setattr(store, "record_book_pdf", fake)
    return calls


@pytest.fixture
def committee(tree):
    """D1 with six branches: A, A2 (under G1) and C1..C4."""
    for i in range(1, 5):
        make_org(f"C{i}", parent=tree["d1"], name=f"第{i}党支部")
    return tree["d1"]


def _run_all(batch_id):
    for branch_id in batches.begin_batch(batch_id):
        with contextlib.suppress(RuntimeError):  # the task failed; the others go on (a group's tasks are independent)
            batches.run_item(batch_id=batch_id, branch_id=branch_id, now=NOW)


# --- resumable ---------------------------------------------------------------------------------------


def test_a_failed_batch_resumes_rendering_only_the_missing_books(committee, renders):
    batch, enqueue = batches.request_batch(actor=None, org=committee, year=YEAR)
    assert enqueue and batch.total == 6
    renders.fail = {"C2", "C3"}
    _run_all(batch.pk)
    batch.refresh_from_db()
    assert batch.status == RecordBookBatch.Status.FAILED and batch.done == 4 and "继续生成" in batch.error
    assert sorted(renders) == ["A", "A2", "C1", "C4"]
    renders.clear()
    again, enqueue = batches.request_batch(actor=None, org=committee, year=YEAR)  # 继续生成
    assert again.pk == batch.pk and enqueue and again.status == RecordBookBatch.Status.PENDING
    _run_all(batch.pk)
    batch.refresh_from_db()
    assert sorted(renders) == ["C2", "C3"]  # only the missing books
    assert batch.status == RecordBookBatch.Status.DONE and batch.done == batch.total == 6 and not batch.error


def test_a_batch_whose_worker_died_half_way_renders_only_the_rest(committee, renders):
    batch, _ = batches.request_batch(actor=None, org=committee, year=YEAR)
    first = batches.begin_batch(batch.pk)
    for branch_id in first[:3]:  # the worker is killed after three books
        batches.run_item(batch_id=batch.pk, branch_id=branch_id, now=NOW)
    batch.refresh_from_db()
    assert batch.status == RecordBookBatch.Status.RUNNING and batch.done == 3 and batch.percent == 50
    renders.clear()
    # The dispatcher is redelivered (acks_late): it sends only the items not done.
    rest = batches.begin_batch(batch.pk)
    assert rest == first[3:]
    for branch_id in first:  # and a redelivered item task of a done item renders nothing
        batches.run_item(batch_id=batch.pk, branch_id=branch_id, now=NOW)
    assert len(renders) == 3 and set(renders).isdisjoint(
        Organization.objects.filter(pk__in=first[:3]).values_list("code", flat=True))
    batch.refresh_from_db()
    assert batch.status == RecordBookBatch.Status.DONE and batch.done == 6


def test_a_new_batch_reuses_the_fresh_books_of_the_last(committee, renders):
    first, _ = batches.request_batch(actor=None, org=committee, year=YEAR)
    _run_all(first.pk)
    renders.clear()
    record_meeting(actor=None, branch=Organization.objects.get(code="C1"), kinds=["theme_day"], topic="主题党日",
                   held_at=datetime(YEAR, 5, 8, 9, tzinfo=TZ), now=datetime(YEAR, 5, 8, 12, tzinfo=TZ))
    second, enqueue = batches.request_batch(actor=None, org=committee, year=YEAR)
    assert enqueue and second.pk != first.pk
    _run_all(second.pk)
    assert renders == ["C1"]  # only the branch whose records changed


# --- de-duplicated, one running batch per organization and year ----------------------------------------


def test_two_identical_requests_share_one_batch(client, committee, organizer, admin_user, monkeypatch,
                                                django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(tasks.render_recordbook_batch, "delay", lambda pk: sent.append(pk))
    url = reverse("recordbook-batch-create", args=["D1"])
    locations = []
    for user in (organizer, organizer, admin_user):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            locations.append(client.post(url, {"year": YEAR})["Location"])
    batch = RecordBookBatch.objects.get()
    assert set(locations) == {reverse("recordbook-batch", args=[batch.pk])} and sent == [batch.pk]
    from core.models import AuditEntry

    entry = AuditEntry.objects.get(target_id=str(batch.pk), action=AuditEntry.Action.CREATE,
                                   target_type__icontains="recordbookbatch")
    assert entry.actor == organizer
    assert batch.items.count() == 6
    client.post(url, {"year": YEAR - 1})  # another year is another batch
    assert RecordBookBatch.objects.count() == 2


def test_the_database_refuses_a_second_running_batch(committee):
    RecordBookBatch.objects.create(org=committee, year=YEAR, status=RecordBookBatch.Status.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordBookBatch.objects.create(org=committee, year=YEAR)
    RecordBookBatch.objects.create(org=committee, year=YEAR, status=RecordBookBatch.Status.DONE)  # history is fine


# --- who may start a batch --------------------------------------------------------------------------


def test_a_viewer_without_the_inspecting_role_cannot_start_a_batch(client, committee, viewer, organizer):
    client.force_login(viewer)
    page = client.get(reverse("recordbook", args=["D1"])).content.decode()
    assert "开始生成" not in page and "组织员、管理员" in page
    assert client.post(reverse("recordbook-batch-create", args=["D1"]), {"year": YEAR}).status_code == 403
    assert not RecordBookBatch.objects.exists()
    client.force_login(organizer)
    assert "开始生成" in client.get(reverse("recordbook", args=["D1"])).content.decode()


def test_resume_needs_the_inspecting_role_and_the_scope(client, committee, renders, viewer, secretary_b, organizer):
    batch, _ = batches.request_batch(actor=None, org=committee, year=YEAR)
    renders.fail = {"C1"}
    _run_all(batch.pk)
    url = reverse("recordbook-batch-resume", args=[batch.pk])
    client.force_login(secretary_b)  # another district's secretary
    assert client.post(url).status_code == 404
    client.force_login(viewer)
    assert client.post(url).status_code == 403
    client.force_login(organizer)
    assert "继续生成" in client.get(reverse("recordbook-batch", args=[batch.pk])).content.decode()
    assert client.post(url).status_code == 302
    batch.refresh_from_db()
    assert batch.status == RecordBookBatch.Status.PENDING


# --- the zip streams from storage ---------------------------------------------------------------------


def test_the_zip_streams_from_storage_in_chunks(committee, renders, client, viewer, monkeypatch):
    batch, _ = batches.request_batch(actor=None, org=committee, year=YEAR)
    _run_all(batch.pk)
    big = batch.items.get(branch__code="C4")
    default_storage.delete(big.file)
    default_storage.save(big.file, io.BytesIO(b"%PDF" + os.urandom(3 * CHUNK)))  # a 768 KB book
    opened = []
    real_open = default_storage.open
    monkeypatch.setattr(default_storage, "open", lambda name, mode="rb": opened.append(name) or real_open(name, mode))
    client.force_login(viewer)
    response = client.get(reverse("recordbook-batch-download", args=[batch.pk]))
    assert response.status_code == 200 and response.streaming
    assert opened == []  # nothing read before the body is consumed
    chunks = list(response.streaming_content)
    assert len(chunks) > 6 and max(len(c) for c in chunks) <= CHUNK + 1024  # never the whole archive at once
    assert sorted(opened) == sorted(batch.items.values_list("file", flat=True))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None and len(archive.namelist()) == 6
    with real_open(big.file) as stored:
        assert archive.read(f"C4-{store.book_filename(big.branch, YEAR)}") == stored.read()


def test_stream_zip_is_a_valid_zip_of_the_named_files(tmp_path):
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path)
    storage.save("a.pdf", io.BytesIO(b"x" * 10))
    storage.save("b.pdf", io.BytesIO(b""))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(stream_zip([("甲.pdf", "a.pdf"), ("乙.pdf", "b.pdf")], storage))))
    assert archive.namelist() == ["甲.pdf", "乙.pdf"] and archive.read("甲.pdf") == b"x" * 10 and archive.read("乙.pdf") == b""


def test_a_superseded_file_is_served_from_the_current_book(committee, renders, client, viewer):
    batch, _ = batches.request_batch(actor=None, org=committee, year=YEAR)
    _run_all(batch.pk)
    c1 = Organization.objects.get(code="C1")
    make_member(c1, name="新党员")  # the roster changed…
    store.ensure_book(branch=c1, year=YEAR, now=NOW)  # …and a download re-rendered C1's book
    client.force_login(viewer)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.get(
        reverse("recordbook-batch-download", args=[batch.pk])).streaming_content)))
    assert len(archive.namelist()) == 6
    assert archive.read(f"C1-{store.book_filename(c1, YEAR)}") == default_storage.open(
        StoredBook.objects.get(branch=c1).file).read()


# --- cached books and their version key -----------------------------------------------------------------


@pytest.fixture
def three_branches(tree):
    """A meeting with attendance in A, A2 and B, and a member each."""
    for code in ("A", "A2", "B"):
        branch = tree[code.lower()]
        make_member(branch, name=f"{code}党员")
        record_meeting(actor=None, branch=branch, kinds=["theme_day"], topic=f"{code}主题党日",
                       held_at=datetime(YEAR, 3, 8, 9, tzinfo=TZ), now=datetime(YEAR, 3, 8, 12, tzinfo=TZ))
    return [tree["a"], tree["a2"], tree["b"]]


def _change_meeting(a):
    Meeting.objects.filter(branch=a).update(topic="改过的议题")  # a bulk update: no save(), no signal


def _change_attendance(a):
    Attendance.objects.filter(meeting__branch=a).update(status=Attendance.Status.ABSENT)


def _change_roster(a):
    Member.objects.filter(branch=a).update(name="改名党员")


def _change_campaigns(a):
    CampaignCompletion.objects.create(branch=a, kind="life_meeting", counts_on=datetime(YEAR, 12, 1).date(),
                                      completed_at=datetime(YEAR, 12, 1, 10, tzinfo=TZ), source="test:1")


def _change_meeting_kinds(a):
    from meetings.models import MeetingKind

    MeetingKind.objects.filter(meeting__branch=a).update(kind="branch_assembly")


def _change_group(a):
    from branches.models import PartyGroup

    PartyGroup.objects.create(branch=a, name="第一党小组")


@pytest.mark.parametrize("change", [_change_meeting, _change_attendance, _change_roster, _change_campaigns,
                                    _change_meeting_kinds, _change_group])
def test_a_change_makes_that_branch_year_stale_and_no_other(three_branches, change):
    a, a2, b = three_branches
    before = {br.code: book_version(branch=br, year=YEAR, now=NOW) for br in three_branches}
    other_year = book_version(branch=a2, year=YEAR - 1, now=NOW)
    assert before == {br.code: book_version(branch=br, year=YEAR, now=NOW) for br in three_branches}  # stable
    change(a)
    after = {br.code: book_version(branch=br, year=YEAR, now=NOW) for br in three_branches}
    assert after["A"] != before["A"]
    assert after["A2"] == before["A2"] and after["B"] == before["B"]
    assert book_version(branch=a2, year=YEAR - 1, now=NOW) == other_year


def test_a_meeting_of_another_year_leaves_the_book_fresh(three_branches):
    a = three_branches[0]
    before = book_version(branch=a, year=YEAR, now=NOW)
    record_meeting(actor=None, branch=a, kinds=["theme_day"], topic="下一年", held_at=datetime(YEAR + 1, 1, 8, 9, tzinfo=TZ),
                   now=datetime(YEAR + 1, 1, 8, 12, tzinfo=TZ))
    assert book_version(branch=a, year=YEAR, now=NOW) == before


def test_a_campaign_of_the_branch_makes_its_book_stale(three_branches):
    from reviews.models import Talk

    a, a2, _ = three_branches
    before = {br.pk: book_version(branch=br, year=YEAR, now=NOW) for br in three_branches}
    m, other = Member.objects.filter(branch=a).first(), make_member(a, name="谈话对象")
    before[a.pk] = book_version(branch=a, year=YEAR, now=NOW)
    Talk.objects.create(branch=a, talker=m, counterpart=other, held_on=datetime(YEAR, 4, 1).date(), content="谈心")
    assert book_version(branch=a, year=YEAR, now=NOW) != before[a.pk]
    assert book_version(branch=a2, year=YEAR, now=NOW) == before[a2.pk]


def test_the_current_year_is_keyed_by_day_until_it_is_settled(three_branches):
    a = three_branches[0]
    day1, day2 = datetime(YEAR, 6, 1, 10, tzinfo=TZ), datetime(YEAR, 6, 2, 10, tzinfo=TZ)
    assert book_version(branch=a, year=YEAR, now=day1) == book_version(branch=a, year=YEAR, now=day1.replace(hour=20))
    assert book_version(branch=a, year=YEAR, now=day1) != book_version(branch=a, year=YEAR, now=day2)


def test_a_fresh_book_is_sent_without_rendering(client, three_branches, secretary_a, renders, monkeypatch,
                                                django_assert_max_num_queries):
    a = three_branches[0]
    store.ensure_book(branch=a, year=YEAR)
    assert renders == ["A"]
    monkeypatch.setattr(tasks.render_book, "delay", lambda *a: pytest.fail("a fresh book was sent to a worker"))
    client.force_login(secretary_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("recordbook-pdf", args=["A", YEAR]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert renders == ["A"]


def test_a_stale_book_goes_to_a_worker_once(client, three_branches, secretary_a, renders, monkeypatch,
                                            django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(tasks.render_book, "delay", lambda *args: sent.append(args))
    client.force_login(secretary_a)
    for _ in range(3):  # reloads while it renders: one task
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(reverse("recordbook-pdf", args=["A", YEAR]))
        assert response.status_code == 202 and "正在后台生成" in response.content.decode()
    assert sent == [(three_branches[0].pk, YEAR)] and renders == []  # nothing rendered in the web process
    assert client.get(reverse("recordbook-pdf-status", args=["A", YEAR])).json()["ready"] is False


def test_single_renders_are_rate_limited_per_user(client, settings, three_branches, viewer, monkeypatch,
                                                  django_capture_on_commit_callbacks):
    settings.RECORDBOOK_RENDERS_PER_HOUR = 2
    monkeypatch.setattr(tasks.render_book, "delay", lambda *args: None)
    client.force_login(viewer)
    codes = [(code, year) for code in ("A", "A2") for year in (YEAR, YEAR - 1)]
    statuses = [client.get(reverse("recordbook-pdf", args=[code, year])).status_code for code, year in codes]
    assert statuses == [202, 202, 429, 429]
    refused = client.get(reverse("recordbook-pdf", args=["A2", YEAR - 1]))
    assert re.search("一小时内已生成2份记录册，已达上限", refused.content.decode())
    assert client.get(reverse("recordbook-pdf", args=["A", YEAR])).status_code == 202  # waiting on its own render


def test_the_status_of_a_book_is_scoped(client, three_branches, secretary_b):
    client.force_login(secretary_b)
    assert client.get(reverse("recordbook-pdf-status", args=["A", YEAR])).status_code == 404


def test_a_failed_render_releases_the_lock_so_the_next_visit_retries(client, three_branches, secretary_a, renders,
                                                                      monkeypatch, django_capture_on_commit_callbacks):
    sent = []

    def worker(*args):  # the pdf worker, in this process
        sent.append(args)
        with contextlib.suppress(RuntimeError):
            tasks.render_book(*args)

    monkeypatch.setattr(tasks.render_book, "delay", worker)
    renders.fail = {"A"}
    client.force_login(secretary_a)
    url = reverse("recordbook-pdf", args=["A", YEAR])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 202  # the render fails in the worker
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url).status_code == 202  # sent again, and rendered this time
    assert len(sent) == 2 and renders == ["A"]
    assert client.get(url).status_code == 200


def test_a_stalled_running_batch_is_sent_again_and_renders_only_the_rest(committee, renders, settings, client,
                                                                         organizer, monkeypatch,
                                                                         django_capture_on_commit_callbacks):
    import time_machine

    settings.RECORDBOOK_BATCH_STALL_MINUTES = 30
    batch, _ = batches.request_batch(actor=None, org=committee, year=YEAR)
    first = batches.begin_batch(batch.pk)
    batches.run_item(batch_id=batch.pk, branch_id=first[0], now=NOW)  # then the worker dies, its messages lost
    batch.refresh_from_db()
    with time_machine.travel(batch.progress_at + timedelta(minutes=29)):
        assert batches.request_batch(actor=None, org=committee, year=YEAR) == (batch, False)  # still working
    sent = []
    monkeypatch.setattr(tasks.render_recordbook_batch, "delay", lambda pk: sent.append(pk))
    client.force_login(organizer)
    with time_machine.travel(batch.progress_at + timedelta(minutes=31)):
        page = client.get(reverse("recordbook-batch", args=[batch.pk])).content.decode()
        assert "较长时间没有进展" in page and "继续生成" in page
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(reverse("recordbook-batch-resume", args=[batch.pk])).status_code == 302
    assert sent == [batch.pk]
    renders.clear()
    _run_all(batch.pk)
    assert len(renders) == 5  # the one done before the stall is not rendered again
    batch.refresh_from_db()
    assert batch.status == RecordBookBatch.Status.DONE
