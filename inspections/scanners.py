"""Scanners (one service per scan) and the alert transitions they share.

Every scan is set-based over the whole tree and idempotent: it computes the alerts that *should* be
open, then opens the missing ones (`bulk_create(ignore_conflicts=True)` against the partial unique
constraint), refreshes level/explanation of the open ones in bulk, and closes the rest with a
conditional `UPDATE … WHERE closed_at IS NULL`. Each scan's transitions commit in one transaction,
so a run killed half way leaves either the old or the new state, and the next run converges to the
same alerts (style.md §9). Notifications are created afterwards from alerts not yet notified
(inspections.notifications).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from branches.models import Organization, PolicyValue
from branches.policy import policy_values
from core.bulk import chunks
from core.dates import add_months, month_starts_back
from inspections.clock import Thresholds, consecutive_run, explain, level_for, theme_day_rule
from inspections.models import Alert
from inspections.notifications import notify_new_alerts
from inspections.sources import AttendanceSource, MemberSource, theme_day_facts
from meetings import rollup
from meetings.compliance import State
from meetings.models import ComplianceRollup
from reviews.selectors import corrections_due, overdue_rectifications, talk_coverage_candidates
from reviews.services import sync_talk_coverage

K = Alert.Kind
L = Alert.Level
CHUNK = rollup.CHUNK  # branches per engine call (the rollup evaluates in chunks of this size; bench/scan.py reads it)


@dataclass(frozen=True)
class WantedAlert:
    org_id: int
    kind: str
    subject: str
    level: str
    explanation: str
    member_id: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    rule: str = ""
    months: int | None = None

    @property
    def key(self) -> tuple:
        return (self.org_id, self.kind, self.subject)


@dataclass
class ScanResult:
    name: str
    opened: int = 0
    closed: int = 0
    updated: int = 0
    open: int = 0
    notified: int = 0
    extra: dict = field(default_factory=dict)

    def line(self) -> str:
        return f"{self.name}：新开 {self.opened}，关闭 {self.closed}，更新 {self.updated}，当前未关闭 {self.open}"


@transaction.atomic
def sync_alerts(*, name: str, kinds: Sequence[str], wanted: Iterable[WantedAlert], now: datetime, scope: Q | None = None,
                close_reason: str, close_reasons: dict[tuple[int, str], str] | None = None) -> ScanResult:
    """Make the open alerts of `kinds` (within `scope`) exactly `wanted`. `close_reasons` gives some
    (org, subject) a reason of their own (a period 补记完成 says so, with its explanation)."""
    wanted_by_key = {w.key: w for w in wanted}
    open_rows = Alert.objects.filter(kind__in=kinds, closed_at__isnull=True)
    if scope is not None:
        open_rows = open_rows.filter(scope)
    existing = {(org, kind, subject): (pk, level, text, months) for pk, org, kind, subject, level, text, months in
                open_rows.values_list("pk", "org_id", "kind", "subject", "level", "explanation", "months")}
    new = [Alert(kind=w.kind, org_id=w.org_id, member_id=w.member_id, level=w.level, subject=w.subject, rule=w.rule,
                 period_start=w.period_start, period_end=w.period_end, months=w.months, explanation=w.explanation,
                 opened_at=now) for key, w in wanted_by_key.items() if key not in existing]
    Alert.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
    changed = [Alert(pk=pk, level=w.level, explanation=w.explanation, months=w.months)
               for key, w in wanted_by_key.items() if key in existing
               for pk, level, text, months in [existing[key]] if (level, text, months) != (w.level, w.explanation, w.months)]
    Alert.objects.bulk_update(changed, ["level", "explanation", "months"], batch_size=2000)
    gone = defaultdict(list)
    for key, (pk, *_rest) in existing.items():
        if key not in wanted_by_key:
            gone[(close_reasons or {}).get((key[0], key[2]), close_reason)].append(pk)
    closed = 0
    for reason, pks in gone.items():
        for ids in chunks(pks):  # one conditional UPDATE (per IN_CHUNK ids)
            closed += Alert.objects.filter(pk__in=ids, closed_at__isnull=True).update(closed_at=now, close_reason=reason)
    return ScanResult(name, opened=len(new), closed=closed, updated=len(changed), open=len(wanted_by_key))


# --- meetings (支部条例 第十一、十二、十六、十七、十八条 via the quota rules) -------------------

_MEETING_KIND = {State.DUE_SOON: (K.MEETING_DUE_SOON, L.INFO), State.LATE: (K.MEETING_OVERDUE, L.WARNING),
                 State.OVERDUE: (K.MEETING_OVERDUE, L.SERIOUS)}


def meeting_subject(rule_id: int, party_group_id: int | None, period_start: date) -> str:
    return f"meeting:{rule_id}:{party_group_id or 0}:{period_start.isoformat()}"


def _meeting_alerts(year: int, branch_ids: Sequence[int] | None = None) -> tuple[list[WantedAlert], dict]:
    """The alerts the rollup's rule-periods call for (it was just brought up to date at the scan's `now`:
    the engine runs once for both the dashboards and the alerts), and the close reasons of the periods
    made up late (补记完成: an overdue alert closes saying so, not as if the period had been kept)."""
    rows = ComplianceRollup.objects.filter(year=year, state__in=[*_MEETING_KIND, State.MET_LATE])
    if branch_ids is not None:
        rows = rows.filter(branch_id__in=branch_ids)
    wanted, made_up = [], {}
    for branch_id, state, explanation, rule_id, group_id, start, end, article in rows.values_list(
            "branch_id", "state", "explanation", "rule_id", "party_group_id", "period_start", "period_end", "rule__article"):
        subject = meeting_subject(rule_id, group_id, start)
        if state == State.MET_LATE:
            made_up[(branch_id, subject)] = f"补记完成：{explanation}"[:300]
            continue
        kind, level = _MEETING_KIND[state]
        wanted.append(WantedAlert(org_id=branch_id, kind=kind, level=level, explanation=explanation,
                                  subject=subject, period_start=start, period_end=end, rule=article))
    return wanted, made_up


def _open_per_branch(kinds: Sequence[str], scope: Q | None = None) -> dict[int, int]:
    """Open alerts of `kinds` per organization (grouped by the distribution key)."""
    rows = Alert.objects.filter(kind__in=kinds, closed_at__isnull=True)
    if scope is not None:
        rows = rows.filter(scope)
    return dict(rows.values("org_id").annotate(n=Count("id")).values_list("org_id", "n"))


def _out_of_step(year: int, kinds: Sequence[str], scope: Q) -> set[int]:
    """Branches whose open meeting alerts of `year` and rule-periods calling for one differ in number (two
    grouped counts): alerts deleted or added behind the scanner's back are synced too."""
    wanted = dict(ComplianceRollup.objects.filter(year=year, state__in=list(_MEETING_KIND)).values("branch_id")
                  .annotate(n=Count("id")).values_list("branch_id", "n"))
    open_now = _open_per_branch(kinds, scope)
    return {b for b in wanted.keys() | open_now.keys() if wanted.get(b, 0) != open_now.get(b, 0)}


