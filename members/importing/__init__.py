"""Roster import (名册导入): the one domain action behind the import page, the admin, the
`import_roster` command and the Celery task.

    roster = parse_roster(file, filename)            # read xlsx/xls/csv, find the header row
    preview = preview_roster(actor=..., roster=...)  # counts and every row error; writes nothing
    result = commit_roster(actor=..., roster=...)    # checks again, then writes all rows or none

Set-based on purpose (design.md: a 10,000-row file commits in ≤ 2 s): branches are looked up
once, existing members are found by their keyed ID digest in one query, rows are written with
bulk_create/bulk_update in batches and the audit entries with audit.record_many (bulk writes
send no signals, so the trail is written here explicitly). Members are matched by 公民身份号码.

A cell left blank means "empty" for text and dates (the file is the roster as it stands); 民族
and 党籍状态 left blank keep what is stored (汉族 / 正常 for a new member); 性别 and 出生日期 left
blank are taken from the ID number. A column missing from the file changes nothing.

Modules: `files` (reading files, result types), `cells` (dates, enumerations, the ID number),
`rows` (checking rows, matching stored members), `service` (preview, commit, the upload flow).
"""

from members.importing.cells import parse_date
from members.importing.files import (
    ERROR_LIMIT,
    Outcome,
    ParsedRoster,
    RosterImportError,
    RowError,
    UnreadableFile,
    parse_roster,
)
from members.importing.rows import Plan, scan_roster
from members.importing.service import (
    cancel_import,
    check_import,
    commit_import,
    commit_roster,
    confirm_import,
    preview_roster,
    start_import,
)

__all__ = ["ERROR_LIMIT", "Outcome", "ParsedRoster", "Plan", "RosterImportError", "RowError", "cancel_import", "check_import",
           "commit_import", "commit_roster", "confirm_import", "parse_date", "parse_roster", "preview_roster",
           "scan_roster", "start_import", "UnreadableFile"]
