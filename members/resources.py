"""The roster in the layout of the national 《党员基本信息汇总表》 (domain-rules §9).

COLUMNS is the single list of its columns: the import matches headers against their exact labels
and the variants other platforms and hand-made sheets use; the export and the template write the
exact labels in the same order. RosterResource is the django-import-export Resource that exports a
roster in that layout (the admin export and the export page both use it).

Import does not go through a Resource: django-import-export validates and saves row by row (about
500 rows/s, stack-notes §M.4) and its bulk mode loses row numbers, signals and the audit trail
(§1.2). The import is members.importing, set-based.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from io import BytesIO

from import_export import fields, resources

from members import idnumber
from members.models import Member


@dataclass(frozen=True)
class Column:
    key: str  # a Member field, or "seq" / "branch" / "id_number"
    label: str  # the exact label of the national 汇总表
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", ("编号",)),
    Column("name", "姓名", ("党员姓名",)),
    Column("branch", "所在党支部", ("党支部", "所在支部", "支部", "所在党组织", "党组织名称", "党支部名称", "所在党支部名称",
                                "党支部代码", "组织代码")),
    Column("id_number", "公民身份证号", ("公民身份号码", "身份证号", "身份证号码", "身份证", "证件号码", "居民身份证号码")),
    Column("gender", "性别"),
    Column("ethnicity", "民族"),
    Column("birth_date", "出生日期", ("出生年月", "出生年月日")),
    Column("education", "学历", ("文化程度", "学历代码")),
    Column("category", "人员类别", ("党员类别", "党员类型", "人员类型")),
    Column("joined_on", "加入党组织日期", ("入党日期", "入党时间", "加入党组织时间", "入党年月")),
    Column("confirmed_on", "转为正式党员日期", ("转正日期", "转正时间", "转为正式党员时间", "转正年月")),
    Column("job", "工作岗位", ("岗位", "工作岗位代码")),
    Column("mobile", "手机号", ("手机号码", "联系电话", "手机", "移动电话", "联系方式")),
    Column("landline", "固定电话", ("座机", "办公电话", "电话")),
    Column("address", "家庭住址", ("家庭住址(具体到门牌号)", "住址", "家庭地址", "现居住地址", "居住地址")),
    Column("status", "党籍状态", ("党籍",)),
    Column("lost_contact", "是否为失联党员", ("是否失联党员", "是否失联", "失联党员")),
    Column("lost_contact_since", "失去联系日期", ("失联日期", "失去联系时间", "失联时间")),
    Column("is_mobile", "是否为流动党员", ("是否流动党员", "流动党员", "是否为流动党员(由流出地党组织负责采集)")),
    Column("mobile_destination", "外出流向", ("流向", "外出去向", "流出去向")),
    Column("note", "备注", ("说明",)),
)
LABELS: dict[str, str] = {c.key: c.label for c in COLUMNS}
# Columns without which a row cannot describe a member at all (性别 and 出生日期 follow from the ID number).
REQUIRED_KEYS = ("name", "branch", "id_number", "category", "joined_on")

_SPACES = re.compile(r"[\s\u3000*＊:：]+")
_TRAILING_PAREN = re.compile(r"\(.*\)$")


def normalize_header(text) -> str:
    """Header cells as people write them: full-width brackets, spaces, line breaks, "*" for required."""
    if text is None:
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(text)))


_HEADER_KEYS: dict[str, str] = {}
for _col in COLUMNS:
    for _text in (_col.label, *_col.aliases):
        _HEADER_KEYS[normalize_header(_text)] = _col.key


def header_key(text) -> str | None:
    """The column a header cell means, or None; "家庭住址（具体到门牌号）" and "性别(男/女)" match too."""
    name = normalize_header(text)
    if not name:
        return None
    return _HEADER_KEYS.get(name) or _HEADER_KEYS.get(_TRAILING_PAREN.sub("", name))


YES_NO = {True: "是", False: "否"}


class RosterResource(resources.ModelResource):
    """Export in the national layout. ID numbers are masked unless `reveal_id(member)` says otherwise."""

    seq = fields.Field(column_name="序号")
    name = fields.Field(attribute="name", column_name="姓名")
    branch = fields.Field(column_name="所在党支部")
    id_number = fields.Field(column_name="公民身份证号")
    gender = fields.Field(column_name="性别")
    ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
    birth_date = fields.Field(column_name="出生日期")
    education = fields.Field(attribute="education", column_name="学历")
    category = fields.Field(column_name="人员类别")
    joined_on = fields.Field(column_name="加入党组织日期")
    confirmed_on = fields.Field(column_name="转为正式党员日期")
    job = fields.Field(attribute="job", column_name="工作岗位")
    mobile = fields.Field(attribute="mobile", column_name="手机号")
    landline = fields.Field(attribute="landline", column_name="固定电话")
    address = fields.Field(attribute="address", column_name="家庭住址")
    status = fields.Field(column_name="党籍状态")
    lost_contact = fields.Field(column_name="是否为失联党员")
    lost_contact_since = fields.Field(column_name="失去联系日期")
    is_mobile = fields.Field(column_name="是否为流动党员")
    mobile_destination = fields.Field(attribute="mobile_destination", column_name="外出流向")
    note = fields.Field(attribute="note", column_name="备注")

    class Meta:
        model = Member
        fields = tuple(c.key for c in COLUMNS)
        export_order = tuple(c.key for c in COLUMNS)

    def __init__(self, *, reveal_id: Callable[[Member], bool] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.reveal_id = reveal_id or (lambda member: False)
        self._seq = 0
        self._revealed: dict[int, bool] = {}

    def _may_see(self, member) -> bool:
        """Asked once per member: `reveal_id` may log the reveal."""
        if member.pk not in self._revealed:
            self._revealed[member.pk] = self.reveal_id(member)
        return self._revealed[member.pk]

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("branch")

    @staticmethod
    def _date(value: date | None) -> str:
        return f"{value:%Y-%m-%d}" if value else ""

    def dehydrate_seq(self, member):
        self._seq += 1
        return self._seq

    def dehydrate_branch(self, member):
        return member.branch.name

    def dehydrate_id_number(self, member):
        return member.id_number if self._may_see(member) else member.id_number_masked

    def dehydrate_gender(self, member):
        return member.get_gender_display()

    def dehydrate_birth_date(self, member):
        # digits 7–14 of the number: the year only for whoever may not see the number
        return self._date(member.birth_date) if self._may_see(member) else idnumber.coarse_birth_date(member.birth_date)

    def dehydrate_category(self, member):
        return member.get_category_display()

    def dehydrate_joined_on(self, member):
        return self._date(member.joined_on)

    def dehydrate_confirmed_on(self, member):
        return self._date(member.confirmed_on)

    def dehydrate_status(self, member):
        return member.get_status_display()

    def dehydrate_lost_contact(self, member):
        return YES_NO[member.lost_contact]

    def dehydrate_lost_contact_since(self, member):
        return self._date(member.lost_contact_since)

    def dehydrate_is_mobile(self, member):
        return YES_NO[member.is_mobile]


def _text_column_sheet(rows: list[list], *, title: str, dropdowns: bool = False) -> bytes:
    """An xlsx whose 公民身份证号 column is formatted as text, so Excel keeps all 18 characters."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = title
    id_col = [c.key for c in COLUMNS].index("id_number") + 1
    for row in rows:
        ws.append(row)
    for line in ws.iter_rows():
        for cell in line:
            if cell.data_type == "f":  # openpyxl would write "=..." text as a formula: export it as text
                cell.data_type = "s"
    for cell in ws[1]:
        cell.font = Font(bold=True)
    # Pre-format empty rows too: whatever is typed or pasted there later stays text.
    for r in range(2, max(ws.max_row, 1000) + 1):
        ws.cell(row=r, column=id_col).number_format = "@"
    for i, col in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 22 if col.key in ("id_number", "branch", "address") else 12
    ws.freeze_panes = "A2"
    if dropdowns:
        _add_dropdowns(wb, ws)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def export_roster_xlsx(queryset, *, reveal_id: Callable[[Member], bool]) -> bytes:
    """The roster as an xlsx in the national layout (via the Resource, written with a text ID column)."""
    dataset = RosterResource(reveal_id=reveal_id).export(queryset=queryset)
    return _text_column_sheet([list(dataset.headers), *[list(row) for row in dataset]], title="党员基本信息汇总表")