def scan_meetings(*, now: datetime) -> ScanResult:
    """meeting_due_soon / meeting_overdue for every branch: the current year; in January also last
    year (its December, Q4 and year periods are still in their 补记 grace); and any earlier year that
    still has open alerts, for those branches only, so a 补记 record closes them. Each year's compliance
    rollup is brought up to date first (only the branches a deadline has reached since they were last
    evaluated: records changing refresh theirs as they commit), and the alerts read from it."""
    today = timezone.localdate(now)
    kinds = [K.MEETING_DUE_SOON, K.MEETING_OVERDUE]
    branches = list(Organization.objects.filter(kind=Organization.Kind.BRANCH).order_by("pk"))
    result = ScanResult("会议")
    years = {today.year: branches}
    if today.month == 1:
        years[today.year - 1] = branches
    stale = (Alert.objects.filter(kind__in=kinds, closed_at__isnull=True, period_start__lt=date(min(years), 1, 1))
             .values_list("period_start__year", "org_id").distinct())
    by_year = defaultdict(set)
    for year, org_id in stale:
        by_year[year].add(org_id)
    for year, org_ids in by_year.items():
        years[year] = [b for b in branches if b.pk in org_ids]
    for year, subset in sorted(years.items()):
        scope = Q(period_start__gte=date(year, 1, 1), period_start__lt=date(year + 1, 1, 1))
        if subset is branches:
            result.extra[year] = rollup.bring_up_to_date(year, now=now)  # the dashboards' read model
        else:
            rollup.refresh_branches([b.pk for b in subset], now=now, years=[year])
        # only the branches whose rows changed since their alerts were last synced (most nights: few)
        unsynced = rollup.alerts_to_sync(year)
        if subset is branches:
            ids = sorted(set(unsynced) | _out_of_step(year, kinds, scope))
        else:
            ids = [b.pk for b in subset]
        everything = subset is branches and len(ids) > len(branches) * rollup.REBUILD_SHARE
        if not everything:
            scope &= Q(org_id__in=ids)
        with transaction.atomic():
            wanted, made_up = _meeting_alerts(year, None if everything else ids)
            part = sync_alerts(name="会议", kinds=kinds, wanted=wanted, now=now, scope=scope, close_reasons=made_up,
                               close_reason="已按要求召开或不再需要（免于要求或进入下一状态）")
            synced = set(ids)
            rollup.mark_alerts_synced(pk for org_id, pk in unsynced.items() if everything or org_id in synced)
        result.opened += part.opened
        result.closed += part.closed
        result.updated += part.updated
    # what is open now (a night syncs only the branches whose rows changed: its own count is of those)
    result.open = sum(_open_per_branch(kinds).values())
    return result


