"""The version key of a branch-year's record book: a digest of every row the book is made from.

One query of md5 over the rows' full text (`row::text`), so any change counts — through a service,
the admin, a bulk import or raw SQL — and no updated_at or signal has to be trusted. Each source is
filtered by the branch (the distribution key of docs/scaling.md), so the query stays one index range
per table whatever the size of the city.

Sources on a higher floor (reviews/: 组织生活会, 民主评议, 谈心谈话, 警示教育) register theirs with
`register_version_source`, as they register their sections.
"""

import hashlib
from collections.abc import Callable
from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from branches.models import Organization
from meetings.periods import local_midnight

# (sql, params) of one SELECT returning a single text column, given the branch id and the year's
# [start, end) instants and dates. The SQL must filter by branch (tests/meetings/test_book_cache.py).
VersionSource = Callable[[int, datetime, datetime, date, date], tuple[str, list]]


def rows_digest(table: str, where: str, order: str = "t.id") -> str:
    return f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY {order}), '')) FROM {table} t WHERE {where}"


def _meetings(branch_id, start, end, first, last):
    window = "m.branch_id = %s AND m.held_at >= %s AND m.held_at < %s"
    return (
        f"SELECT md5(concat_ws('/', ({rows_digest('meetings_meeting', window.replace('m.', 't.'))}),"
        f" ({rows_digest('meetings_attendance', f't.meeting_id IN (SELECT m.id FROM meetings_meeting m WHERE {window})')}),"
        f" ({rows_digest('meetings_meetingkind', f't.meeting_id IN (SELECT m.id FROM meetings_meeting m WHERE {window})')})))",
        [branch_id, start, end] * 3,
    )


def _roster(branch_id, start, end, first, last):
    # The roster at any day of the year: members whose membership in this branch touches the year, and
    # the members currently filed here (their names, posts and categories print in the book).
    members = ("t.branch_id = %s OR t.id IN (SELECT s.member_id FROM members_membership s WHERE s.branch_id = %s)")
    return (
        f"SELECT md5(concat_ws('/', ({rows_digest('members_member', members)}),"
        f" ({rows_digest('members_membership', 't.branch_id = %s')}),"
        f" ({rows_digest('branches_partygroup', 't.branch_id = %s')})))",
        [branch_id, branch_id, branch_id, branch_id],
    )


def _branch(branch_id, start, end, first, last):
    # The branch's own row and its parent's (name, code and 上级党组织 print on the cover).
    return (rows_digest("branches_organization",
                  "t.id = %s OR t.id = (SELECT o.parent_id FROM branches_organization o WHERE o.id = %s)"),
            [branch_id, branch_id])


def _policy_and_campaigns(branch_id, start, end, first, last):
    # The quota rules and policy values (global or any organization's: few rows), the branch's
    # exemptions and completed campaigns of the year, and the year's lock.
    return (
        f"SELECT md5(concat_ws('/', ({rows_digest('meetings_quotarule', 'TRUE')}), ({rows_digest('branches_policyvalue', 'TRUE')}),"
        f" ({rows_digest('meetings_exemption', 't.branch_id = %s')}),"
        f" ({rows_digest('meetings_campaigncompletion', 't.branch_id = %s AND t.counts_on BETWEEN %s AND %s')}),"
        f" ({rows_digest('meetings_lockedyear', 't.branch_id = %s')})))",
        [branch_id, branch_id, first, last, branch_id],
    )


_sources: dict[str, VersionSource] = {
    "meetings": _meetings, "roster": _roster, "branch": _branch, "policy": _policy_and_campaigns,
}


def register_version_source(key: str, source: VersionSource) -> None:
    """Add the rows of a floor above (its AppConfig.ready()) to every book's version key."""
    _sources[key] = source


def version_sources() -> dict[str, VersionSource]:
    return dict(_sources)


def _year_is_final(branch_id: int, year: int) -> bool:
    """Whether the dashboards' rollup found the year settled (every period's grace over): from then on
    the book changes only with its records. Until then the compliance summary moves with the day."""
    from meetings.models import ComplianceSummary

    return ComplianceSummary.objects.filter(org_id=branch_id, year=year, final=True).exists()


def book_version(*, branch: Organization, year: int, now: datetime) -> str:
    """The key under which the branch-year's book is stored: equal keys, equal records."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    start, end = local_midnight(first), local_midnight(date(year + 1, 1, 1))
    parts, params = [], []
    for key in sorted(_sources):
        sql, p = _sources[key](branch.pk, start, end, first, last)
        parts.append(f"({sql})")
        params += p
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT concat_ws(',', {', '.join(parts)})", params)
        digest = cursor.fetchone()[0]
    today = timezone.localdate(now)
    # The book prints its state "as of" a day: within the year (and until the year is settled) that day
    # is part of the key, so the current year's book is rendered at most once a day per branch.
    as_of = "" if today > last and _year_is_final(branch.pk, year) else min(today, last).isoformat()
    return hashlib.sha256(f"{year}|{as_of}|{digest}".encode()).hexdigest()
