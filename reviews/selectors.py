"""Read-side queries for the campaigns: what a user may see, the 组织生活会 checklist, 谈心谈话 coverage,
the 民主测评 tally (only once the ballot has closed), overdue 整改 items and 限期改正, and campaign
progress for many branches at once (for the dashboards)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from branches.models import Organization
from branches.permissions import Perm, has_perm, org_filter
from meetings.models import CampaignCompletion, Kind, Meeting, QuotaRule
from meetings.periods import local_midnight
from meetings.selectors import expected_members
from members.models import Member, Membership
from reviews.models import (
    GRADE_VALUES,
    Ballot,
    BallotReceipt,
    Grade,
    LifeMeeting,
    Material,
    MemberReview,
    PaperCount,
    Participant,
    RectificationItem,
    Stage,
    Talk,
    WarningEducation,
)
from reviews.policy import talks_per_year

# --- scope ----------------------------------------------------------------------------------------


def _branch_scope(user, prefix: str) -> Q | None:
    """Branches the user may view, plus a member's own branch (members submit materials, self-assess and
    vote). None: everywhere."""
    q = org_filter(user, Perm.VIEW, prefix=prefix)
    if q is None:
        return None
    member = getattr(user, "member", None)
    if member is not None:
        q |= Q(**{f"{prefix}pk": member.branch_id})
    return q


def _scoped(model, user, prefix: str) -> QuerySet:
    if not user.is_authenticated:
        return model.objects.none()
    q = _branch_scope(user, prefix)
    return model.objects.all() if q is None else model.objects.filter(q)


def visible_life_meetings(user) -> QuerySet[LifeMeeting]:
    return _scoped(LifeMeeting, user, "branch__")


def visible_member_reviews(user) -> QuerySet[MemberReview]:
    return _scoped(MemberReview, user, "branch__")


def visible_rectifications(user) -> QuerySet[RectificationItem]:
    """The branch's viewers see every item; a member sees the published list of his branch (公示) and the
    items he owns."""
    if not user.is_authenticated:
        return RectificationItem.objects.none()
    q = org_filter(user, Perm.VIEW, prefix="branch__")
    if q is None:
        return RectificationItem.objects.all()
    member = getattr(user, "member", None)
    if member is not None:
        q |= Q(branch_id=member.branch_id, published_on__isnull=False) | Q(owner=member)
    return RectificationItem.objects.filter(q)


def visible_talks(user) -> QuerySet[Talk]:
    """The branch's viewers see its talks; a member sees the talks he took part in."""
    if not user.is_authenticated:
        return Talk.objects.none()
    q = org_filter(user, Perm.VIEW, prefix="branch__")
    if q is None:
        return Talk.objects.all()
    member = getattr(user, "member", None)
    if member is not None:
        q |= Q(talker=member) | Q(counterpart=member)
    return Talk.objects.filter(q)


def visible_warning_educations(user) -> QuerySet[WarningEducation]:
    return _scoped(WarningEducation, user, "meeting__branch__")


def can_view_details(user, branch: Organization) -> bool:
    """Materials of others, criticisms, grades and the tally: the branch's viewers (支委, upper level)."""
    return has_perm(user, Perm.VIEW, branch)


# --- 谈心谈话 coverage ---------------------------------------------------------------------------------


@dataclass
class TalkCoverage:
    """The year's coverage under the default reading of 支部条例 第十九条 (domain-rules §3, [U]): every
    支委 pair, and every member with at least one 支委, `required` times a year."""

    branch_id: int
    year: int
    required: int
    committee: list[tuple[int, str]] = field(default_factory=list)
    members: list[tuple[int, str]] = field(default_factory=list)  # members who are not 支委
    missing_pairs: list[tuple[str, str]] = field(default_factory=list)
    uncovered: list[tuple[int, str]] = field(default_factory=list)
    talks: int = 0
    last_held_on: date | None = None
    last_recorded_at: datetime | None = None

    @property
    def pairs_total(self) -> int:
        n = len(self.committee)
        return n * (n - 1) // 2

    @property
    def members_covered(self) -> int:
        return len(self.members) - len(self.uncovered)

    @property
    def no_committee(self) -> bool:
        return not self.committee and bool(self.members)

    @property
    def complete(self) -> bool:
        return not self.no_committee and not self.missing_pairs and not self.uncovered

    @property
    def summary(self) -> str:
        if self.no_committee:
            return "名册中未登记书记或支部委员，无法计算谈心谈话覆盖情况。"
        if self.complete:
            return f"{self.year}年已实现全覆盖：支委之间{self.pairs_total}对、党员{len(self.members)}人均已谈心谈话。"
        return (f"{self.year}年尚未全覆盖：支委之间{self.pairs_total - len(self.missing_pairs)}/{self.pairs_total}对，"
                f"党员与支委{self.members_covered}/{len(self.members)}人。")