# --- the six-month clock (党章 第九条) ------------------------------------------------------------

CLOCK_LOOKBACK = 13  # the running month + 12 completed months: a run longer than that still reads "12"


def _thresholds(branch_ids: Iterable[int], *, at: date) -> dict[int, Thresholds]:
    branches = list(Organization.objects.filter(pk__in=set(branch_ids)).only("pk", "path"))
    P = PolicyValue.Key
    remind, escalate, flag = (policy_values(key, branches, at=at) for key in
                              (P.ABSENCE_REMIND_MONTHS, P.ABSENCE_ESCALATE_MONTHS, P.ABSENCE_FLAG_MONTHS))
    return {b.pk: Thresholds(remind[b.pk], escalate[b.pk], flag[b.pk]) for b in branches}


def _lowest_remind(at: date) -> int:
    values = PolicyValue.objects.filter(key=PolicyValue.Key.ABSENCE_REMIND_MONTHS, effective_from__lte=at).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=at)).values_list("value", flat=True)
    return max(1, min(values, default=3))


def scan_member_clock(*, now: datetime, sources: Sequence[MemberSource] = (AttendanceSource(),)) -> ScanResult:
    """One alert per member and source while the member's run reaches the remind threshold; the
    level follows the run (提醒谈话 → 升级 → 需支部大会研究). Nothing changes Member.status."""
    today = timezone.localdate(now)
    months = month_starts_back(today, CLOCK_LOOKBACK)
    result = ScanResult("六个月")
    for source in sources:
        facts = source.facts(months=months, now=now, recent=_lowest_remind(today))
        thresholds = _thresholds({m.branch_id for m in facts.values()}, at=today)
        wanted = []
        for member in facts.values():
            run = consecutive_run(member.facts, months=months, current=months[0], since=member.since)
            th = thresholds[member.branch_id]
            level = level_for(run.length, th)
            if level is None or not run.flaggable:
                continue
            wanted.append(WantedAlert(
                org_id=member.branch_id, kind=source.alert_kind, member_id=member.member_id, level=level,
                subject=f"{source.key}:{member.member_id}", months=run.length, rule=source.article,
                period_start=run.first, period_end=run.months[0],
                explanation=explain(name=member.name, run=run, level=level, noun=source.noun, thresholds=th)))
        part = sync_alerts(name=result.name, kinds=[source.alert_kind], wanted=wanted, now=now,
                           scope=Q(subject__startswith=f"{source.key}:"),
                           close_reason="已恢复参加组织生活、已请假或暂不参加组织生活，或党支部认定有正当理由")
        result.opened += part.opened
        result.closed += part.closed
        result.updated += part.updated
        result.open += part.open
    return result


