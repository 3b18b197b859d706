"""民主评议党员 (支部条例 第十八条; domain-rules §3.2, §14.5), staged: (学习教育 →) 个人自评 → 党员互评 →
民主测评 → 组织评定 (→ 结果运用). Each step has a guard that must hold before the next begins; the
campaign completes (and counts toward the member_review rule) when the last step is done and the
results are filed with the upper level (备案)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from branches.models import Organization
from branches.permissions import Perm, has_perm
from core import audit
from core.dates import add_months
from meetings import completions
from meetings.models import Exemption, Kind, Meeting
from meetings.selectors import INACTIVE_STATUSES, vote_snapshot
from members.models import Member
from members.selectors import roster_at
from reviews.models import ALL_STAGES, GRADE_VALUES, Grade, MemberReview, Participant, Stage
from reviews.policy import campaign_policy
from reviews.selectors import GradingCheck, grading_check
from reviews.services.common import (
    changed,
    check_linked_meeting,
    check_year_open,
    conflict,
    require_record,
    user_or_none,
)

B = MemberReview.BallotStatus
D = Participant.Disposition
LOW_GRADES = (Grade.BASICALLY_QUALIFIED, Grade.UNQUALIFIED)


def _locked(review: MemberReview) -> MemberReview:
    review = MemberReview.objects.select_for_update(of=("self",)).select_related("branch").get(pk=review.pk)
    check_year_open(review.branch, review.year)
    return review


def _save(actor, review: MemberReview, before: dict | None, source: str) -> MemberReview:
    review.save()
    if before is None:
        audit.record_create(actor=actor, instance=review, source=source)
    else:
        audit.record_update(actor=actor, instance=review, before=before, source=source)
    changed(review.branch)
    return review


def _roster_day(year: int, now: datetime) -> date:
    return min(max(timezone.localdate(now), date(year, 1, 1)), date(year, 12, 31))


@transaction.atomic
def create_member_review(*, actor, branch: Organization, year: int, now: datetime, source: str = "web") -> MemberReview:
    """Open the year's review: its steps from the organization's policy, its participants from the roster
    (category on that day; members exempted from organizational life are excused with the reason)."""
    require_record(actor, branch)
    if not branch.is_branch:
        raise ValidationError({"branch": f"“{branch.name}”不是党支部：民主评议党员由党支部开展。"})
    if not 2000 <= year <= timezone.localdate(now).year + 1:
        raise ValidationError({"year": f"年度“{year}”无效。"})
    check_year_open(branch, year)
    if MemberReview.objects.filter(branch=branch, year=year).exists():
        raise conflict(f"{branch.name}{year}年度的民主评议党员已经开展，请在原记录上继续。")
    day = _roster_day(year, now)
    policy = campaign_policy(branch, at=day)
    stages = [s.value for s in ALL_STAGES
              if not (s == Stage.STUDY and not policy.study_stage) and not (s == Stage.APPLICATION and not policy.application_stage)]
    review = MemberReview(branch=branch, year=year, stages=stages, stage=stages[0], excellent_share=policy.excellent_share,
                          created_by=user_or_none(actor), created_at=now)
    _save(actor, review, None, source)
    members = list(roster_at(branch, day).exclude(status__in=INACTIVE_STATUSES).order_by("name", "id"))
    exempt = dict(Exemption.objects.filter(branch=branch, member__in=members, status=Exemption.Status.APPROVED,
                                           starts_on__lte=day, ends_on__gte=day).values_list("member_id", "reason"))
    reasons = dict(Exemption.Reason.choices)
    Participant.objects.bulk_create([
        Participant(review=review, member=m, category=vote_snapshot(m, day)[0],
                    excused_reason=f"暂不参加组织生活（{reasons[exempt[m.pk]]}）" if m.pk in exempt else "")
        for m in members])
    return review


REVIEW_TEXT_FIELDS = ("study_summary", "mutual_summary", "application_summary", "reported_on")


@transaction.atomic
def update_member_review(*, actor, review: MemberReview, now: datetime, meeting: Meeting | None = None,
                         source: str = "web", **values) -> MemberReview:
    """The texts of the steps, the 评议 meeting and the 备案 date."""
    review = _locked(review)
    require_record(actor, review.branch)
    if review.is_completed:
        raise conflict("民主评议已完成，如需更正请先撤回完成状态。")
    unknown = set(values) - set(REVIEW_TEXT_FIELDS)
    if unknown:
        raise ValidationError(f"不能在此修改：{'、'.join(sorted(unknown))}。")
    if "reported_on" in values and values["reported_on"] is not None and values["reported_on"] > timezone.localdate(now):
        raise ValidationError({"reported_on": "备案日期不能在将来。"})
    if ("reported_on" in values or "application_summary" in values) and not review.reached(Stage.GRADING):
        raise conflict("组织评定开始后才能记录结果运用和备案。")
    before = audit.snapshot(review)
    if meeting is not None:
        _check_meeting(review, meeting)
        review.meeting = meeting
    for name, value in values.items():
        setattr(review, name, value.strip() if isinstance(value, str) else value)
    return _save(actor, review, before, source)


def _check_meeting(review: MemberReview, meeting: Meeting) -> None:
    # 民主评议 of a year is often held in its last weeks or early the next (at the year-end 组织生活会)
    check_linked_meeting(meeting, branch=review.branch, kind=Kind.MEMBER_REVIEW, start=date(review.year, 1, 1),
                         end=date(review.year + 1, 12, 31), period_label=f"{review.year}年度民主评议")


def _participant(review: MemberReview, member: Member) -> Participant:
    participant = review.participants.select_related("member").filter(member=member).first()
    if participant is None:
        raise ValidationError({"member": f"“{member.name}”不是本次民主评议的参评党员。"})
    return participant


@transaction.atomic
def submit_self_assessment(*, actor, review: MemberReview, member: Member, text: str, now: datetime,
                           source: str = "web") -> Participant:
    """个人自评: by the member himself (from a phone) or recorded by the branch."""
    review = _locked(review)
    own = getattr(actor, "member", None)
    if actor is not None and not (own is not None and own.pk == member.pk) and not has_perm(actor, Perm.RECORD, review.branch):
        raise PermissionDenied("只能提交本人的个人自评；代为录入须由党支部办理。")
    if review.stage not in (Stage.STUDY, Stage.SELF):
        raise conflict("个人自评环节已结束，不能再提交或修改。")
    if not text.strip():
        raise ValidationError({"text": "请填写个人自评内容。"})
    participant = _participant(review, member)
    before = audit.snapshot(participant)
    participant.self_assessment, participant.self_assessed_at = text.strip(), now
    participant.save(update_fields=["self_assessment", "self_assessed_at"])
    audit.record_update(actor=actor, instance=participant, before=before, source=source)
    changed(review.branch)
    return participant


@transaction.atomic
def excuse_participant(*, actor, review: MemberReview, member: Member, reason: str, source: str = "web") -> Participant:
    """A member who cannot take part (illness, abroad…): recorded with the reason, not graded. Empty
    reason takes it back. Not once the ballot has opened (the voters are fixed then)."""
    review = _locked(review)
    require_record(actor, review.branch)
    if review.ballot_status != B.NOT_OPEN or review.reached(Stage.GRADING):
        raise conflict("民主测评开始后不能再调整参评人员。")
    participant = _participant(review, member)
    before = audit.snapshot(participant)
    participant.excused_reason = reason.strip()[:200]
    participant.save(update_fields=["excused_reason"])
    audit.record_update(actor=actor, instance=participant, before=before, source=source)
    changed(review.branch)
    return participant


# --- the steps -----------------------------------------------------------------------------------------


def stage_blockers(review: MemberReview) -> list[str]:
    """What keeps the current step from being done (empty: it may advance)."""
    stage, participants = review.stage, list(review.participants.select_related("member"))
    if stage == Stage.STUDY and not review.study_summary.strip():
        return ["请记录学习教育情况（学习内容、时间和形式）。"]
    if stage == Stage.SELF:
        missing = [p.member.name for p in participants if not p.excused_reason and not p.self_assessment.strip()]
        return [f"以下党员尚未提交个人自评（或说明未参加原因）：{'、'.join(missing)}。"] if missing else []
    if stage == Stage.MUTUAL:
        blockers = []
        if review.meeting_id is None:
            blockers.append("请关联开展党员互评的会议（勾选“民主评议党员”的党员大会或党小组会）。")
        if not review.mutual_summary.strip():
            blockers.append("请记录党员互评情况。")
        return blockers
    if stage == Stage.BALLOT:
        return [] if review.ballot_status == B.CLOSED else ["民主测评投票尚未结束。"]
    if stage == Stage.GRADING:
        blockers = []
        ungraded = [p.member.name for p in participants if p.takes_ballot and not p.grade]
        if ungraded:
            blockers.append(f"以下党员尚未评定等次：{'、'.join(ungraded)}。")
        no_follow_up = [p.member.name for p in participants if p.grade in LOW_GRADES
                        and not (p.disposition and p.follow_up.strip())]
        if no_follow_up:
            blockers.append(f"评为基本合格或不合格的党员须记录处置和帮助措施：{'、'.join(no_follow_up)}。")
        if review.next_stage() == Stage.COMPLETED:
            blockers += _report_blockers(review)
        return blockers
    if stage == Stage.APPLICATION:
        blockers = [] if review.application_summary.strip() else ["请记录结果运用情况（表彰、激励、帮助和处置）。"]
        return blockers + _report_blockers(review)
    return []


def _report_blockers(review: MemberReview) -> list[str]:
    return [] if review.reported_on else ["请记录评议结果、表彰和处置情况报上级党组织备案的日期。"]


@transaction.atomic
def advance_review(*, actor, review: MemberReview, now: datetime, source: str = "web") -> MemberReview:
    """Finish the current step and begin the next (or complete the review)."""
    review = _locked(review)
    require_record(actor, review.branch)
    if review.is_completed:
        raise conflict("民主评议已完成。")
    blockers = stage_blockers(review)
    if blockers:
        raise conflict(f"“{Stage(review.stage).label}”尚未完成：" + "".join(blockers))
    before = audit.snapshot(review)
    review.stage = review.next_stage()
    if review.stage == Stage.COMPLETED:
        review.completed_at = now
        completions.record_completion(source=completion_source(review), completion=completions.Completion(
            branch_id=review.branch_id, kind=Kind.MEMBER_REVIEW, counts_on=_counts_on(review), completed_at=now))
    return _save(actor, review, before, source)


def completion_source(review: MemberReview) -> str:
    return f"reviews.memberreview:{review.pk}"


def _counts_on(review: MemberReview) -> date:
    day = timezone.localdate(review.meeting.held_at) if review.meeting_id else date(review.year, 12, 31)
    return min(max(day, date(review.year, 1, 1)), date(review.year, 12, 31))


@transaction.atomic
def reopen_review(*, actor, review: MemberReview, now: datetime, source: str = "web") -> MemberReview:
    """Take a completed review back to its last step (a correction): it no longer counts until completed
    again. The ballot stays closed: its result is final."""
    review = _locked(review)
    require_record(actor, review.branch)
    if not review.is_completed:
        raise conflict("只有已完成的民主评议可以撤回完成状态。")
    before = audit.snapshot(review)
    review.stage, review.completed_at = review.stages[-1], None
    completions.withdraw_completion(source=completion_source(review))
    return _save(actor, review, before, source)


# --- 组织评定 -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeEntry:
    member: Member
    grade: str
    note: str = ""
    disposition: str = ""
    follow_up: str = ""
    correction_deadline: date | None = None
    commended: bool = False


@transaction.atomic
def record_grades(*, actor, review: MemberReview, grades: list[GradeEntry], now: datetime,
                  source: str = "web") -> GradingCheck:
    """组织评定: each 正式党员's grade, decided by the 支委会 or the 党员大会 with the tally beside it, and the
    feedback to him. 预备党员 are not graded. 基本合格/不合格 get a disposition and help (限期改正 with a
    deadline: by default the policy's period, 一般一年). Returns the 1/3 check: a warning, not a block.
    In 结果运用 only the follow-up (disposition, help, commendation) may still change."""
    review = _locked(review)
    require_record(actor, review.branch)
    if review.stage not in (Stage.GRADING, Stage.APPLICATION):
        raise conflict("民主测评结束并进入“组织评定”环节后才能评定等次。")
    participants = {p.member_id: p for p in review.participants.select_related("member")}
    policy = campaign_policy(review.branch, at=timezone.localdate(now))
    errors, seen = [], set()
    for e in grades:
        p = participants.get(e.member.pk)
        name = e.member.name
        if p is None:
            errors.append(f"“{name}”不是本次民主评议的参评党员。")
            continue
        if e.member.pk in seen:
            errors.append(f"“{name}”重复出现。")
        seen.add(e.member.pk)
        if not p.is_full and e.grade:
            errors.append(f"“{name}”是预备党员：预备党员参加评议，但不评定等次。")
        elif p.excused_reason and e.grade:
            errors.append(f"“{name}”未参加本次评议（{p.excused_reason}），不评定等次。")
        elif p.is_full and not p.excused_reason and e.grade not in GRADE_VALUES:
            errors.append(f"“{name}”的等次无效：应为优秀、合格、基本合格或不合格。")
        if e.disposition and e.disposition not in D.values:
            errors.append(f"“{name}”的处置无效。")
        elif e.disposition and e.grade not in LOW_GRADES:
            errors.append(f"“{name}”评为{Grade(e.grade).label if e.grade in GRADE_VALUES else '无等次'}，不需要处置。")
        if e.commended and e.grade != Grade.EXCELLENT:
            errors.append(f"“{name}”未评为优秀，不能列为表彰对象。")
        if review.stage == Stage.APPLICATION and e.grade != p.grade:
            errors.append(f"组织评定已结束，“{name}”的等次不能再修改。")
    if errors:
        raise ValidationError({"grades": errors})
    today = timezone.localdate(now)
    for e in grades:
        p = participants[e.member.pk]
        before = audit.snapshot(p)
        p.grade, p.grade_note = e.grade, e.note.strip()[:500]
        p.disposition, p.follow_up, p.commended = e.disposition, e.follow_up.strip(), e.commended
        if e.disposition == D.CORRECT:
            deadline = e.correction_deadline or add_months(today, policy.correction_months)
            if deadline <= today:
                raise ValidationError({"grades": [f"“{e.member.name}”的限期改正期限应在今天之后。"]})
            p.correction_deadline = deadline
        else:
            p.correction_deadline, p.correction_outcome, p.correction_note = None, "", ""
        p.save()
        audit.record_update(actor=actor, instance=p, before=before, source=source)
    changed(review.branch)
    review.refresh_from_db()
    return grading_check(review)


@transaction.atomic
def record_correction_outcome(*, actor, review: MemberReview, member: Member, outcome: str, note: str, now: datetime,
                              source: str = "web") -> Participant:
    """How a 限期改正 ended (已改正, or not: then another disposition by the 支部大会 and the upper level)."""
    review = MemberReview.objects.select_related("branch").get(pk=review.pk)
    require_record(actor, review.branch)
    participant = _participant(review, member)
    if participant.disposition != D.CORRECT:
        raise conflict(f"“{member.name}”没有限期改正的处置。")
    if outcome not in (Participant.Outcome.CORRECTED, Participant.Outcome.NOT_CORRECTED):
        raise ValidationError({"outcome": "请选择限期改正的结果：已改正或未改正。"})
    if not note.strip():
        raise ValidationError({"note": "请说明处理情况（如支部大会决定和上级党组织意见）。"})
    before = audit.snapshot(participant)
    participant.correction_outcome, participant.correction_note = outcome, note.strip()[:300]
    participant.save(update_fields=["correction_outcome", "correction_note"])
    audit.record_update(actor=actor, instance=participant, before=before, source=source)
    changed(review.branch)
    return participant
