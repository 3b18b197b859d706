"""The import page (upload → preview → confirm), the Celery path, export and template downloads, the command."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from python_calamine import CalamineWorkbook

from core.models import AuditEntry
from members import tasks
from members.models import Member, RosterImport
from tests.factories import make_member
from tests.members.conftest import NATIONAL, csv_bytes, db_state, roster_row, rows_of, xlsx_bytes


def _upload(client, content, name="名册.xlsx"):
    return client.post(reverse("roster-import"), {"file": SimpleUploadedFile(name, content)})


def _sheet(response) -> list[list]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()


# ---------------------------------------------------------------- page flow


def test_upload_previews_then_confirm_imports(client, secretary_a):
    client.force_login(secretary_a)
    response = _upload(client, xlsx_bytes(rows_of(3), title="兴隆社区党支部党员名册"))
    record = RosterImport.objects.get()
    assert response.url == reverse("roster-import-detail", args=[record.pk])
    assert record.status == RosterImport.Status.READY and record.counts["new"] == 3
    assert Member.objects.count() == 1  # only the secretary himself: preview writes nothing
    page = client.get(response.url).content.decode()
    assert "新增 <b>3</b>" in page and "确认导入" in page and "表头上方" in page

    confirmed = client.post(reverse("roster-import-confirm", args=[record.pk]))
    assert confirmed.status_code == 302
    record.refresh_from_db()
    assert record.status == RosterImport.Status.DONE and record.upload == b""
    assert Member.objects.filter(branch__code="A").count() == 4
    assert AuditEntry.objects.filter(source="import", actor=secretary_a).count() == 3


def test_confirming_twice_imports_once(client, secretary_a):
    client.force_login(secretary_a)
    _upload(client, csv_bytes(rows_of(2)), "a.csv")
    record = RosterImport.objects.get()
    client.post(reverse("roster-import-confirm", args=[record.pk]))
    client.post(reverse("roster-import-confirm", args=[record.pk]))
    assert AuditEntry.objects.filter(source="import").count() == 2


def test_invalid_file_shows_every_error_in_chinese_and_cannot_be_confirmed(client, secretary_a):
    client.force_login(secretary_a)
    rows = rows_of(3)
    rows[0]["性别"] = "男性"
    rows[2]["加入党组织日期"] = "不详"
    before = db_state()
    _upload(client, csv_bytes(rows), "a.csv")
    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.INVALID and record.counts["invalid"] == 2
    page = client.get(reverse("roster-import-detail", args=[record.pk])).content.decode()
    assert "没有写入任何数据" in page and "确认导入" not in page
    assert "<td>2</td><td>性别</td>" in page and "<td>4</td><td>加入党组织日期</td>" in page
    client.post(reverse("roster-import-confirm", args=[record.pk]))
    assert db_state() == before


def test_a_file_without_a_header_row_is_explained(client, secretary_a):
    client.force_login(secretary_a)
    _upload(client, b"a,b,c\n1,2,3\n", "a.csv")
    page = client.get(reverse("roster-import-detail", args=[RosterImport.objects.get().pk])).content.decode()
    assert "找不到表头行" in page


def test_upload_without_a_file_says_so(client, secretary_a):
    client.force_login(secretary_a)
    response = client.post(reverse("roster-import"), {})
    assert response.status_code == 400 and "请选择要导入的名册文件" in response.content.decode()


def test_large_files_are_checked_and_committed_by_the_worker_with_progress(
        client, secretary_a, settings, django_capture_on_commit_callbacks, monkeypatch):
    settings.ROSTER_IMPORT_SYNC_MAX_BYTES = 10  # every file is "large"
    queued = []
    monkeypatch.setattr(tasks.check_roster_import, "delay", lambda pk: queued.append(("check", pk)))
    monkeypatch.setattr(tasks.commit_roster_import, "delay", lambda pk: queued.append(("commit", pk)))
    client.force_login(secretary_a)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, xlsx_bytes(rows_of(4)))
    record = RosterImport.objects.get()
    assert queued == [("check", record.pk)] and record.status == RosterImport.Status.CHECKING
    page = client.get(reverse("roster-import-detail", args=[record.pk])).content.decode()
    assert 'class="progress"' in page and "roster-import-status" not in page  # the URL is rendered, not the name
    status = client.get(reverse("roster-import-status", args=[record.pk])).json()
    assert status["running"] is True and status["status_label"] == "正在检查"

    tasks.check_roster_import(record.pk)  # what the worker runs
    tasks.check_roster_import(record.pk)  # redelivered: harmless
    assert client.get(reverse("roster-import-status", args=[record.pk])).json()["status"] == "ready"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster-import-confirm", args=[record.pk]))
    assert queued[-1] == ("commit", record.pk)
    tasks.commit_roster_import(record.pk)
    tasks.commit_roster_import(record.pk)  # redelivered after success: does nothing
    record.refresh_from_db()
    assert record.status == RosterImport.Status.DONE and record.progress == 100
    assert Member.objects.filter(branch__code="A").count() == 5
    assert AuditEntry.objects.filter(source="import").count() == 4


def test_confirm_checks_again_and_fails_cleanly_if_the_roster_changed(client, secretary_a, tree):
    client.force_login(secretary_a)
    row = roster_row()
    _upload(client, csv_bytes([row]), "a.csv")
    record = RosterImport.objects.get()
    # Meanwhile someone registers the same person in another branch this secretary cannot manage.
    make_member(tree["b"], id_number=row["公民身份证号"], birth_date=date(1990, 3, 7))
    before = db_state()
    client.post(reverse("roster-import-confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == RosterImport.Status.FAILED and "组织关系转接" in record.errors[0]["message"]
    assert db_state() == before


# ---------------------------------------------------------------- who may


def test_outsider_secretary_cannot_import_into_branch_a(client, secretary_b, tree):
    client.force_login(secretary_b)
    before = db_state()
    _upload(client, csv_bytes(rows_of(2)), "a.csv")
    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.INVALID
    assert all("无权导入" in e["message"] for e in record.errors)
    assert db_state() == before


def test_someone_elses_import_is_not_found(client, secretary_a, secretary_b):
    client.force_login(secretary_a)
    _upload(client, csv_bytes(rows_of(1)), "a.csv")
    record = RosterImport.objects.get()
    client.force_login(secretary_b)
    assert client.get(reverse("roster-import-detail", args=[record.pk])).status_code == 404
    assert client.post(reverse("roster-import-confirm", args=[record.pk])).status_code == 404


def test_anonymous_user_is_sent_to_login(client, tree):
    response = client.get(reverse("roster-import"))
    assert response.status_code == 302 and reverse("login") in response.url


@pytest.mark.parametrize("url", ["roster-import", "roster-template"])
def test_a_plain_member_gets_403(client, member_a, url):
    client.force_login(member_a)
    assert client.get(reverse(url)).status_code == 403


def test_a_read_only_viewer_cannot_import(client, viewer):
    client.force_login(viewer)
    assert _upload(client, csv_bytes(rows_of(1)), "a.csv").status_code == 403


# ---------------------------------------------------------------- export and template


def test_export_is_in_the_national_layout_and_masks_ids_for_a_viewer(client, viewer, tree):
    member = make_member(tree["a"], name="被导出的人")
    client.force_login(viewer)
    response = client.get(reverse("roster-export"))
    assert response.status_code == 200
    sheet = _sheet(response)
    assert sheet[0] == NATIONAL
    row = dict(zip(sheet[0], sheet[1], strict=True))
    assert row["姓名"] == "被导出的人" and row["所在党支部"] == "兴隆社区党支部"
    assert row["公民身份证号"] == member.id_number_masked != member.id_number


def test_export_shows_full_ids_to_the_branch_secretary_and_reimports_unchanged(client, secretary_a, tree, admin_user):
    make_member(tree["a"], name="甲", birth_date=date(1980, 5, 5))
    client.force_login(secretary_a)
    response = client.get(reverse("roster-export") + "?branch=A")
    sheet = _sheet(response)
    ids = {r[1]: r[3] for r in sheet[1:]}
    assert ids["甲"] == Member.objects.get(name="甲").id_number
    # The export is a valid import: re-importing it changes nothing.
    from members.importing import commit_roster, parse_roster
    body = response.content
    result = commit_roster(actor=admin_user, roster=parse_roster(body, "export.xlsx"))
    assert (result.new, result.updated, result.unchanged) == (0, 0, 2)


def test_export_is_refused_to_a_plain_member(client, member_a):
    client.force_login(member_a)
    assert client.get(reverse("roster-export")).status_code == 403


def test_template_has_the_national_headers_an_example_and_a_text_id_column(client, secretary_a):
    from openpyxl import load_workbook

    client.force_login(secretary_a)
    response = client.get(reverse("roster-template"))
    ws = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in ws[1]] == NATIONAL
    assert ws["B2"].value == "张三" and len(ws["D2"].value) == 18
    assert ws["D2"].number_format == "@" and ws["D500"].number_format == "@"


def test_a_forgotten_example_row_in_the_template_is_recognised_not_imported(client, secretary_a):
    """The example row is skipped (with a notice when real rows follow); alone, the file has no data."""
    client.force_login(secretary_a)
    _upload(client, client.get(reverse("roster-template")).content, "模板.xlsx")
    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.INVALID and "只有模板的示例行" in record.errors[0]["message"]


# ---------------------------------------------------------------- command


def test_command_imports_and_reports_counts(tree, tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes(rows_of(3) + [roster_row(所在党支部="B")]))
    call_command("import_roster", str(path))
    out = capsys.readouterr().out
    assert "新增 4" in out and Member.objects.count() == 4


def test_command_dry_run_writes_nothing(tree, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(rows_of(2), encoding="gb18030"))
    call_command("import_roster", str(path), "--dry-run")
    assert "新增 2" in capsys.readouterr().out and Member.objects.count() == 0


@pytest.mark.parametrize("dry_run", [False, True])
def test_command_exits_non_zero_on_any_error_and_writes_nothing(tree, tmp_path, capsys, dry_run):
    rows = rows_of(3)
    rows[1]["公民身份证号"] = rows[1]["公民身份证号"][:17] + ("0" if rows[1]["公民身份证号"][17] != "0" else "1")
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(rows))
    before = db_state()
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("import_roster", str(path), *(["--dry-run"] if dry_run else []))
    assert "第3行 公民身份证号：公民身份号码校验位不正确" in capsys.readouterr().err
    assert db_state() == before


def test_command_exit_status_is_non_zero(tree, tmp_path):
    import subprocess
    import sys

    path = tmp_path / "bad.csv"
    path.write_bytes(b"nothing,here\n")
    from django.conf import settings

    done = subprocess.run([sys.executable, "manage.py", "import_roster", str(path)], cwd=settings.BASE_DIR,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "找不到表头行" in done.stderr


def test_admin_member_list_links_to_the_import_page_and_exports(client, tree):
    from tests.factories import UserFactory

    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    page = client.get(reverse("admin:members_member_changelist")).content.decode()
    assert reverse("roster-import") in page and reverse("roster-template") in page
    assert client.get(reverse("admin:members_member_export")).status_code == 200


def test_export_writes_formula_like_text_as_text(client, secretary_a, tree):
    from openpyxl import load_workbook

    make_member(tree["a"], name="=HYPERLINK(\"http://x\")")
    client.force_login(secretary_a)
    ws = load_workbook(io.BytesIO(client.get(reverse("roster-export")).content)).active
    cells = [c for c in ws["B"] if c.value and str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)
