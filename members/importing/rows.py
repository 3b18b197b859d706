"""Checking rows and matching them to stored members: set-based, one query per IN_CHUNK rows."""

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.core.exceptions import ValidationError

from branches.models import Organization
from branches.permissions import Perm, orgs_where
from core import audit
from core.bulk import chunks
from members import idnumber
from members.importing.cells import (
    _MAX_LENGTH,
    _MISMATCH_COLUMN,
    CATEGORIES,
    DATE_FIELDS,
    GENDERS,
    STATUSES,
    TEXT_FIELDS,
    YES_NO,
    CellError,
    _choice,
    _id_number,
    _text,
    parse_date,
)
from members.importing.files import Outcome, ParsedRoster, Progress, RowError, _blank
from members.models import Member
from members.resources import LABELS
from members.services import member_rule_errors

# --------------------------------------------------------------------------- checking rows


@dataclass
class _Row:
    number: int
    values: dict  # Member field → value, only for the columns the file has
    branch: Organization | None
    id_number: str
    digest: str


class _BranchIndex:
    """The branches the importer may import into, by code and by full name (loaded once)."""

    def __init__(self, *, actor, system: bool):
        scope = Organization.objects.filter(kind=Organization.Kind.BRANCH)
        if not system:
            scope = orgs_where(actor, Perm.MANAGE_MEMBERS).filter(kind=Organization.Kind.BRANCH)
        self.by_code: dict[str, Organization] = {}
        self.by_name: dict[str, list[Organization]] = {}
        for org in scope.only("id", "code", "name", "kind", "path"):
            self.by_code[org.code] = org
            self.by_name.setdefault(org.name, []).append(org)
        self.ids = {org.pk for org in self.by_code.values()}

    def resolve(self, value) -> Organization:
        text = _text(value)
        if not text:
            raise CellError("请填写所在党支部（全称或组织代码）。")
        if text in self.by_code:
            return self.by_code[text]
        found = self.by_name.get(text) or self.by_name.get(re.sub(r"\s+", "", text))
        if found and len(found) == 1:
            return found[0]
        if found:
            codes = "、".join(o.code for o in found)
            raise CellError(f"有多个党支部名为“{text}”（代码 {codes}），请改填组织代码。")
        raise CellError(f"找不到党支部“{text}”，或您无权导入该支部的党员。请填写党支部全称或组织代码。")