def talk_coverage_for(branches: list[Organization], *, year: int, at: date) -> dict[int, TalkCoverage]:
    """Coverage for many branches in a constant number of queries: the roster open on `at` (within the
    year), the year's talks, the policy value."""
    as_of = min(max(at, date(year, 1, 1)), date(year, 12, 31))
    ids = [b.pk for b in branches]
    required = talks_per_year(branches, at=as_of)
    result = {b.pk: TalkCoverage(branch_id=b.pk, year=year, required=required[b.pk]) for b in branches}
    roster = (Membership.objects.filter(branch_id__in=ids, started_on__lte=as_of)
              .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=as_of), member__status=Member.Status.NORMAL)
              .values_list("branch_id", "member_id", "member__name", "member__party_post").order_by("member__name", "member_id"))
    posts = set(Member.COMMITTEE_POSTS)
    committee_ids: dict[int, set[int]] = defaultdict(set)
    for branch_id, member_id, name, post in roster:
        cov = result[branch_id]
        if post in posts:
            cov.committee.append((member_id, name))
            committee_ids[branch_id].add(member_id)
        else:
            cov.members.append((member_id, name))
    pair_talks: dict[tuple[int, int, int], int] = {}  # (branch, low id, high id) -> talks
    for branch_id, low, high, n, held_on, recorded_at in (  # grouped per pair in SQL: either side may talk
            Talk.objects.filter(branch_id__in=ids, held_on__year=year)
            .values("branch_id", low=Least("talker_id", "counterpart_id"), high=Greatest("talker_id", "counterpart_id"))
            .annotate(n=Count("id"), last_held=Max("held_on"), last_recorded=Max("recorded_at"))
            .values_list("branch_id", "low", "high", "n", "last_held", "last_recorded")):
        pair_talks[(branch_id, low, high)] = n
        cov = result[branch_id]
        cov.talks += n
        cov.last_held_on = max(cov.last_held_on or held_on, held_on)
        cov.last_recorded_at = max(cov.last_recorded_at or recorded_at, recorded_at)
    for branch_id, cov in result.items():
        committee = cov.committee
        for i, (a, a_name) in enumerate(committee):
            for b, b_name in committee[i + 1:]:
                if pair_talks.get((branch_id, min(a, b), max(a, b)), 0) < cov.required:
                    cov.missing_pairs.append((a_name, b_name))
        chiefs = committee_ids[branch_id]
        for member_id, name in cov.members:
            talked = sum(pair_talks.get((branch_id, min(member_id, c), max(member_id, c)), 0) for c in chiefs)
            if talked < cov.required:
                cov.uncovered.append((member_id, name))
    return result


def talk_coverage_candidates(*, year: int, roster_changed_since: datetime | None = None) -> Q:
    """Branches (a Q over Organization) whose coverage of `year` can be complete: with talks that year, or
    with a coverage row already (which a roster change may have made wrong). With `roster_changed_since`,
    only those whose roster moved since then (a membership that began or ended, a member changed: a new
    支委, a status): what a nightly re-sync needs, as record changes re-sync at once."""
    q = Q(kind=Organization.Kind.BRANCH) & (
        Q(pk__in=Talk.objects.filter(held_on__year=year).values("branch_id"))
        | Q(pk__in=CampaignCompletion.objects.filter(kind=QuotaRule.HEART_TALKS, counts_on__year=year).values("branch_id")))
    if roster_changed_since is not None:
        day = timezone.localdate(roster_changed_since)
        moved = Membership.objects.filter(Q(started_on__gte=day) | Q(ended_on__gte=day)).values("branch_id")
        q &= Q(pk__in=moved) | Q(pk__in=Member.objects.filter(updated_at__gte=roster_changed_since).values("branch_id"))
    return q


