"""The branch is the distribution key of docs/scaling.md (Citus at national scale): the engine, the
rollup, the scans and the record book must reach every large table through the branch, so each of their
queries runs on the shard(s) of its branches, or as one query per shard grouped by branch.

The check runs each of them on a small tree, captures its SQL and, for every query that reads a large
table, requires the branch key in it: a `branch_id` filter or grouping, or a join to a table that has one
(attendance through its meeting or its member). A new query that forgets the branch fails here."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings.compliance import compliance_for_branches
from meetings.recordbook.source import load_source
from meetings.recordbook.version import book_version
from meetings.rollup import refresh_branches
from meetings.services import record_meeting
from tests.factories import make_member

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 7, 2, 9, tzinfo=TZ)
# The tables that grow with members × years (docs/scaling.md: rows per member per year) and the column
# that holds their branch (an alert's organization is the branch it is about, or an upper level).
KEY = {"meetings_meeting": "branch_id", "members_member": "branch_id", "members_membership": "branch_id",
       "meetings_compliancerollup": "branch_id", "meetings_campaigncompletion": "branch_id",
       "inspections_alert": "org_id", "reviews_talk": "branch_id", "reviews_lifemeeting": "branch_id",
       "reviews_memberreview": "branch_id", "reviews_rectificationitem": "branch_id"}
# Tables without a branch column of their own, reached through a parent that has one (docs/scaling.md:
# at national scale they get a branch_id copied from the parent, so the join stays on one shard).
THROUGH = {"meetings_attendance": ("meeting_id", "member_id"), "meetings_meetingkind": ("meeting_id",),
           "meetings_leaverequest": ("meeting_id", "member_id"), "reviews_participant": ("review_id",)}
# Statements on one table as a whole (a year's rollup rewritten, statistics): every shard runs its part.
WHOLE_TABLE = re.compile(r"^\s*(ANALYZE|DELETE FROM|INSERT INTO|UPDATE)\b", re.I)


def _tables(sql: str) -> set[str]:
    return {t for t in (*KEY, *THROUGH) if re.search(rf'"{t}"|\b{t}\b', sql)}


def violations(queries) -> list[str]:
    """The queries that read a large table without naming a branch key: the table's own (or, for a table
    reached through a parent, the parent's id). Coarse on purpose: it reads the SQL text, so a query
    must carry the key somewhere (filter, join or grouping); docs/scaling.md lists which of these are
    single-shard (filtered to given branches) and which run on every shard (whole-city scans)."""
    bad = []
    for q in queries:
        sql = q["sql"]
        tables = _tables(sql)
        if not tables or (len(tables) == 1 and WHOLE_TABLE.match(sql)):
            continue
        keys = {KEY[t] for t in tables if t in KEY} | {k for t in tables if t in THROUGH for k in THROUGH[t]}
        if not any(re.search(rf'\b"?{key}"?\b', sql) for key in keys):
            bad.append(f"{sorted(tables)} without {sorted(keys)}: {sql[:400]}")
    return bad


@pytest.fixture
def records(tree, secretary_a):
    for code in ("a", "a2", "b"):
        make_member(tree[code], name=f"{code}党员")
        record_meeting(actor=None, branch=tree[code], kinds=["theme_day"], topic="主题党日",
                       held_at=datetime(2026, 3, 8, 9, tzinfo=TZ), now=datetime(2026, 3, 8, 12, tzinfo=TZ))
    return tree


def _capture(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return ctx.captured_queries


def test_the_engine_reads_by_branch(records):
    queries = _capture(lambda: compliance_for_branches([records["a"], records["b"]], year=2026, now=NOW))
    assert queries and violations(queries) == [], "\n".join(violations(queries))


def test_the_rollup_reads_by_branch(records):
    queries = _capture(lambda: refresh_branches([records["a"].pk], now=NOW))
    assert queries and violations(queries) == [], "\n".join(violations(queries))


def test_the_record_book_reads_by_branch(records):
    queries = _capture(lambda: (load_source(branch=records["a"], year=2026, now=NOW),
                                book_version(branch=records["a"], year=2026, now=NOW)))
    assert queries and violations(queries) == [], "\n".join(violations(queries))


@pytest.mark.parametrize("scan", ["scan_meetings", "scan_member_clock", "scan_theme_day_rule", "scan_rectifications",
                                  "scan_talk_coverage"])
def test_the_scans_read_by_branch(records, scan):
    from inspections import scanners

    queries = _capture(lambda: getattr(scanners, scan)(now=NOW))
    assert queries and violations(queries) == [], "\n".join(violations(queries))


def test_the_check_catches_a_query_without_the_key():
    assert violations([{"sql": 'SELECT * FROM "meetings_meeting" WHERE "meetings_meeting"."held_at" > now()'}])
    assert violations([{"sql": 'SELECT * FROM "meetings_attendance" WHERE "meetings_attendance"."status" = \'absent\''}])
    assert not violations([{"sql": 'SELECT * FROM "meetings_meeting" WHERE "meetings_meeting"."branch_id" IN (1)'}])
    assert not violations([{"sql": 'DELETE FROM "meetings_compliancerollup" WHERE "year" = 2026'}])