def scan_theme_day_rule(*, now: datetime) -> ScanResult:
    """The optional local rule (seed text, 海沧 practice): absent without reason from 主题党日 3
    consecutive or 6 cumulative months within the last N completed months (theme_day_window_months,
    12 by default: a rolling window, so a December–February run is caught). Off unless an organization
    sets theme_day_rule_enabled = 1."""
    today = timezone.localdate(now)
    P = PolicyValue.Key
    branches = list(Organization.objects.filter(kind=Organization.Kind.BRANCH).only("pk", "path"))
    enabled = policy_values(P.THEME_DAY_RULE_ENABLED, branches, at=today)
    on = [b for b in branches if enabled[b.pk]]
    wanted = []
    if on:
        consecutive = policy_values(P.THEME_DAY_CONSECUTIVE_MONTHS, on, at=today)
        cumulative = policy_values(P.THEME_DAY_CUMULATIVE_MONTHS, on, at=today)
        window = policy_values(P.THEME_DAY_WINDOW_MONTHS, on, at=today)
        completed = sorted(month_starts_back(today, max(window.values()) + 1)[1:])  # oldest first
        for member in theme_day_facts(branch_ids=[b.pk for b in on], months=completed, now=now).values():
            months = completed[-window[member.branch_id]:]
            r = theme_day_rule(member.facts, months=months)
            need_run, need_total = consecutive[member.branch_id], cumulative[member.branch_id]
            if r.consecutive < need_run and r.cumulative < need_total:
                continue
            listed = "、".join(f"{m.year}年{m.month}月" for m in r.months)
            span = f"{months[0].year}年{months[0].month}月至{months[-1].year}年{months[-1].month}月"
            wanted.append(WantedAlert(
                org_id=member.branch_id, kind=K.MEMBER_ABSENT, member_id=member.member_id, level=L.WARNING,
                subject=f"theme_day:{member.member_id}", months=r.cumulative, rule="地方规则（主题党日缺席）",
                period_start=months[0], period_end=months[-1],
                explanation=(f"{member.name}近{len(months)}个月（{span}）无故缺席主题党日{r.cumulative}个月（{listed}），"
                             f"最长连续{r.consecutive}个月，达到本地规则“连续{need_run}个月或累计{need_total}个月”的提醒标准。"
                             "请党支部了解原因、谈心谈话。")))
    return sync_alerts(name="主题党日", kinds=[K.MEMBER_ABSENT], wanted=wanted, now=now,
                       scope=Q(subject__startswith="theme_day:"),
                       close_reason="滚动窗口内已不再达到主题党日缺席标准，或规则未启用")


# --- 换届 (支部条例 第六章; 选举条例 第三条) ------------------------------------------------------


def scan_terms(*, now: datetime) -> ScanResult:
    """term_expiring from term_end − term_reminder_months (上级党组织一般提前6个月提醒); serious once
    the term has ended without a new one recorded (延期须经批准，一般不超过1年)."""
    today = timezone.localdate(now)
    orgs = list(Organization.objects.filter(term_end__isnull=False).only("pk", "path", "name", "term_end"))
    months = policy_values(PolicyValue.Key.TERM_REMINDER_MONTHS, orgs, at=today)
    wanted = []
    for org in orgs:
        if today < add_months(org.term_end, -months[org.pk]):
            continue
        days = (org.term_end - today).days
        if days > 0:
            level = L.INFO if days > 90 else L.WARNING
            # the texts name the day, not a count of days (that would rewrite every such alert every night);
            # the lists count the days when they show them (Alert.days_note)
            text = (f"{org.name}本届任期将于{org.term_end:%Y年%m月%d日}届满。请按期做好换届选举准备"
                    f"（上级党组织一般提前{months[org.pk]}个月提醒；支部条例：任期一般3年，村、社区5年）。")
        else:
            level = L.SERIOUS
            text = (f"{org.name}本届任期已于{org.term_end:%Y年%m月%d日}届满，尚未登记新一届任期。"
                    f"延期换届须经上级党组织批准，一般不超过1年（选举条例 第三条）。")
        wanted.append(WantedAlert(org_id=org.pk, kind=K.TERM_EXPIRING, level=level, explanation=text,
                                  subject=f"term:{org.pk}:{org.term_end.isoformat()}", period_end=org.term_end,
                                  rule="支部条例 第六章；选举条例 第三条"))
    return sync_alerts(name="换届", kinds=[K.TERM_EXPIRING], wanted=wanted, now=now,
                       close_reason="已登记新一届任期")


