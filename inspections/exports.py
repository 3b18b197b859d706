"""Excel exports of what the dashboard shows: the branch table (完成情况), attendance (出勤) and the
overdue list (逾期清单), of the dashboard's subtree only, filtered as on screen, with Chinese headers.
Text that looks like a formula ("=…", "+…", "-…", "@…") is written as text."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from inspections import dashboard
from inspections.dashboard import Dashboard, TableQuery

TABLES = {"compliance": "完成情况", "attendance": "党员出勤", "overdue": "逾期清单"}
PERCENT = "0.0%"


def _compliance(dash: Dashboard, params) -> tuple[list[str], list[list]]:
    query = TableQuery.from_params(params)
    headers = ["党支部", "组织代码", "上级党组织", "所属领域", "书记", "状态", "应完成期数", "已完成", "其中补记完成",
               "补记期内", "逾期项", "完成率"]
    if dash.ranking:
        headers.append("排名")
    rows = []
    for line in dashboard.all_branch_lines(dash, query):
        fig, kind = line.figures, line.kind
        values = fig.kinds.get(kind, [0, 0, 0, 0, 0]) if kind else [fig.periods, fig.met, fig.met_late, fig.late,
                                                                    fig.overdue]
        row = [line.org.name, line.org.code, line.org.parent.name if line.org.parent_id else "",
               line.org.get_sector_display(), line.secretary, line.state_label, *values, line.rate]
        if dash.ranking:
            row.append(line.rank)
        rows.append(row)
    if query.kind:
        headers[6] = f"应完成期数（{dashboard.KIND_LABELS[query.kind]}）"
    return headers, rows


def _attendance(dash: Dashboard, params) -> tuple[list[str], list[list]]:
    headers = ["党支部", "组织代码", "上级党组织", "党员数", "出席人次", "请假人次", "缺席人次", "出勤率"]
    rows = [[line.org.name, line.org.code, line.org.parent.name if line.org.parent_id else "", line.figures.members,
             line.figures.present, line.figures.leave, line.figures.absent, line.attendance_rate]
            for line in dashboard.all_branch_lines(dash, TableQuery.from_params(params))]
    return headers, rows


def _overdue(dash: Dashboard, params) -> tuple[list[str], list[list]]:
    kind = params.get("okind", "") if params.get("okind", "") in dashboard.KINDS else ""
    month = TableQuery.from_params({"month": params.get("omonth", ""), "month_state": "overdue"}).month
    headers = ["党支部", "组织代码", "事项", "党小组", "期间开始", "期间结束", "应开", "已开", "说明"]
    rows = []
    for item in dashboard.overdue_lines(dash, kind=kind, month=month):
        line = dashboard.as_overdue_line(item)
        rows.append([line.branch.name, line.branch.code, line.kind_label, line.party_group, line.period_start,
                     line.period_end, line.required, line.held, line.explanation])
    return headers, rows


_BUILDERS = {"compliance": _compliance, "attendance": _attendance, "overdue": _overdue}


def workbook(dash: Dashboard, table: str, params) -> tuple[bytes, str]:
    headers, rows = _BUILDERS[table](dash, params)
    book = Workbook()
    sheet = book.active
    sheet.title = TABLES[table]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    percent_columns = {i + 1 for i, h in enumerate(headers) if h.endswith("率")}
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # openpyxl writes "=…" text as a formula: keep it text
                cell.data_type = "s"
            if cell.column in percent_columns:
                cell.number_format = PERCENT
            elif hasattr(cell.value, "isoformat"):
                cell.number_format = "yyyy-mm-dd"
    for column, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(1, column).column_letter].width = max(10, len(header) * 2 + 2)
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    book.save(buffer)
    filename = f"{dash.org.name}{dash.year}年{TABLES[table]}（截至{dash.at:%Y-%m-%d}）.xlsx"
    return buffer.getvalue(), filename
