"""Issue 11, point 2: a 5 KB xlsx whose sheet reaches XFD1048576 aborted the process (SIGABRT inside
calamine), in the web request and, redelivered by late acks, in every Celery worker; the import stayed
`checking`. Now the archive is checked before reading, the reader runs in a child with a memory limit,
the import tasks are never redelivered, and the import is marked failed with a Chinese message.
Point 7 (import part): a broker that refuses the task leaves no row stuck."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from members import tasks
from members.importing import UnreadableFile, guard, parse_roster
from members.importing.service import fail_stale_imports
from members.models import RosterImport
from tests.members.conftest import rows_of, xlsx_bytes

pytestmark = pytest.mark.django_db


def _far_cell_xlsx(*, keep_dimension: bool = True) -> bytes:
    """A tiny valid roster header, and one cell at the sheet's last address."""
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "公民身份证号", "所在党支部", "人员类别", "加入党组织日期"])
    ws.append(["甲", "x", "兴隆社区党支部", "正式党员", "2015-07-01"])
    ws["XFD1048576"] = "x"
    out = io.BytesIO()
    wb.save(out)
    if keep_dimension:
        return out.getvalue()
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))  # the same bomb without its <dimension>: the child catches it
    stripped = io.BytesIO()
    with zipfile.ZipFile(stripped, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"<dimension [^>]*/>", b"", data)
            z.writestr(item, data)
    return stripped.getvalue()


def test_a_declared_huge_sheet_is_refused_before_reading():
    content = _far_cell_xlsx()
    assert len(content) < 8 * 1024
    with pytest.raises(UnreadableFile) as exc:
        parse_roster(content, "bomb.xlsx")
    assert "1048576行×16384列" in exc.value.errors[0].message


def test_a_far_cell_without_dimension_kills_only_the_child_reader(settings):
    settings.ROSTER_PARSE_MEMORY_MB = 512
    with pytest.raises(UnreadableFile) as exc:
        parse_roster(_far_cell_xlsx(keep_dimension=False), "bomb.xlsx")
    assert "超出了允许的内存" in exc.value.errors[0].message


def test_the_child_reader_returns_ordinary_results_and_errors():
    roster = parse_roster(xlsx_bytes(rows_of(3)), "ok.xlsx")
    assert len(roster.rows) == 3
    with pytest.raises(Exception, match="表头"):
        parse_roster(b"a,b\n1,2\n", "x.csv")


def test_run_isolated_survives_an_abort():
    import os

    with pytest.raises(guard.UnsafeFile):
        guard.run_isolated(os.abort)


def test_the_upload_page_marks_the_import_failed_with_a_chinese_message(client, secretary_a, settings):
    settings.ROSTER_PARSE_MEMORY_MB = 512
    client.force_login(secretary_a)
    response = client.post(reverse("roster-import"),
                           {"file": SimpleUploadedFile("名册.xlsx", _far_cell_xlsx(keep_dimension=False))})
    record = RosterImport.objects.get()
    assert response.status_code == 302 and record.status == RosterImport.Status.FAILED
    assert "超出了允许的内存" in record.errors[0]["message"] and record.upload == b""


def test_file_tasks_are_never_redelivered_after_a_worker_dies():
    for task in (tasks.check_roster_import, tasks.commit_roster_import):
        assert task.acks_late is False and task.reject_on_worker_lost is False


def test_stale_running_imports_are_failed_once(secretary_a):
    old = RosterImport.objects.create(created_by=secretary_a, filename="a.xlsx", status=RosterImport.Status.QUEUED)
    fresh = RosterImport.objects.create(created_by=secretary_a, filename="b.xlsx", status=RosterImport.Status.CHECKING)
    now = timezone.now()
    RosterImport.objects.filter(pk=old.pk).update(created_at=now - timedelta(minutes=46))
    RosterImport.objects.filter(pk=fresh.pk).update(created_at=now - timedelta(minutes=44))
    assert fail_stale_imports(now=now, older_than_minutes=45) == 1
    assert fail_stale_imports(now=now, older_than_minutes=45) == 0
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == RosterImport.Status.FAILED and "未写入任何数据" in old.errors[0]["message"]
    assert fresh.status == RosterImport.Status.CHECKING


def _broker_down(*args, **kwargs):
    from kombu.exceptions import OperationalError

    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_broker_down_on_upload_fails_the_import_instead_of_500(client, secretary_a, settings, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    settings.ROSTER_IMPORT_SYNC_MAX_BYTES = 10
    monkeypatch.setattr(tasks.check_roster_import, "delay", _broker_down)
    client.force_login(secretary_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("roster-import"), {"file": SimpleUploadedFile("a.xlsx", xlsx_bytes(rows_of(2)))})
    record = RosterImport.objects.get()
    assert response.status_code == 302
    assert record.status == RosterImport.Status.FAILED and "后台任务服务暂时不可用" in record.errors[0]["message"]


def test_broker_down_on_confirm_leaves_the_import_confirmable(client, secretary_a, settings, monkeypatch,
                                                             django_capture_on_commit_callbacks):
    client.force_login(secretary_a)
    client.post(reverse("roster-import"), {"file": SimpleUploadedFile("a.xlsx", xlsx_bytes(rows_of(2)))})
    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.READY
    settings.ROSTER_IMPORT_SYNC_MAX_BYTES = 1  # the commit goes to the worker
    monkeypatch.setattr(tasks.commit_roster_import, "delay", _broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("roster-import-confirm", args=[record.pk]))
    record.refresh_from_db()
    assert response.status_code == 302 and record.status == RosterImport.Status.READY
    page = client.get(response.url).content.decode()
    assert "后台任务服务暂时不可用" in page and "确认导入" in page