def talk_coverage(branch: Organization, *, year: int, at: date) -> TalkCoverage:
    return talk_coverage_for([branch], year=year, at=at)[branch.pk]


# --- 组织生活会 --------------------------------------------------------------------------------------


@dataclass
class Checklist:
    """会前 (支部条例 第十七条: 会前认真学习，谈心谈话，听取意见; each member's 对照检查材料)."""

    study: bool
    opinions: int
    opinions_by_source: list[tuple[str, int, str]]
    expected: list[Member]
    materials: dict[int, Material]
    coverage: TalkCoverage
    upper_topic: str

    @property
    def missing_materials(self) -> list[Member]:
        return [m for m in self.expected if m.pk not in self.materials]

    @property
    def missing(self) -> list[str]:
        items = []
        if not self.study:
            items.append("尚未记录会前学习研讨情况")
        if not self.opinions:
            items.append("尚未记录征求意见情况")
        if self.missing_materials:
            names = "、".join(m.name for m in self.missing_materials)
            items.append(f"以下党员尚未提交对照检查材料或发言提纲（或说明原因）：{names}")
        return items

    @property
    def ready(self) -> bool:
        return not self.missing


def life_meeting_participants(life_meeting: LifeMeeting, *, on: date) -> list[Member]:
    """Who is expected at the meeting (and owes a 对照检查材料): the branch's roster on the day, minus
    exempted and inactive members; once held, the meeting's own attendance list."""
    if life_meeting.meeting_id:
        return list(Member.objects.filter(attendance__meeting_id=life_meeting.meeting_id).order_by("name", "id"))
    return list(expected_members(branch=life_meeting.branch, on=on, kinds=[Kind.LIFE_MEETING]))


def life_meeting_checklist(life_meeting: LifeMeeting, *, on: date) -> Checklist:
    opinions = list(life_meeting.opinions.all())
    return Checklist(
        study=bool(life_meeting.study_summary.strip()),
        opinions=sum(o.count for o in opinions),
        opinions_by_source=[(o.get_source_display(), o.count, o.summary) for o in opinions],
        expected=life_meeting_participants(life_meeting, on=on),
        materials={m.member_id: m for m in life_meeting.materials.select_related("member")},
        coverage=talk_coverage(life_meeting.branch, year=life_meeting.period_start.year, at=on),
        upper_topic=life_meeting.upper_topic,
    )


def report_due_on(life_meeting: LifeMeeting, days: int) -> date | None:
    if life_meeting.meeting_id is None:
        return None
    return timezone.localdate(life_meeting.meeting.held_at) + timedelta(days=days)


# --- 民主评议: ballot and grading -----------------------------------------------------------------------


@dataclass
class TallyRow:
    member_id: int
    name: str
    online: dict[str, int]
    paper: dict[str, int]

    def count(self, grade: str) -> int:
        return self.online.get(grade, 0) + self.paper.get(grade, 0)

    @property
    def counts(self) -> list[tuple[str, int]]:
        return [(label, self.count(value)) for value, label in Grade.choices]

    @property
    def by_grade(self) -> dict[str, int]:
        return {value: self.count(value) for value in GRADE_VALUES}

    @property
    def total(self) -> int:
        return sum(self.online.values()) + sum(self.paper.values())

    @property
    def summary(self) -> str:
        return "，".join(f"{label}{n}" for label, n in self.counts) + f"（共{self.total}票）"

    @property
    def brief(self) -> str:
        """The grades that got votes, for a narrow column: "优秀3 · 合格1（共4票）"."""
        if not self.total:
            return "无票"
        return " · ".join(f"{label}{n}" for label, n in self.counts if n) + f"（共{self.total}票）"


class BallotNotClosed(ValidationError):
    pass


