"""Real roster files for the import tests: xlsx by openpyxl, xls by xlwt, CSV in UTF-8 / BOM / GB18030."""

import csv
import io
from datetime import date, datetime

import pytest

from core.models import AuditEntry
from members.models import Member, Membership
from members.resources import COLUMNS
from tests.factories import valid_id_number

NATIONAL = [c.label for c in COLUMNS]


def roster_row(**cells) -> dict:
    """One valid row in branch A (兴隆社区党支部), by national label; keyword args override cells."""
    born = cells.pop("born", date(1990, 3, 7))
    gender = cells.pop("sex", "male")
    row = {
        "序号": 1, "姓名": "陈明", "所在党支部": "兴隆社区党支部",
        "公民身份证号": valid_id_number(birth_date=born, gender=gender), "性别": "男" if gender == "male" else "女",
        "民族": "汉族", "出生日期": f"{born:%Y-%m-%d}", "学历": "大学本科", "人员类别": "正式党员",
        "加入党组织日期": "2015-07-01", "转为正式党员日期": "2016-07-01", "工作岗位": "专业技术人员",
        "手机号": "13800138000", "固定电话": "", "家庭住址": "江城区兴隆路1号", "党籍状态": "正常",
        "是否为失联党员": "否", "失去联系日期": "", "是否为流动党员": "否", "外出流向": "", "备注": "",
    }
    row.update(cells)
    return row


def rows_of(n: int, **cells) -> list[dict]:
    return [roster_row(**{"序号": i + 1, "姓名": f"党员{i + 1}", **cells}) for i in range(n)]


def _table(rows, headers, title):
    headers = headers or list(rows[0].keys()) if rows else (headers or NATIONAL)
    table = []
    if title:
        table.append([title] + [None] * (len(headers) - 1))
    table.append(list(headers))
    for r in rows:
        table.append([r.get(h) for h in headers])
    return table


def xlsx_bytes(rows, *, headers=None, title=None, id_as_number=False, raw_cells=None) -> bytes:
    """An xlsx as Excel users make it; `raw_cells` {(row_index, label): value} puts typed cells (dates, numbers)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    table = _table(rows, headers, title)
    for line in table:
        ws.append(line)
    header_at = 2 if title else 1
    labels = table[header_at - 1]
    if id_as_number:
        col = labels.index("公民身份证号") + 1
        for r in range(header_at + 1, ws.max_row + 1):
            cell = ws.cell(row=r, column=col)
            cell.value = int(cell.value)  # what Excel does to an 18-digit number typed into a General cell
    for (i, label), value in (raw_cells or {}).items():
        ws.cell(row=header_at + 1 + i, column=labels.index(label) + 1).value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xls_bytes(rows, *, headers=None, title=None, raw_cells=None) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("汇总表")
    table = _table(rows, headers, title)
    header_at = 1 if title else 0
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    overrides = {(header_at + 1 + i, table[header_at].index(label)): v for (i, label), v in (raw_cells or {}).items()}
    for r, line in enumerate(table):
        for c, value in enumerate(line):
            value = overrides.get((r, c), value)
            if isinstance(value, date | datetime):
                sheet.write(r, c, value, date_style)
            elif value is not None:
                sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, *, encoding="utf-8", headers=None, title=None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in _table(rows, headers, title):
        writer.writerow(["" if v is None else v for v in line])
    return out.getvalue().encode(encoding)


def db_state() -> tuple:
    """What a rejected import must leave untouched."""
    return (Member.objects.count(), Membership.objects.count(), AuditEntry.objects.count(),
            list(Member.objects.order_by("pk").values_list("pk", "name", "branch_id", "updated_at")))


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The personas' passwords are hashed with PBKDF2 (~1.5 s per test here); these tests do not need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
