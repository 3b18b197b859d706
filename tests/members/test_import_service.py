"""members.importing: reading real files, checking every row, writing all or nothing."""

from datetime import date, datetime, timedelta

import pytest

from core.models import AuditEntry
from members import services
from members.importing import RosterImportError, commit_roster, parse_roster, preview_roster
from members.models import Member, Membership
from tests.factories import make_member, valid_id_number
from tests.members.conftest import NATIONAL, csv_bytes, db_state, roster_row, rows_of, xls_bytes, xlsx_bytes

TODAY = date(2026, 5, 20)


def _preview(content, filename, actor, **kw):
    return preview_roster(actor=actor, roster=parse_roster(content, filename), today=TODAY, **kw)


def _commit(content, filename, actor, **kw):
    return commit_roster(actor=actor, roster=parse_roster(content, filename), today=TODAY, **kw)


def _rejected(content, filename, actor, **kw) -> RosterImportError:
    """Commit must refuse the file and leave the database exactly as it was."""
    before = db_state()
    with pytest.raises(RosterImportError) as exc:
        _commit(content, filename, actor, **kw)
    assert db_state() == before
    return exc.value


def _only_error(err: RosterImportError):
    assert len(err.errors) == 1, err.errors
    return err.errors[0]


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize("make,filename", [
    (xlsx_bytes, "名册.xlsx"),
    (xls_bytes, "名册.xls"),
    (lambda rows: csv_bytes(rows, encoding="utf-8"), "名册.csv"),
    (lambda rows: csv_bytes(rows, encoding="utf-8-sig"), "名册.csv"),
    (lambda rows: csv_bytes(rows, encoding="gb18030"), "名册.csv"),
], ids=["xlsx", "xls", "csv-utf8", "csv-utf8-bom", "csv-gb18030"])
def test_each_format_imports_members_with_membership_and_audit(tree, admin_user, make, filename):
    rows = rows_of(3)
    result = _commit(make(rows), filename, admin_user)
    assert (result.new, result.updated, result.unchanged, result.invalid) == (3, 0, 0, 0)
    member = Member.objects.get(name="党员2")
    assert member.id_number == rows[1]["公民身份证号"]
    assert (member.branch, member.birth_date, member.gender, member.joined_on) == (
        tree["a"], date(1990, 3, 7), "male", date(2015, 7, 1))
    assert member.memberships.get().reason == Membership.Reason.IMPORT
    entries = AuditEntry.objects.filter(source="import", action="create", target_type="members.member")
    assert entries.count() == 3 and entries.first().actor == admin_user


def test_excel_date_cells_in_xlsx_and_xls_are_read_as_dates(tree, admin_user):
    rows = rows_of(1)
    cells = {(0, "加入党组织日期"): datetime(2015, 7, 1), (0, "出生日期"): date(1990, 3, 7)}
    for content, name in ((xlsx_bytes(rows, raw_cells=cells), "a.xlsx"), (xls_bytes(rows, raw_cells=cells), "a.xls")):
        preview = _preview(content, name, admin_user)
        assert preview.ok, preview.errors


@pytest.mark.parametrize("typed,expected", [
    ("2021-07-01", date(2021, 7, 1)), ("2021/7/1", date(2021, 7, 1)), ("2021年7月1日", date(2021, 7, 1)),
    ("2021.07", date(2021, 7, 1)), ("2021.7.1", date(2021, 7, 1)), ("20210701", date(2021, 7, 1)),
    ("2021-07-01 00:00:00", date(2021, 7, 1)), ("2021年7月", date(2021, 7, 1)),
])
def test_dates_in_the_forms_people_type(tree, admin_user, typed, expected):
    _commit(csv_bytes([roster_row(**{"加入党组织日期": typed, "转为正式党员日期": "2022-07-01"})]), "a.csv", admin_user)
    assert Member.objects.get().joined_on == expected


def test_number_2021_07_typed_into_excel_means_july(tree, admin_user):
    rows = [roster_row(**{"转为正式党员日期": "2022-01-01"})]
    _commit(xlsx_bytes(rows, raw_cells={(0, "加入党组织日期"): 2021.07}), "a.xlsx", admin_user)
    assert Member.objects.get().joined_on == date(2021, 7, 1)


def test_title_row_above_the_header_is_skipped_with_a_notice(tree, admin_user):
    content = xlsx_bytes(rows_of(2), title="党员基本信息汇总表（兴隆社区党支部）")
    preview = _preview(content, "a.xlsx", admin_user)
    assert preview.ok and preview.new == 2
    assert any("表头上方的1行" in n for n in preview.notices)


def test_extra_columns_are_ignored_with_a_notice(tree, admin_user):
    rows = [dict(r, 籍贯="湖北武汉", 党费基数="5000") for r in rows_of(2)]
    preview = _preview(xlsx_bytes(rows), "a.xlsx", admin_user)
    assert preview.ok and preview.new == 2
    assert any("已忽略" in n and "籍贯" in n and "党费基数" in n for n in preview.notices)