def tally(review: MemberReview) -> dict[int, TallyRow]:
    """The 民主测评 result per graded member: online ballots and paper counts. Only after the ballot has
    closed: before that nobody, administrators included, can read it (409)."""
    if review.ballot_status != MemberReview.BallotStatus.CLOSED:
        raise BallotNotClosed("民主测评尚未结束，测评结果在投票结束后才能查看。", code="conflict")
    rows = {p.member_id: TallyRow(p.member_id, p.member.name, {}, {})
            for p in review.participants.select_related("member").order_by("member__name", "member_id") if p.takes_ballot}
    for subject_id, grade, n in (Ballot.objects.filter(review=review).values("subject_id", "grade")
                                 .annotate(n=Count("id")).values_list("subject_id", "grade", "n")):
        if subject_id in rows:
            rows[subject_id].online[grade] = n
    for subject_id, grade, n in PaperCount.objects.filter(review=review).values_list("subject_id", "grade", "count"):
        if subject_id in rows:
            rows[subject_id].paper[grade] = n
    return rows


@dataclass(frozen=True)
class BallotSheet:
    """What one voter sees: whom he may grade and whom he already has (never how)."""

    review: MemberReview
    voter: Participant | None
    subjects: list[Participant]
    done: frozenset[int]

    @property
    def can_vote(self) -> bool:
        return self.voter is not None and self.voter.takes_ballot

    @property
    def remaining(self) -> list[Participant]:
        return [p for p in self.subjects if p.member_id not in self.done]


def ballot_sheet(review: MemberReview, member: Member | None) -> BallotSheet:
    participants = list(review.participants.select_related("member").order_by("member__name", "member_id"))
    voter = next((p for p in participants if member is not None and p.member_id == member.pk), None)
    subjects = [p for p in participants if p.takes_ballot and (member is None or p.member_id != member.pk)]
    done = frozenset(BallotReceipt.objects.filter(review=review, voter=member).values_list("subject_id", flat=True)) \
        if member is not None else frozenset()
    return BallotSheet(review, voter, subjects, done)


def voted_count(review: MemberReview) -> int:
    """How many voters have cast at least one grade (turnout; never who graded whom how)."""
    return BallotReceipt.objects.filter(review=review).values("voter_id").distinct().count()


def open_ballots_for(member: Member) -> list[MemberReview]:
    """Ballots open in the member's branch in which he may still grade someone (for his home page)."""
    reviews = list(MemberReview.objects.filter(branch_id=member.branch_id, ballot_status=MemberReview.BallotStatus.OPEN,
                                               participants__member=member, participants__category="full",
                                               participants__excused_reason=""))
    return [r for r in reviews if ballot_sheet(r, member).remaining]


@dataclass(frozen=True)
class MemberTask:
    text: str
    url_name: str
    pk: int


def campaign_tasks_for(member: Member) -> list[MemberTask]:
    """What a member has to do in his branch's campaigns now: vote, self-assess, submit his material."""
    tasks = [MemberTask(f"{r.year}年度民主测评正在投票", "member-review-ballot", r.pk) for r in open_ballots_for(member)]
    for r in MemberReview.objects.filter(branch_id=member.branch_id, stage__in=[Stage.STUDY, Stage.SELF],
                                         participants__member=member, participants__self_assessment="",
                                         participants__excused_reason=""):
        tasks.append(MemberTask(f"请提交{r.year}年度民主评议个人自评", "member-review-self", r.pk))
    for lm in (LifeMeeting.objects.filter(branch_id=member.branch_id, status=LifeMeeting.Status.PREPARATION)
               .exclude(materials__member=member)):
        tasks.append(MemberTask(f"请提交{lm.period_label}组织生活会对照检查材料", "life-meeting-material", lm.pk))
    return tasks


@dataclass(frozen=True)
class GradingCheck:
    total: int  # 党员总数 taking part (正式 and 预备)
    excellent: int
    share: int
    warnings: tuple[str, ...]