# --- 整改清单 and 限期改正 (支部条例 第十七条; domain-rules §3.1, §3.2) --------------------------------------

RECTIFICATION_SERIOUS_DAYS = 30  # overdue by a month: the upper level should step in


def scan_rectifications(*, now: datetime, branch_ids: Iterable[int] | None = None) -> ScanResult:
    """rectification_overdue while a 整改事项 is past its 完成时限 and not done, and while a member's 限期改正
    has ended without a recorded outcome; each closes when the item is done (or 销号) or the outcome is
    recorded. `branch_ids` limits the scan to those branches (a record change); None scans all."""
    today = timezone.localdate(now)
    ids = None if branch_ids is None else list(branch_ids)
    wanted = []
    for item in overdue_rectifications(on=today, branch_ids=ids):
        days = (today - item.deadline).days
        owner = item.owner.name if item.owner else "党支部"
        wanted.append(WantedAlert(
            org_id=item.branch_id, kind=K.RECTIFICATION_OVERDUE, member_id=item.owner_id,
            level=L.SERIOUS if days > RECTIFICATION_SERIOUS_DAYS else L.WARNING, subject=f"rectification:{item.pk}",
            period_end=item.deadline, rule="支部条例 第十七条：会后制定整改措施，逐一整改落实",
            explanation=(f"{item.life_meeting.period_label}组织生活会整改事项“{item.problem[:40]}”（责任人：{owner}）"
                         f"完成时限为{item.deadline:%Y年%m月%d日}，已逾期{days}天，当前状态：{item.get_status_display()}。"
                         "请督促整改，完成后填写完成情况说明。")))
    for participant in corrections_due(on=today, branch_ids=ids):
        days = (today - participant.correction_deadline).days
        review = participant.review
        wanted.append(WantedAlert(
            org_id=review.branch_id, kind=K.RECTIFICATION_OVERDUE, member_id=participant.member_id, level=L.SERIOUS,
            subject=f"correction:{participant.pk}", period_end=participant.correction_deadline,
            rule="民主评议党员：不合格党员限期改正，期限一般为一年（domain-rules §3.2）",
            explanation=(f"{participant.member.name}在{review.year}年度民主评议中被限期改正，期限已于"
                         f"{participant.correction_deadline:%Y年%m月%d日}届满（已过{days}天），尚未记录改正结果。"
                         "请党支部研究：确已改正的予以认定；仍无转变的，按规定提出处置意见报上级党组织。")))
    scope = None if ids is None else Q(org_id__in=ids)
    return sync_alerts(name="整改", kinds=[K.RECTIFICATION_OVERDUE], wanted=wanted, now=now, scope=scope,
                       close_reason="整改事项已完成或销号，或限期改正已记录结果")


TALK_RESYNC_DAYS = 3  # a roster change in the last days (or one taking effect today) may win or lose coverage


def scan_talk_coverage(*, now: datetime, everything: bool = False) -> ScanResult:
    """Re-sync the year's 谈心谈话 coverage of the branches whose roster moved in the last days (a new member,
    a transfer taking effect, a new 支委): records changed through the services re-sync at once, this is
    the safety net. `everything` re-syncs every branch that can have coverage. No alerts of its own: the
    heart_talks rule's state raises meeting_due_soon/meeting_overdue like any other."""
    today = timezone.localdate(now)
    since = None if everything else now - timedelta(days=TALK_RESYNC_DAYS)
    branches = list(Organization.objects.filter(talk_coverage_candidates(year=today.year, roster_changed_since=since))
                    .only("pk", "path", "kind"))
    changed = 0
    for chunk in chunks(branches, CHUNK):
        changed += len(sync_talk_coverage(branches=chunk, year=today.year, now=now))
    return ScanResult("谈心谈话覆盖", updated=changed)


# --- the whole run ------------------------------------------------------------------------------

def scan_compliance(*, now: datetime) -> list[ScanResult]:
    """Every scanner in turn, then the notices: what `manage.py scan_compliance` and the daily task run."""
    results = [scan_talk_coverage(now=now), scan_meetings(now=now), scan_member_clock(now=now),
               scan_theme_day_rule(now=now), scan_terms(now=now), scan_rectifications(now=now)]
    results[-1].notified = notify_new_alerts(now=now)
    return results