def test_common_header_variants_are_understood(tree, admin_user):
    headers = ["序号", "姓名", "党支部", "公民身份号码", "性别", "出生日期", "人员类别", "入党日期", "转正日期", "联系电话"]
    variant = {"党支部": "A", "公民身份号码": None, "入党日期": "2015-07-01", "转正日期": "2016-07-01", "联系电话": "13900000000"}
    row = roster_row()
    variant["公民身份号码"] = row["公民身份证号"]
    content = csv_bytes([{**row, **variant}], headers=headers)
    _commit(content, "other-platform.csv", admin_user)
    member = Member.objects.get()
    assert (member.branch.code, member.mobile, member.confirmed_on) == ("A", "13900000000", date(2016, 7, 1))


def test_blank_gender_and_birth_date_are_taken_from_the_id_number(tree, admin_user):
    number = valid_id_number(birth_date=date(1988, 2, 29), gender="female")
    _commit(csv_bytes([roster_row(**{"公民身份证号": number, "性别": "", "出生日期": ""})]), "a.csv", admin_user)
    member = Member.objects.get()
    assert (member.gender, member.birth_date) == ("female", date(1988, 2, 29))


# ---------------------------------------------------------------- file-level problems


def test_a_file_without_the_header_row_is_refused(tree, admin_user):
    with pytest.raises(RosterImportError, match="找不到表头行"):
        parse_roster(csv_bytes([{"a": 1, "b": 2}]), "x.csv")


def test_a_file_missing_a_required_column_names_it(tree, admin_user):
    headers = [h for h in NATIONAL if h != "人员类别"]
    with pytest.raises(RosterImportError, match="缺少必需的列：人员类别"):
        parse_roster(csv_bytes(rows_of(1), headers=headers), "x.csv")


def test_a_damaged_excel_file_is_refused_with_a_message(tree):
    with pytest.raises(RosterImportError, match="不是有效的 Excel 文件"):
        parse_roster(b"this is not a spreadsheet", "x.xlsx")


def test_an_unsupported_file_type_is_refused(tree):
    with pytest.raises(RosterImportError, match="不支持的文件类型"):
        parse_roster(b"%PDF-1.4", "x.pdf")


# ---------------------------------------------------------------- row errors: nothing written


def _rows_with_a_numeric_id():
    rows = rows_of(1)
    while not rows[0]["公民身份证号"].isdigit():  # a number ending in X cannot be a numeric cell at all
        rows = rows_of(1)
    return rows


def test_numeric_id_cell_is_rejected_because_excel_destroyed_its_digits(tree, admin_user):
    err = _only_error(_rejected(xlsx_bytes(_rows_with_a_numeric_id(), id_as_number=True), "a.xlsx", admin_user))
    assert (err.row, err.column) == (2, "公民身份证号")
    assert "数字格式" in err.message and "15位" in err.message and "文本" in err.message


def test_numeric_id_cell_in_xls_is_rejected_too(tree, admin_user):
    rows = _rows_with_a_numeric_id()
    content = xls_bytes(rows, raw_cells={(0, "公民身份证号"): float(rows[0]["公民身份证号"])})
    assert "数字格式" in _only_error(_rejected(content, "a.xls", admin_user)).message


def test_id_in_scientific_notation_from_a_csv_saved_by_excel_is_rejected(tree, admin_user):
    err = _only_error(_rejected(csv_bytes([roster_row(**{"公民身份证号": "1.10101E+17"})]), "a.csv", admin_user))
    assert "科学计数法" in err.message


def test_bad_check_digit_is_rejected(tree, admin_user):
    number = valid_id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    err = _only_error(_rejected(csv_bytes([roster_row(**{"公民身份证号": wrong})]), "a.csv", admin_user))
    assert (err.column, err.message) == ("公民身份证号", "公民身份号码校验位不正确，请核对后重新输入。")


def test_wrong_length_id_is_rejected(tree, admin_user):
    err = _only_error(_rejected(csv_bytes([roster_row(**{"公民身份证号": "11010119900307"})]), "a.csv", admin_user))
    assert "应为18位" in err.message


def test_birth_date_that_disagrees_with_the_id_is_rejected(tree, admin_user):
    err = _only_error(_rejected(csv_bytes([roster_row(**{"出生日期": "1990-03-08"})]), "a.csv", admin_user))
    assert err.column == "出生日期" and "不一致" in err.message


def test_gender_that_disagrees_with_the_id_is_rejected(tree, admin_user):
    err = _only_error(_rejected(csv_bytes([roster_row(**{"性别": "女"})]), "a.csv", admin_user))
    assert err.column == "性别" and "性别" in err.message and "不一致" in err.message