def _check_rows(roster: ParsedRoster, branches: _BranchIndex, *, today: date, errors: list[RowError],
                progress: Progress | None) -> tuple[list[_Row], set[int]]:
    """Everything that can be checked from the file alone (and the branch list). No other query."""
    cols = roster.columns
    label = roster.label
    clean: list[_Row] = []
    bad_rows: set[int] = set()
    seen: dict[str, int] = {}  # digest → first row number
    total = len(roster.rows)

    for done, (number, cells) in enumerate(roster.rows, start=1):
        if progress and done % 1000 == 0:
            progress(done, total, "check")
        width = len(cells)

        def cell(key, _cells=cells, _width=width):
            i = cols.get(key)
            return _cells[i] if i is not None and i < _width else None

        row_errors: list[RowError] = []
        bad_keys: set[str] = set()

        def fail(key, message, _number=number, _row_errors=row_errors, _bad_keys=bad_keys):
            _bad_keys.add(key)
            _row_errors.append(RowError(_number, label(key), message))

        values: dict = {}
        for key in TEXT_FIELDS:
            if key in cols:
                text = _text(cell(key))
                if len(text) > _MAX_LENGTH[key]:
                    fail(key, f"内容过长：最多{_MAX_LENGTH[key]}个字，当前{len(text)}个字。")
                values[key] = text
        if not values.get("name"):
            fail("name", "姓名不能为空。")
        if "ethnicity" in values and not values["ethnicity"]:
            del values["ethnicity"]  # blank keeps what is stored (汉族 for a new member)
        for key in DATE_FIELDS:
            if key in cols:
                try:
                    parsed = parse_date(cell(key), today=today)
                except CellError as exc:
                    fail(key, str(exc))
                else:
                    if parsed is not None or key not in ("birth_date",):
                        values[key] = parsed  # a blank 出生日期 is taken from the ID number below
        if "joined_on" in cols and "joined_on" in values and values["joined_on"] is None:
            fail("joined_on", "请填写加入党组织日期。")
        if "gender" in cols and not _blank(cell("gender")):
            try:
                values["gender"] = _choice(cell("gender"), GENDERS, "性别")
            except CellError as exc:
                fail("gender", str(exc))
        try:
            values["category"] = _choice(cell("category"), CATEGORIES, "人员类别")
        except CellError as exc:
            fail("category", str(exc) if not _blank(cell("category")) else "请填写人员类别（正式党员或预备党员）。")
        if "status" in cols and not _blank(cell("status")):
            try:
                values["status"] = _choice(cell("status"), STATUSES, "党籍状态")
            except CellError as exc:
                fail("status", str(exc))
        for key in ("lost_contact", "is_mobile"):
            if key in cols:
                try:
                    values[key] = _choice(cell(key), YES_NO, LABELS[key] + "（是/否）")
                except CellError as exc:
                    fail(key, str(exc))
        branch = None
        try:
            branch = branches.resolve(cell("branch"))
        except CellError as exc:
            fail("branch", str(exc))

        number_text, digest = "", ""
        given_birth = values.get("birth_date") if "birth_date" not in bad_keys else None
        given_gender = values.get("gender") if "gender" not in bad_keys else None
        try:
            number_text = _id_number(cell("id_number"))
            if not number_text:
                raise CellError("请填写公民身份号码。")
            # 性别 and 出生日期 are in the number (GB 11643): filled cells must agree with it.
            number_text = idnumber.validate(number_text, birth_date=given_birth, gender=given_gender)
        except CellError as exc:
            fail("id_number", str(exc))
            number_text = ""
        except ValidationError as exc:
            fail(_MISMATCH_COLUMN.get(exc.code, "id_number"), exc.messages[0])
            number_text = ""
        if number_text:
            digest = idnumber.digest(number_text)
            # Blank 出生日期 / 性别 cells are taken from the number.
            if "birth_date" not in values and "birth_date" not in bad_keys:
                values["birth_date"] = idnumber.birth_date_of(number_text)
            if "gender" not in values and "gender" not in bad_keys:
                values["gender"] = idnumber.gender_of(number_text)
            if digest in seen:
                fail("id_number", f"与第{seen[digest]}行的公民身份号码重复，同一党员只能出现一次。")
            else:
                seen[digest] = number

        if row_errors:
            errors.extend(row_errors)
            bad_rows.add(number)
        else:
            clean.append(_Row(number, values, branch, number_text, digest))
    return clean, bad_rows


def _field_label(roster: ParsedRoster, field_name: str) -> str:
    return roster.label(field_name) if field_name in LABELS else ""


@lru_cache(maxsize=1)
def _member_defaults() -> tuple[tuple, dict]:
    fields = tuple(Member._meta.concrete_fields)
    return fields, {f.attname: f.get_default() for f in fields}


def _new_member(row: _Row) -> Member:
    # Positional construction: Model.__init__ with keyword arguments was a third of the check time.
    fields, defaults = _member_defaults()
    data = {**defaults, **row.values, "branch_id": row.branch.pk, "id_number_digest": row.digest}
    member = Member(*[data[f.attname] for f in fields])
    member.branch = row.branch  # cached, so str()/audit need no query
    return member


@dataclass
class Plan:
    new: list[tuple[_Row, Member]] = field(default_factory=list)
    updated: list[tuple[_Row, Member, dict]] = field(default_factory=list)  # (row, member, before-snapshot)
    moved: list[tuple[_Row, Member]] = field(default_factory=list)
    unchanged: int = 0
    update_fields: set[str] = field(default_factory=set)
    changes: list[dict] = field(default_factory=list)  # what the preview lists, at most PREVIEW_ROWS


PREVIEW_ROWS = 500  # rows listed by the preview (new and changed); the counts are always exact