def grading_check(review: MemberReview) -> GradingCheck:
    """The 1/3 rule (domain-rules §3: "评定为'优秀'的比例一般不超过党员总数的1/3"): a warning, not a block."""
    participants = list(review.participants.all())
    total = len(participants)
    excellent = sum(1 for p in participants if p.grade == Grade.EXCELLENT)
    warnings = []
    if excellent * review.excellent_share > total:
        warnings.append(f"评定为“优秀”的有{excellent}人，超过党员总数{total}人的1/{review.excellent_share}"
                        f"（一般不超过{total // review.excellent_share}人），请核实。")
    return GradingCheck(total, excellent, review.excellent_share, tuple(warnings))


# --- overdue 整改 and 限期改正 (read by inspections.scanners) -----------------------------------------------


def overdue_rectifications(*, on: date, branch_ids=None) -> QuerySet[RectificationItem]:
    """整改事项 past their 完成时限 and not done (deadline day itself still in time)."""
    qs = RectificationItem.objects.filter(status__in=RectificationItem.OPEN_STATUSES, deadline__lt=on)
    if branch_ids is not None:
        qs = qs.filter(branch_id__in=branch_ids)
    return qs.select_related("owner", "branch", "life_meeting")


def corrections_due(*, on: date, branch_ids=None) -> QuerySet[Participant]:
    """限期改正 whose period has ended without a recorded outcome."""
    qs = Participant.objects.filter(disposition=Participant.Disposition.CORRECT, correction_outcome="",
                                    correction_deadline__lt=on)
    if branch_ids is not None:
        qs = qs.filter(review__branch_id__in=branch_ids)
    return qs.select_related("member", "review__branch")


# --- progress for the dashboards --------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignProgress:
    branch_id: int
    year: int
    life_meeting: str  # LifeMeeting.Status value, "" if none this year
    life_meeting_label: str
    member_review: str  # Stage value, "" if none this year
    member_review_label: str
    talks_complete: bool
    talks_summary: str
    warning_educations: int
    open_rectifications: int
    overdue_rectifications: int


def campaign_progress(branches: list[Organization], *, year: int, now: datetime) -> dict[int, CampaignProgress]:
    """Each branch's campaigns of `year` in a constant number of queries (the dashboards show it)."""
    ids = [b.pk for b in branches]
    today = timezone.localdate(now)
    lives: dict[int, LifeMeeting] = {}
    for lm in LifeMeeting.objects.filter(branch_id__in=ids, period_start__year=year).order_by("period_start"):
        lives[lm.branch_id] = lm  # the latest period of the year
    reviews = {r.branch_id: r for r in MemberReview.objects.filter(branch_id__in=ids, year=year)}
    items = dict.fromkeys(ids, (0, 0))
    for branch_id, open_n, overdue_n in (
            RectificationItem.objects.filter(branch_id__in=ids, status__in=RectificationItem.OPEN_STATUSES)
            .values("branch_id").annotate(open_n=Count("id"), overdue_n=Count("id", filter=Q(deadline__lt=today)))
            .values_list("branch_id", "open_n", "overdue_n")):
        items[branch_id] = (open_n, overdue_n)
    start, end = local_midnight(date(year, 1, 1)), local_midnight(date(year + 1, 1, 1))
    warnings = dict(WarningEducation.objects.filter(meeting__branch_id__in=ids, meeting__status=Meeting.Status.HELD,
                                                    meeting__held_at__gte=start, meeting__held_at__lt=end)
                    .values("meeting__branch_id").annotate(n=Count("pk")).values_list("meeting__branch_id", "n"))
    coverage = talk_coverage_for(branches, year=year, at=today)
    result = {}
    for branch_id in ids:
        lm, review, cov = lives.get(branch_id), reviews.get(branch_id), coverage[branch_id]
        result[branch_id] = CampaignProgress(
            branch_id=branch_id, year=year,
            life_meeting=lm.status if lm else "", life_meeting_label=lm.get_status_display() if lm else "未开展",
            member_review=review.stage if review else "",
            member_review_label=Stage(review.stage).label if review else "未开展",
            talks_complete=cov.complete, talks_summary=cov.summary,
            warning_educations=warnings.get(branch_id, 0),
            open_rectifications=items[branch_id][0], overdue_rectifications=items[branch_id][1],
        )
    return result
