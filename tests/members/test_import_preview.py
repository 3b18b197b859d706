"""The import preview lists its rows (new, changed old → new, unchanged folded), 取消 cancels, the template's
example row is skipped with a notice, and the template carries dropdowns."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from members.models import Member, RosterImport
from members.resources import EXAMPLE_NOTE, template_xlsx
from tests.members.conftest import roster_row, rows_of, xlsx_bytes

pytestmark = pytest.mark.django_db


def _upload(client, content, name="名册.xlsx"):
    return client.post(reverse("roster-import"), {"file": SimpleUploadedFile(name, content)})


def _import(client, rows):
    _upload(client, xlsx_bytes(rows))
    record = RosterImport.objects.latest("pk")
    client.post(reverse("roster-import-confirm", args=[record.pk]))
    return record


def test_preview_lists_new_and_changed_rows_with_old_and_new_values(client, secretary_a):
    client.force_login(secretary_a)
    rows = rows_of(3)
    _import(client, rows)
    rows[0]["手机号"] = "13900139000"
    rows[1]["学历"] = "研究生（硕士）"
    rows.append(roster_row(**{"序号": 4, "姓名": "新同志"}))
    response = _upload(client, xlsx_bytes(rows))
    page = client.get(response.url).content.decode()
    preview = page[page.index('id="import-preview"'):]
    assert "新同志" in preview and "新增" in preview
    assert "手机号：<del>13800138000</del> → <ins>13900139000</ins>" in preview
    assert "学历：<del>大学本科</del> → <ins>研究生（硕士）</ins>" in preview
    assert "未变化 1 行（已折叠）" in preview and "党员3" not in preview


def test_cancel_really_cancels(client, secretary_a):
    client.force_login(secretary_a)
    _upload(client, xlsx_bytes(rows_of(2)))
    record = RosterImport.objects.get()
    response = client.post(reverse("roster-import-cancel", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == RosterImport.Status.CANCELLED and record.upload == b""
    client.post(reverse("roster-import-confirm", args=[record.pk]))  # too late: nothing imported
    record.refresh_from_db()
    assert record.status == RosterImport.Status.CANCELLED
    assert not Member.objects.filter(name__startswith="党员").exists()


def test_outsider_cannot_cancel_someone_elses_import(client, secretary_a, secretary_b):
    client.force_login(secretary_a)
    _upload(client, xlsx_bytes(rows_of(1)))
    record = RosterImport.objects.get()
    client.force_login(secretary_b)
    assert client.post(reverse("roster-import-cancel", args=[record.pk])).status_code == 404
    record.refresh_from_db()
    assert record.status == RosterImport.Status.READY


def test_the_template_example_row_is_skipped_with_a_notice(client, secretary_a):
    client.force_login(secretary_a)
    rows = [roster_row(**{"姓名": "张三", "所在党支部": "（填写党支部全称或组织代码）", "备注": EXAMPLE_NOTE}),
            *rows_of(1)]
    response = _upload(client, xlsx_bytes(rows))
    record = RosterImport.objects.get()
    assert record.status == RosterImport.Status.READY and record.counts["total"] == 1
    assert "示例行" in client.get(response.url).content.decode()


def test_the_untouched_template_says_it_holds_only_the_example(client, secretary_a):
    client.force_login(secretary_a)
    response = _upload(client, template_xlsx())
    assert "只有模板的示例行" in client.get(response.url).content.decode()


def test_template_has_dropdowns_for_coded_columns():
    wb = load_workbook(io.BytesIO(template_xlsx()))
    ws = wb["导入模板"]
    headers = [c.value for c in ws[1]]
    validated = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            validated[headers[rng.min_col - 1]] = dv.formula1
    for label in ("性别", "民族", "学历", "人员类别", "党籍状态", "是否为失联党员", "是否为流动党员"):
        assert label in validated, label
    options = wb["选项"]
    assert options.sheet_state == "hidden"
    assert "维吾尔族" in [c.value for c in options["B"]]


def test_roster_pages_link_import_and_export(client, secretary_a, viewer):
    client.force_login(secretary_a)
    page = client.get("/members/").content.decode()
    assert reverse("roster-import") in page and reverse("roster-export") in page and reverse("roster-template") in page
    client.force_login(viewer)
    page = client.get("/members/").content.decode()
    assert reverse("roster-export") in page and reverse("roster-import") not in page