@lru_cache(maxsize=256)
def _branch_name(branch_id: int) -> str:
    return Organization.objects.filter(pk=branch_id).values_list("name", flat=True).first() or ""


def _shown(member: Member, name: str) -> str:
    """A field's value as the roster file writes it (男, 正式党员, 是, 2016-07-01)."""
    if name == "branch":
        return _branch_name(member.branch_id) if member.branch_id else ""
    value = getattr(member, name)
    if hasattr(member, f"get_{name}_display"):
        return str(getattr(member, f"get_{name}_display")())
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value)


def _plan(roster: ParsedRoster, rows: list[_Row], branches: _BranchIndex, *, system: bool, lock: bool,
          errors: list[RowError], bad_rows: set[int], with_snapshots: bool) -> Plan:
    """Match rows to stored members (one query per 5,000 digests) and decide new/updated/unchanged."""
    existing: dict[str, Member] = {}
    digests = [r.digest for r in rows]
    for part in chunks(digests):
        qs = Member.objects.filter(id_number_digest__in=part)
        if lock:
            qs = qs.select_for_update()
        existing.update((m.id_number_digest, m) for m in qs)

    plan = Plan()
    for row in rows:
        member = existing.get(row.digest)
        if member is None:
            member = _new_member(row)
            is_new = True
            before = None
        else:
            if not system and member.branch_id not in branches.ids:
                errors.append(RowError(row.number, roster.label("id_number"),
                                       "该公民身份号码已登记在您无权管理的党支部，不能通过导入修改；"
                                       "如需转入，请办理组织关系转接。"))  # no name: do not reveal other branches' rosters
                bad_rows.add(row.number)
                continue
            is_new = False
            changed = {k for k, v in row.values.items() if getattr(member, k) != v}
            if row.branch.pk != member.branch_id:
                changed.add("branch")
            if not changed:
                plan.unchanged += 1
                continue
            before = audit.snapshot(member) if with_snapshots else None
            old_values = {k: _shown(member, k) for k in changed} if len(plan.changes) < PREVIEW_ROWS else None
            for k in changed - {"branch"}:
                setattr(member, k, row.values[k])
            if "branch" in changed:
                member.branch = row.branch
                member.party_group = None  # a 党小组 belongs to the old branch
                plan.update_fields.update(("branch", "party_group"))
            plan.update_fields.update(changed - {"branch"})
        rule_errors = member_rule_errors(member)
        if rule_errors:
            for field_name, message in rule_errors.items():
                errors.append(RowError(row.number, _field_label(roster, field_name), message))
            bad_rows.add(row.number)
            continue
        if is_new:
            plan.new.append((row, member))
            if len(plan.changes) < PREVIEW_ROWS:
                plan.changes.append({"row": row.number, "name": member.name, "kind": "new",
                                     "branch": row.branch.name if row.branch else ""})
        else:
            plan.updated.append((row, member, before))
            if old_values is not None:
                plan.changes.append({"row": row.number, "name": member.name, "kind": "changed", "fields": [
                    [roster.label(k) or str(Member._meta.get_field(k).verbose_name), old_values[k], _shown(member, k)]
                    for k in sorted(changed)]})
            if "branch" in changed:
                plan.moved.append((row, member))
    return plan


def scan_roster(roster: ParsedRoster, *, actor, system: bool, today: date, lock: bool, with_snapshots: bool,
          progress: Progress | None) -> tuple[Outcome, Plan]:
    errors: list[RowError] = []
    _branch_name.cache_clear()  # names as they are now
    branches = _BranchIndex(actor=actor, system=system)
    rows, bad_rows = _check_rows(roster, branches, today=today, errors=errors, progress=progress)
    plan = _plan(roster, rows, branches, system=system, lock=lock, errors=errors, bad_rows=bad_rows,
                 with_snapshots=with_snapshots)
    errors.sort(key=lambda e: e.row)
    outcome = Outcome(total=len(roster.rows), new=len(plan.new), updated=len(plan.updated), unchanged=plan.unchanged,
                      moved=len(plan.moved), invalid=len(bad_rows), errors=errors, notices=list(roster.notices),
                      changes=plan.changes)
    return outcome, plan