@pytest.mark.parametrize("column,value,needle", [
    ("加入党组织日期", "2021-13-01", "不是有效日期"),
    ("加入党组织日期", "去年七月", "不是可识别的日期"),
    ("转为正式党员日期", "2021-02-30", "不是有效日期"),
    ("加入党组织日期", "2099-07-01", "晚于今天"),
    ("加入党组织日期", "", "请填写加入党组织日期"),
])
def test_bad_dates_are_rejected(tree, admin_user, column, value, needle):
    err = _only_error(_rejected(csv_bytes([roster_row(**{column: value})]), "a.csv", admin_user))
    assert err.column == column and needle in err.message


@pytest.mark.parametrize("column,value,needle", [
    ("人员类别", "党员", "正式党员、预备党员"),
    ("性别", "M", "男、女"),
    ("是否为失联党员", "不详", "是、否"),
    ("是否为流动党员", "Y", "是、否"),
    ("党籍状态", "良好", "正常"),
])
def test_bad_enumerations_are_rejected(tree, admin_user, column, value, needle):
    err = _only_error(_rejected(csv_bytes([roster_row(**{column: value})]), "a.csv", admin_user))
    assert err.column == column and needle in err.message


def test_unknown_branch_is_rejected(tree, admin_user):
    err = _only_error(_rejected(csv_bytes([roster_row(**{"所在党支部": "不存在的党支部"})]), "a.csv", admin_user))
    assert err.column == "所在党支部" and "找不到党支部“不存在的党支部”" in err.message


def test_a_secretary_cannot_import_into_another_branch(tree, secretary_b):
    err = _only_error(_rejected(csv_bytes([roster_row()]), "a.csv", secretary_b))
    assert "找不到党支部" in err.message and "无权导入" in err.message


def test_a_secretary_imports_into_their_own_branch_by_name_or_code(tree, secretary_a):
    result = _commit(csv_bytes([roster_row(), roster_row(所在党支部="A")]), "a.csv", secretary_a)
    assert result.new == 2


def test_a_secretary_cannot_take_over_a_member_of_another_branch_by_id_number(tree, secretary_a):
    number = valid_id_number()
    make_member(tree["b"], name="幸福村党员", id_number=number, birth_date=date(1985, 6, 15))
    row = roster_row(**{"公民身份证号": number, "出生日期": "1985-06-15"})
    err = _only_error(_rejected(csv_bytes([row]), "a.csv", secretary_a))
    assert err.column == "公民身份证号" and "组织关系转接" in err.message


def test_confirmation_before_joining_is_rejected(tree, admin_user):
    row = roster_row(**{"加入党组织日期": "2015-07-01", "转为正式党员日期": "2015-06-30"})
    err = _only_error(_rejected(csv_bytes([row]), "a.csv", admin_user))
    assert (err.column, err.message) == ("转为正式党员日期", "转为正式党员日期必须晚于加入党组织日期。")


def test_probationary_member_with_a_confirmation_date_is_rejected(tree, admin_user):
    err = _only_error(_rejected(csv_bytes([roster_row(人员类别="预备党员")]), "a.csv", admin_user))
    assert "预备党员不应填写转为正式党员日期" in err.message


def test_lost_contact_without_a_date_is_rejected(tree, admin_user):
    err = _only_error(_rejected(csv_bytes([roster_row(是否为失联党员="是")]), "a.csv", admin_user))
    assert err.column == "失去联系日期" and "失去联系日期" in err.message


def test_duplicate_id_inside_the_file_is_rejected_naming_the_first_row(tree, admin_user):
    first = roster_row(姓名="甲")
    second = roster_row(姓名="乙", **{"公民身份证号": first["公民身份证号"]})
    err = _only_error(_rejected(csv_bytes([first, roster_row(), second]), "a.csv", admin_user))
    assert (err.row, err.column) == (4, "公民身份证号") and "第2行" in err.message


def test_every_error_is_reported_and_one_bad_row_stops_the_whole_file(tree, admin_user):
    rows = rows_of(5)
    rows[1]["性别"] = "未知"
    rows[3]["人员类别"] = ""
    rows[3]["加入党组织日期"] = "昨天"
    err = _rejected(csv_bytes(rows), "a.csv", admin_user)
    assert [(e.row, e.column) for e in err.errors] == [(3, "性别"), (5, "加入党组织日期"), (5, "人员类别")]
    assert err.outcome.invalid == 2 and err.outcome.new == 3
    assert Member.objects.count() == 0


