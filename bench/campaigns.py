"""The annual campaigns at city scale (reviews/), each next to a reference measured in the same run.

    uv run python bench/campaigns.py

Works in a copy of the city database (`orglife_bench_campaigns`, or BENCH_CAMPAIGNS_DB; CREATE DATABASE …
TEMPLATE, re-created on every run), because it writes campaigns: every branch gets a completed
组织生活会 (a completion row and a life meeting with three 整改 items, one overdue), a completed 民主评议
(a completion row) and 谈心谈话 covering its 支委 pairs and members. It measures the engine with the
completion query against the engine's own bare SQL, the nightly 谈心谈话 coverage sync and the
rectification scan against their bare SQL, the dashboards' campaign_progress, and casting ballots.
"""

import os
import random
import subprocess
import time
from datetime import date, timedelta

from common import CITY_DB, copy_database, machine, timed, use_database, write_section

DB = os.environ.get("BENCH_CAMPAIGNS_DB", "orglife_bench_campaigns")
BASE = os.environ.get("BENCH_PG", "postgres://postgres:postgres@127.0.0.1:5432")


copy_seconds = copy_database(CITY_DB, DB, attempts=120)
use_database(DB)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

call_command("migrate", verbosity=0)  # the campaigns' tables and policy rows on the copy

from branches.models import Organization  # noqa: E402
from core.bulk import bulk_insert  # noqa: E402
from inspections import scanners  # noqa: E402
from meetings.compliance import completion_counts, compliance_for_branches, held_queries  # noqa: E402
from meetings.models import CampaignCompletion, Kind  # noqa: E402
from meetings.policy import RuleBook  # noqa: E402
from members.models import Member  # noqa: E402
from reviews import services  # noqa: E402
from reviews.models import LifeMeeting, MemberReview, RectificationItem, Stage, Talk  # noqa: E402
from reviews.selectors import campaign_progress, talk_coverage_for  # noqa: E402

now = timezone.now()
today = timezone.localdate(now)
year = today.year
branches = list(Organization.objects.filter(kind="branch").order_by("pk"))
ids = [b.pk for b in branches]

# --- seed the campaigns ----------------------------------------------------------------------------
seed_started = time.perf_counter()
rosters: dict[int, list[tuple[int, str]]] = {}
for branch_id, member_id, post in (Member.objects.filter(branch_id__in=ids, status="normal")
                                   .values_list("branch_id", "id", "party_post").order_by("branch_id", "id")):
    rosters.setdefault(branch_id, []).append((member_id, post))
done_at = now - timedelta(days=1)
completions = [CampaignCompletion(branch_id=b, kind=kind, counts_on=today - timedelta(days=2), completed_at=done_at,
                                  source=f"bench.{kind}:{b}") for b in ids for kind in (Kind.LIFE_MEETING, Kind.MEMBER_REVIEW)]
bulk_insert(CampaignCompletion, completions, batch_size=5000)
lives = [LifeMeeting(branch_id=b, period="year", period_start=date(year, 1, 1), period_end=date(year, 12, 31),
                     topic="年度组织生活会", status=LifeMeeting.Status.COMPLETED, created_at=now) for b in ids]
LifeMeeting.objects.bulk_create(lives, batch_size=2000)
items = []
for lm in LifeMeeting.objects.filter(branch_id__in=ids).only("pk", "branch_id"):
    for n, deadline in enumerate((today - timedelta(days=40), today + timedelta(days=30), today + timedelta(days=90)), 1):
        items.append(RectificationItem(life_meeting_id=lm.pk, branch_id=lm.branch_id, position=n, problem=f"问题{n}",
                                       measure="措施", deadline=deadline, created_at=now))
RectificationItem.objects.bulk_create(items, batch_size=5000)
talks = []
committee_posts = set(Member.COMMITTEE_POSTS)
for branch_id, roster in rosters.items():
    chiefs = [m for m, post in roster if post in committee_posts] or [roster[0][0]]
    for i, (member_id, _post) in enumerate(roster):
        if member_id != chiefs[i % len(chiefs)]:
            talks.append(Talk(branch_id=branch_id, talker_id=chiefs[i % len(chiefs)], counterpart_id=member_id,
                              held_on=today - timedelta(days=i % 200), content="谈心谈话", recorded_at=now))
    for a in range(len(chiefs)):
        for b in range(a + 1, len(chiefs)):
            talks.append(Talk(branch_id=branch_id, talker_id=chiefs[a], counterpart_id=chiefs[b],
                              held_on=today - timedelta(days=3), content="支委之间", recorded_at=now))
Talk.objects.bulk_create(talks, batch_size=5000)
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
seed_seconds = time.perf_counter() - seed_started


def raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fmt(runs):
    return ", ".join(f"{r:.0f}" for r in runs)


# --- 谈心谈话 coverage: the nightly sync vs its bare SQL -----------------------------------------------
ROSTER_SQL = """SELECT ms.branch_id, ms.member_id, m.name, m.party_post FROM members_membership ms
JOIN members_member m ON m.id = ms.member_id WHERE ms.started_on <= %s AND (ms.ended_on IS NULL OR ms.ended_on > %s)
AND m.status = 'normal'"""
TALKS_SQL = """SELECT branch_id, LEAST(talker_id, counterpart_id), GREATEST(talker_id, counterpart_id), count(*),
max(held_on), max(recorded_at) FROM reviews_talk WHERE held_on >= %s AND held_on < %s GROUP BY 1, 2, 3"""
bare_cov_ms, _r, _ = timed(lambda: (raw(ROSTER_SQL, [today, today]), raw(TALKS_SQL, [date(year, 1, 1), date(year + 1, 1, 1)])),
                           repeat=3)
coverage_ms, coverage_runs, coverage = timed(lambda: talk_coverage_for(branches, year=year, at=today), repeat=3)
complete = sum(1 for c in coverage.values() if c.complete)
first_started = time.perf_counter()
first_sync = scanners.scan_talk_coverage(now=now, everything=True)  # writes every branch's coverage row
first_sync_ms = (time.perf_counter() - first_started) * 1000
all_ms, all_runs, all_sync = timed(lambda: scanners.scan_talk_coverage(now=now, everything=True), repeat=3)
# A night: the city's rosters were seeded days ago; say 50 branches' rosters moved since yesterday.
Member.objects.update(updated_at=now - timedelta(days=30))
moved = Member.objects.filter(branch_id__in=ids[::100]).values_list("pk", flat=True)
Member.objects.filter(pk__in=list(moved)).update(updated_at=now - timedelta(hours=5))
night_ms, night_runs, night = timed(lambda: scanners.scan_talk_coverage(now=now), repeat=3)
with CaptureQueriesContext(connection) as ctx:
    scanners.scan_talk_coverage(now=now)
night_queries = len(ctx.captured_queries)

# --- the engine, with the completion query ----------------------------------------------------------
def bare_engine():
    rows = 0
    for qs in held_queries(ids, year=year, now=now, counted=RuleBook.load().counted_kind_sets):
        sql, params = qs.query.sql_with_params()
        rows += len(raw(sql, params))
    return rows


bare_ms, bare_runs, _ = timed(bare_engine)
completion_ms, completion_runs, counted = timed(lambda: completion_counts(ids, year=year, now=now))
engine_ms, engine_runs, result = timed(lambda: compliance_for_branches(branches, year=year, now=now), repeat=3)
with CaptureQueriesContext(connection) as ctx:
    compliance_for_branches(branches, year=year, now=now)
engine_queries = len(ctx.captured_queries)
met = {kind: sum(1 for states in result.values() for s in states if s.kind == kind and s.state == "met")
       for kind in (Kind.LIFE_MEETING, Kind.MEMBER_REVIEW, "heart_talks")}

# --- the rectification scan vs its bare SQL --------------------------------------------------------------
OVERDUE_SQL = """SELECT r.id, r.branch_id, r.owner_id, r.deadline FROM reviews_rectificationitem r
WHERE r.status IN ('not_started', 'in_progress') AND r.deadline < %s"""
bare_rect_ms, _r, overdue_rows = timed(lambda: raw(OVERDUE_SQL, [today]))
rect_first_started = time.perf_counter()
rect_first = scanners.scan_rectifications(now=now)
rect_first_ms = (time.perf_counter() - rect_first_started) * 1000
rect_ms, rect_runs, rect = timed(lambda: scanners.scan_rectifications(now=now), repeat=3)
one_branch_ms, _r, _ = timed(lambda: scanners.scan_rectifications(now=now, branch_ids=[ids[0]]), repeat=5)

# --- campaign_progress (the dashboards' selector) ----------------------------------------------------
progress_ms, progress_runs, progress = timed(lambda: campaign_progress(branches, year=year, now=now), repeat=3)
with CaptureQueriesContext(connection) as ctx:
    campaign_progress(branches, year=year, now=now)
progress_queries = len(ctx.captured_queries)
with CaptureQueriesContext(connection) as ctx:
    campaign_progress(branches[:50], year=year, now=now)
progress_queries_50 = len(ctx.captured_queries)