EXAMPLE_NOTE = "示例行，导入前请删除"  # the import recognises the template's example row by it and skips it

# The template's dropdowns (Excel data validation). 民族: GB/T 3304; 学历: the usual 党员信息 levels.
ETHNICITIES = ("汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族",
               "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族",
               "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族",
               "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族", "其他")
EDUCATIONS = ("研究生（博士）", "研究生（硕士）", "大学本科", "大学专科", "中等专科", "职业高中", "技工学校", "普通高中",
              "初中", "小学及以下")
CHOICES = {  # column key → the values its dropdown offers
    "gender": ("男", "女"),
    "ethnicity": tuple(ETHNICITIES),
    "education": EDUCATIONS,
    "category": ("正式党员", "预备党员"),
    "status": tuple(label for _value, label in Member.Status.choices),
    "lost_contact": ("是", "否"),
    "is_mobile": ("是", "否"),
}
# Free-text columns warn on a value outside the list but accept it (a 学历 written another way);
# the others refuse it, as the import would.
_WARN_ONLY = {"ethnicity", "education"}


def _add_dropdowns(wb, ws) -> None:
    """Dropdowns for the coded columns, their lists on a hidden sheet (a list over 255 characters
    cannot be written inline)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    options = wb.create_sheet("选项")
    options.sheet_state = "hidden"
    keys = [c.key for c in COLUMNS]
    for n, (key, values) in enumerate(CHOICES.items(), start=1):
        letter = get_column_letter(n)
        for r, value in enumerate(values, start=1):
            options.cell(row=r, column=n, value=value)
        dv = DataValidation(type="list", formula1=f"=选项!${letter}$1:${letter}${len(values)}", allow_blank=True,
                            showErrorMessage=True, errorStyle="warning" if key in _WARN_ONLY else "stop",
                            errorTitle=LABELS[key], error=f"请从下拉列表中选择{LABELS[key]}。")
        column = get_column_letter(keys.index(key) + 1)
        dv.add(f"{column}2:{column}1000")
        ws.add_data_validation(dv)


def template_xlsx() -> bytes:
    """The import template: the national header row and one example row (an invalid branch, so a
    forgotten example row is reported instead of imported)."""
    example_id = idnumber.make_valid("11010119900307123")
    example = {
        "seq": 1, "name": "张三", "branch": "（填写党支部全称或组织代码）", "id_number": example_id, "gender": "男",
        "ethnicity": "汉族", "birth_date": "1990-03-07", "education": "大学本科", "category": "正式党员",
        "joined_on": "2015-07-01", "confirmed_on": "2016-07-01", "job": "专业技术人员", "mobile": "13800000000",
        "landline": "", "address": "某省某市某区某路1号", "status": "正常", "lost_contact": "否",
        "lost_contact_since": "", "is_mobile": "否", "mobile_destination": "", "note": EXAMPLE_NOTE,
    }
    return _text_column_sheet([[c.label for c in COLUMNS], [example[c.key] for c in COLUMNS]], title="导入模板",
                              dropdowns=True)