def test_preview_counts_without_writing(tree, admin_user):
    existing = make_member(tree["a"], name="老党员", birth_date=date(1980, 1, 1))
    rows = rows_of(2) + [roster_row(姓名="坏行", 性别="?")]
    rows.append(roster_row(**{"姓名": "老党员改名", "公民身份证号": existing.id_number, "出生日期": "1980-01-01"}))
    before = db_state()
    preview = _preview(csv_bytes(rows), "a.csv", admin_user)
    assert preview.counts() == {"total": 4, "new": 2, "updated": 1, "unchanged": 0, "moved": 0, "invalid": 1}
    assert db_state() == before


# ---------------------------------------------------------------- updates


def test_reimporting_the_same_file_changes_nothing(tree, admin_user):
    content = xlsx_bytes(rows_of(5))
    _commit(content, "a.xlsx", admin_user)
    before = db_state()
    again = _commit(content, "a.xlsx", admin_user)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 5)
    assert db_state() == before


def test_a_changed_row_updates_the_member_and_records_what_changed(tree, admin_user):
    rows = rows_of(2)
    _commit(csv_bytes(rows), "a.csv", admin_user)
    rows[0]["手机号"] = "13911112222"
    result = _commit(csv_bytes(rows), "a.csv", admin_user)
    assert (result.new, result.updated, result.unchanged, result.moved) == (0, 1, 1, 0)
    member = Member.objects.get(name="党员1")
    assert member.mobile == "13911112222"
    entry = AuditEntry.objects.get(action="update", target_id=str(member.pk))
    assert entry.source == "import" and entry.changes == {"mobile": ["13800138000", "13911112222"]}


def test_a_changed_branch_moves_membership_history(tree, admin_user):
    member = make_member(tree["a"], name="转走的人", birth_date=date(1985, 6, 15), joined_on=date(2010, 7, 1))
    row = roster_row(**{"姓名": "转走的人", "公民身份证号": member.id_number, "出生日期": "1985-06-15",
                        "所在党支部": "幸福村党支部", "加入党组织日期": "2010-07-01", "转为正式党员日期": "2011-07-01"})
    result = _commit(csv_bytes([row]), "a.csv", admin_user)
    assert (result.updated, result.moved) == (1, 1)
    member.refresh_from_db()
    assert member.branch == tree["b"]
    history = list(member.memberships.order_by("started_on").values_list("branch__code", "started_on", "ended_on", "reason"))
    assert history == [("A", date(2010, 7, 1), TODAY, "joined"), ("B", TODAY, None, "import")]
    assert AuditEntry.objects.get(action="update", target_id=str(member.pk)).changes["branch"] == [tree["a"].pk, tree["b"].pk]


def test_the_import_moves_memberships_by_the_transfer_rule(tree, admin_user):
    """A membership that began after the import date cannot be ended by it: the same refusal as the
    transfer form's, and nothing is written."""
    member = make_member(tree["a"], name="未来转入", birth_date=date(1985, 6, 15), joined_on=date(2010, 7, 1))
    services.transfer_member(actor=None, member=member, to_branch=tree["a2"], on=TODAY + timedelta(days=3))
    row = roster_row(**{"姓名": "未来转入", "公民身份证号": member.id_number, "出生日期": "1985-06-15",
                        "所在党支部": "幸福村党支部", "加入党组织日期": "2010-07-01", "转为正式党员日期": "2011-07-01"})
    with pytest.raises(RosterImportError) as exc:
        commit_roster(actor=admin_user, roster=parse_roster(csv_bytes([row]), "a.csv"), today=TODAY)
    assert "不能早于当前组织关系的起始日期" in exc.value.errors[0].message and exc.value.errors[0].row == 2
    member.refresh_from_db()
    assert member.branch == tree["a2"] and member.memberships.count() == 2


def test_the_command_line_import_has_no_user_scope(tree):
    result = _commit(csv_bytes([roster_row(), roster_row(所在党支部="B")]), "a.csv", None, system=True)
    assert result.new == 2


def test_without_system_flag_an_anonymous_import_reaches_no_branch(tree):
    err = _only_error(_rejected(csv_bytes([roster_row()]), "a.csv", None))
    assert "找不到党支部" in err.message


# ---------------------------------------------------------------- set-based


@pytest.mark.parametrize("n", [50, 500])
def test_commit_runs_a_constant_number_of_queries(tree, admin_user, django_assert_max_num_queries, n):
    existing = [make_member(tree["a"], name=f"已有{i}", birth_date=date(1980, 1, 1)) for i in range(3)]
    rows = rows_of(n)
    for i, member in enumerate(existing):
        rows[i].update({"公民身份证号": member.id_number, "出生日期": "1980-01-01", "所在党支部": "幸福村党支部"})
    roster = parse_roster(csv_bytes(rows), "a.csv")
    admin_user._orglife_roles = None
    with django_assert_max_num_queries(18):  # 16, and the stale mark of the branches' rollup rows (meetings.rollup)
        result = commit_roster(actor=admin_user, roster=roster, today=TODAY)
    assert (result.new, result.moved) == (n - 3, 3)