# --- casting ballots: a 50-member branch, every 正式党员 grading every colleague -------------------------
big = max(rosters, key=lambda b: len(rosters[b]))
branch = next(b for b in branches if b.pk == big)
MemberReview.objects.filter(branch=branch, year=year).delete()
review = services.create_member_review(actor=None, branch=branch, year=year, now=now)
MemberReview.objects.filter(pk=review.pk).update(stage=Stage.BALLOT)
review = services.open_ballot(actor=None, review=review, now=now)
voters = [p for p in review.participants.select_related("member__user") if p.takes_ballot]
grades = ["excellent", "qualified", "qualified", "qualified", "basically_qualified"]


class Voter:  # cast_ballot needs only `.member` of its actor
    def __init__(self, member):
        self.member, self.pk = member, None


cast_runs = []
for p in voters:
    ballot = {q.member_id: random.choice(grades) for q in voters if q.member_id != p.member_id}
    started = time.perf_counter()
    services.cast_ballot(actor=Voter(p.member), review=review, grades=ballot)
    cast_runs.append((time.perf_counter() - started) * 1000)
close_started = time.perf_counter()
review = services.close_ballot(actor=None, review=review, now=now)
close_ms = (time.perf_counter() - close_started) * 1000
cast_runs.sort()
median_cast = cast_runs[len(cast_runs) // 2]

load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
body = f"""Run {timezone.localtime(now):%Y-%m-%d %H:%M} on {machine()} (load average at the end: {load}; shared machine:
compare each line with its reference of the same run), in `{DB}` (a copy of `{CITY_DB}` made in {copy_seconds:.0f} s):
{len(branches):,} branches; seeded in {seed_seconds:.0f} s with {len(completions):,} completion rows (组织生活会 and
民主评议 of every branch), {len(lives):,} life meetings with {len(items):,} 整改 items (one per branch overdue)
and {len(talks):,} 谈心谈话 covering every branch's 支委 pairs and members.

| What | Time | Runs (ms) | Notes |
|---|---|---|---|
| Reference: the engine's bare SQL (2 grouped held-meeting queries, raw cursor) | {bare_ms:.0f} ms | {fmt(bare_runs)} | |
| `completion_counts` (the one query the campaigns add to the engine) | {completion_ms:.0f} ms | {fmt(completion_runs)} | {len(counted):,} groups; {completion_ms / bare_ms:.2f}× the reference |
| `compliance_for_branches`, all branches | {engine_ms:.0f} ms | {fmt(engine_runs)} | {engine_queries} SQL queries; met: 组织生活会 {met[Kind.LIFE_MEETING]:,}, 民主评议 {met[Kind.MEMBER_REVIEW]:,}, 谈心谈话 {met["heart_talks"]:,} |
| Reference: coverage's bare SQL (roster on the day + the year's talks grouped per pair) | {bare_cov_ms:.0f} ms | | |
| `talk_coverage_for`, all branches | {coverage_ms:.0f} ms | {fmt(coverage_runs)} | {complete:,} complete; {coverage_ms / bare_cov_ms:.1f}× its bare SQL |
| `scan_talk_coverage(everything=True)`, first run | {first_sync_ms:.0f} ms | | wrote {first_sync.updated:,} completion rows (and the rectification receiver ran for those branches) |
| `scan_talk_coverage(everything=True)`, steady | {all_ms:.0f} ms | {fmt(all_runs)} | {all_sync.updated} changed (idempotent) |
| **Nightly `scan_talk_coverage`** (rosters moved in 50 branches) | **{night_ms:.0f} ms** | {fmt(night_runs)} | {night_queries} SQL queries; what the daily scan adds |
| Reference: overdue 整改 items, bare SQL | {bare_rect_ms:.0f} ms | | {len(overdue_rows):,} items |
| `scan_rectifications`, first run | {rect_first_ms:.0f} ms | | opened {rect_first.opened:,} |
| `scan_rectifications`, steady | **{rect_ms:.0f} ms** | {fmt(rect_runs)} | {rect.open:,} open; {rect_ms / bare_rect_ms:.1f}× its bare SQL |
| `scan_rectifications` for one branch (a record change) | {one_branch_ms:.1f} ms | | what each campaign save adds after commit |
| `campaign_progress`, all branches (dashboards) | {progress_ms:.0f} ms | {fmt(progress_runs)} | {progress_queries} vs {progress_queries_50} SQL queries for {len(branches):,} vs 50 branches |
| `cast_ballot`, {len(voters)} voters × {len(voters) - 1} colleagues each | median {median_cast:.1f} ms | min {cast_runs[0]:.1f}, max {cast_runs[-1]:.1f} | one branch's whole ballot, sequential |
| `close_ballot` ({len(voters) * (len(voters) - 1):,} grades into shuffled rows) | {close_ms:.0f} ms | | |
"""
write_section("Campaigns (city data set)", body)
print(body)
subprocess.run(["psql", f"{BASE}/postgres", "-qc", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], check=False)
