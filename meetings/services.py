"""Write-side services for meetings, attendance, leave requests, exemptions and year locks.

Views, the API, imports and tasks all call these; each validates, saves and audits in one
transaction and raises ValidationError with Chinese messages (code "conflict" for a 409).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from branches.models import Organization, PartyGroup
from branches.permissions import Perm, has_perm
from core import audit
from core.dates import FIRST_RECORD_YEAR
from core.signals import announce_branch_change, announce_leave
from meetings.attendance import meeting_quorums
from meetings.models import (
    Attendance,
    Exemption,
    Kind,
    LeaveRequest,
    LockedYear,
    Meeting,
    MeetingKind,
    ResolutionItem,
)
from meetings.periods import local_midnight
from meetings.selectors import exempt_in_quorum, meeting_expected, vote_snapshot
from meetings.timeliness import entry_deadline, is_late_entry
from members.models import Member


@dataclass(frozen=True)
class Mark:
    """How one expected member attended (anything not given defaults to present, or leave if approved)."""

    status: str = Attendance.Status.PRESENT
    reason: str = ""
    late: bool = False
    left_early: bool = False


@dataclass(frozen=True)
class Vote:
    """One resolution put to the vote and its tally, as entered (meetings.ResolutionItem once saved)."""

    text: str
    votes_for: int
    votes_against: int = 0
    votes_abstain: int = 0


VOTING_KINDS = (Kind.BRANCH_ASSEMBLY, Kind.BRANCH_COMMITTEE)


# What a meeting record holds besides its branch, kinds, attendance and status: the one list the
# form, the API and the record service share.
MEETING_FIELDS = ("held_at", "ended_at", "party_group", "place", "topic", "host", "recorder", "lecturer", "minutes",
                  "resolutions", "guests")


def check_not_locked(branch: Organization, year: int) -> None:
    if LockedYear.objects.filter(branch=branch, year=year).exists():
        raise ValidationError(f"{branch.name}{year}年度的记录已由上级党组织锁定，不能新增或修改。", code="conflict")


def _validate_meeting(*, branch, kinds, held_at, ended_at, party_group, host, recorder, now, held: bool) -> None:
    errors = {}
    if not branch.is_branch:
        errors["branch"] = f"“{branch.name}”不是党支部，会议只能记在党支部名下。"
    if not kinds:
        errors["kinds"] = "请至少选择一种会议类型。"
    elif not set(kinds) <= set(Kind.values):
        errors["kinds"] = f"未知的会议类型：{'、'.join(sorted(set(kinds) - set(Kind.values)))}。"
    if held_at.year < FIRST_RECORD_YEAR:  # year 1 was accepted (issue 11, point 8)
        errors["held_at"] = f"会议时间早于{FIRST_RECORD_YEAR}年，请核对日期。"
    elif held and held_at > now:
        errors["held_at"] = "会议开始时间在将来：尚未召开的会议请先“计划会议”，召开后再记录。"
    if not held and held_at <= now:
        errors["held_at"] = "计划会议的时间应在将来；已召开的会议请直接记录。"
    if ended_at is not None and ended_at <= held_at:
        errors["ended_at"] = "结束时间必须晚于开始时间。"
    if Kind.GROUP_MEETING in kinds and party_group is None:
        errors["party_group"] = "党小组会须选择党小组。"
    if party_group is not None and party_group.branch_id != branch.pk:
        errors["party_group"] = f"党小组“{party_group.name}”不属于“{branch.name}”。"
    for field, person, label in (("host", host, "主持人"), ("recorder", recorder, "记录人")):
        if person is not None and person.branch_id != branch.pk:
            errors[field] = f"{label}须为本支部党员。"
    if errors:
        raise ValidationError(errors)


def check_meeting(*, branch: Organization, data: dict, now: datetime) -> None:
    """The checks `record_meeting` makes on a meeting's fields, without saving: the form asks them before
    it asks to confirm a 补记 (a mistake is shown first, not after the confirmation)."""
    _validate_meeting(branch=branch, kinds=data["kinds"], held_at=data["held_at"], ended_at=data.get("ended_at"),
                      party_group=data.get("party_group"), host=data.get("host"), recorder=data.get("recorder"),
                      now=now, held=True)


def late_entry_reason(branch: Organization, kinds, held_at: datetime, now: datetime,
                      party_group: PartyGroup | None = None) -> str:
    """Why a record entered `now` would be marked 补记 ("" when it would not): the form warns with it
    before saving. The decision is `meetings.timeliness`'s; this only says when the record was due."""
    deadline = entry_deadline(branch=branch, kinds=kinds, held_at=held_at, party_group=party_group)
    if now < deadline:
        return ""
    day, last = timezone.localdate(held_at), timezone.localtime(deadline).date() - timedelta(days=1)
    return (f"会议于{day:%Y年%-m月%-d日}召开，按适用于本支部的规则，记录应在{last:%Y年%-m月%-d日}结束前录入"
            "（所计入期间的最后一天与会后补记期的最后一天，以较晚者为准）。现在保存将标记为补记，"
            "记录中同时保留召开时间和录入时间，并在记录册中注明。")


def approved_leave_on(branch: Organization, day) -> dict[int, Mark]:
    """Leave approved for any meeting of the branch held on `day`, planned or recorded: the form pre-ticks
    it as 请假 for a meeting logged that day (a member excused from the day's meeting is excused from it)."""
    start = local_midnight(day)
    return {member_id: Mark(Attendance.Status.LEAVE, reason) for member_id, reason in LeaveRequest.objects.filter(
        meeting__branch=branch, meeting__held_at__gte=start, meeting__held_at__lt=start + timedelta(days=1),
        status=LeaveRequest.Status.APPROVED).values_list("member_id", "reason")}


def approved_leave_marks(meeting: Meeting) -> dict[int, Mark]:
    """An approved leave fills attendance as 请假 with its reason."""
    return {member_id: Mark(Attendance.Status.LEAVE, reason) for member_id, reason in
            meeting.leave_requests.filter(status=LeaveRequest.Status.APPROVED).values_list("member_id", "reason")}


def recorded_marks(meeting: Meeting) -> dict[int, Mark]:
    """Where a meeting's attendance stands: what was recorded, and approved leave for anyone not yet
    recorded. Anyone missing from the result is present by default."""
    recorded = {row.member_id: Mark(row.status, row.reason, row.late, row.left_early) for row in meeting.attendance.all()}
    return {**approved_leave_marks(meeting), **recorded}


def _write_attendance(meeting: Meeting, marks: dict[int, Mark] | None) -> None:
    """Rewrite attendance for the expected roster. `marks` None keeps what was recorded before (a
    correction that does not touch attendance), for those still expected."""
    day = timezone.localdate(meeting.held_at)
    expected = list(meeting_expected(meeting))
    expected_ids = {m.pk for m in expected}
    defaults = recorded_marks(meeting) if marks is None else approved_leave_marks(meeting)
    marks = marks or {}
    strangers = set(marks) - expected_ids
    if strangers:
        # Only the branch's own members are named: a stranger from another branch is an id, never a name.
        own = dict(Member.objects.filter(pk__in=strangers, memberships__branch=meeting.branch)
                   .values_list("pk", "name").distinct())
        names = "、".join(own.get(pk) or f"编号{pk}" for pk in sorted(strangers))
        raise ValidationError({"attendance": f"以下人员不在本次会议的应到名单中：{names}。"})
    rows = []
    for member in expected:
        mark = marks.get(member.pk) or defaults.get(member.pk) or Mark()
        if mark.status not in Attendance.Status.values:
            raise ValidationError({"attendance": f"{member.name}的出席情况“{mark.status}”无效（应为出席、请假或缺席）。"})
        category, has_vote = vote_snapshot(member, day)
        rows.append(Attendance(meeting=meeting, member=member, status=mark.status, reason=mark.reason[:200],
                               late=mark.late, left_early=mark.left_early, category=category, has_vote=has_vote,
                               committee=member.is_committee_member))
    meeting.attendance.all().delete()
    Attendance.objects.bulk_create(rows)
    voters, committee = exempt_in_quorum(branch=meeting.branch, on=day, kinds=meeting.kind_values)
    if (voters, committee) != (meeting.exempt_voters, meeting.exempt_committee):
        meeting.exempt_voters, meeting.exempt_committee = voters, committee
        meeting.save(update_fields=["exempt_voters", "exempt_committee"])


def _write_votes(meeting: Meeting, votes: list[Vote], *, confirm_without_quorum: bool) -> None:
    """Replace the meeting's resolution items. The base is the quorum of the body that decides: the
    党员大会's 应到会有表决权的党员 when the meeting is one, else the 支委会's 委员 (§2.2)."""
    kinds = set(meeting.kind_values)
    if votes and not kinds & set(VOTING_KINDS):
        raise ValidationError({"resolution_items": "只有支部党员大会或支委会的记录可以包含表决事项。"})
    meeting.resolution_items.all().delete()
    if not votes:
        return
    by_kind = {q.kind: q for q in meeting_quorums(meeting)}
    quorum = by_kind.get(Kind.BRANCH_ASSEMBLY) or by_kind[Kind.BRANCH_COMMITTEE]
    errors = []
    for number, vote in enumerate(votes, 1):
        counts = (vote.votes_for, vote.votes_against, vote.votes_abstain)
        if not vote.text.strip():
            errors.append(f"第{number}项：请填写表决事项。")
        elif any(n < 0 for n in counts):
            errors.append(f"第{number}项“{vote.text.strip()}”：票数不能为负数。")
        elif sum(counts) > quorum.expected:
            errors.append(f"第{number}项“{vote.text.strip()}”：赞成、反对、弃权合计{sum(counts)}票，"
                          f"超过应到会有表决权的{quorum.expected}人。")
    if errors:
        raise ValidationError({"resolution_items": errors})
    if not quorum.met and not confirm_without_quorum:
        raise ValidationError({"confirm_without_quorum": (
            f"{quorum.explanation}表决须有半数以上有表决权的人员到会方可进行。如确需按实际情况保存本次表决，"
            "请勾选“确认未达法定人数仍保存表决”，记录将标注“未达法定人数”。")})
    ResolutionItem.objects.bulk_create([
        ResolutionItem(meeting=meeting, position=number, text=vote.text.strip()[:300], votes_for=vote.votes_for,
                       votes_against=vote.votes_against, votes_abstain=vote.votes_abstain, base=quorum.expected,
                       without_quorum=not quorum.met) for number, vote in enumerate(votes, 1)])


def audit_state(meeting: Meeting) -> dict:
    """A meeting for the audit trail: its row, its kinds, and one key per attendance row, so changing only
    the kinds or one person's attendance is an audited change that names just that (issue 11, point 5)."""
    state = audit.snapshot(meeting)
    state["kinds"] = ",".join(sorted(meeting.kinds.values_list("kind", flat=True)))
    for member_id, status, reason, late, left_early in meeting.attendance.values_list(
            "member_id", "status", "reason", "late", "left_early"):
        flags = "".join(flag for flag, on in (("迟到", late), ("早退", left_early)) if on)
        state[f"attendance.{member_id}"] = "|".join(part for part in (status, reason, flags) if part)
    for position, text, votes_for, against, abstain, without_quorum in meeting.resolution_items.values_list(
            "position", "text", "votes_for", "votes_against", "votes_abstain", "without_quorum"):
        state[f"vote.{position}"] = f"{text}|赞成{votes_for}|反对{against}|弃权{abstain}" + ("|未达法定人数" if without_quorum else "")
    return state


def _save_kinds(meeting: Meeting, kinds) -> None:
    meeting.kinds.all().delete()
    MeetingKind.objects.bulk_create([MeetingKind(meeting=meeting, kind=k) for k in sorted(set(kinds))])


@transaction.atomic
def record_meeting(*, actor, branch: Organization, kinds: list[str], held_at: datetime, topic: str, now: datetime,
                   ended_at: datetime | None = None, party_group: PartyGroup | None = None, place: str = "",
                   host: Member | None = None, recorder: Member | None = None, lecturer: str = "", minutes: str = "",
                   resolutions: str = "", guests: str = "", attendance: dict[int, Mark] | None = None,
                   votes: list[Vote] | None = None, confirm_without_quorum: bool = False,
                   meeting: Meeting | None = None, source: str = "web") -> Meeting:
    """Record a held meeting with its attendance (new, or completing a planned one, or correcting one).

    `attendance` maps member ids to marks for the exceptions; everyone else expected is present (or on
    leave when approved). None on an existing meeting keeps its recorded attendance. `votes` are the
    resolutions put to the vote (None keeps those recorded); a vote without quorum is refused unless
    `confirm_without_quorum`, and then marked.
    """
    _validate_meeting(branch=branch, kinds=kinds, held_at=held_at, ended_at=ended_at, party_group=party_group,
                      host=host, recorder=recorder, now=now, held=True)
    check_not_locked(branch, timezone.localdate(held_at).year)
    if meeting is not None:
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.branch_id != branch.pk:
            raise ValidationError({"branch": "会议不能改记到其他党支部。"})
        check_not_locked(branch, timezone.localdate(meeting.held_at).year)
        before = audit_state(meeting)
        before_held = meeting.held_at  # a corrected date moves the meeting out of its old year's counts
    else:
        meeting, before = Meeting(branch=branch, recorded_at=now, recorded_by=actor if getattr(actor, "pk", None) else None), None
        before_held = None
    if meeting.status == Meeting.Status.PLANNED:
        meeting.recorded_at = now  # recorded now, whenever it was planned
        meeting.recorded_by = actor if getattr(actor, "pk", None) else None
    values = dict(held_at=held_at, ended_at=ended_at, party_group=party_group, place=place, topic=topic, host=host,
                  recorder=recorder, lecturer=lecturer, minutes=minutes, resolutions=resolutions, guests=guests)
    for name in MEETING_FIELDS:
        setattr(meeting, name, values[name])
    meeting.status = Meeting.Status.HELD
    meeting.late_entry = is_late_entry(branch=branch, kinds=kinds, held_at=held_at, recorded_at=meeting.recorded_at,
                                       party_group=party_group)
    meeting.full_clean(exclude=["recorded_by", "host", "recorder", "party_group", "branch"])
    meeting.save()
    _save_kinds(meeting, kinds)
    _write_attendance(meeting, attendance)
    if votes is None and before is not None:
        # Kept items are re-checked against the attendance now recorded (their base is a snapshot); a vote
        # already confirmed without quorum stays confirmed.
        kept = list(meeting.resolution_items.all())
        if kept and not set(kinds) & set(VOTING_KINDS):
            meeting.resolution_items.all().delete()  # no longer a meeting that votes
        elif kept:
            votes = [Vote(i.text, i.votes_for, i.votes_against, i.votes_abstain) for i in kept]
            confirm_without_quorum = confirm_without_quorum or any(i.without_quorum for i in kept)
    if votes is not None:
        _write_votes(meeting, votes, confirm_without_quorum=confirm_without_quorum)
    after = audit_state(meeting)
    if before is None:
        audit.record_create(actor=actor, instance=meeting, source=source, state=after)
    else:
        # attendance rows dropped from the roster appear as [old, None]
        after.update({key: None for key in before if key.startswith(("attendance.", "vote.")) and key not in after})
        audit.record_update(actor=actor, instance=meeting, before=before, source=source, after=after)
    announce_branch_change([branch.pk], years={timezone.localdate(held_at).year} | (
        {timezone.localdate(before_held).year} if before_held else set()))
    return meeting


@transaction.atomic
def plan_meeting(*, actor, branch: Organization, kinds: list[str], held_at: datetime, topic: str, now: datetime,
                 party_group: PartyGroup | None = None, place: str = "", source: str = "web") -> Meeting:
    """A meeting announced ahead: members can ask for leave and it shows in the calendar feed."""
    _validate_meeting(branch=branch, kinds=kinds, held_at=held_at, ended_at=None, party_group=party_group,
                      host=None, recorder=None, now=now, held=False)
    check_not_locked(branch, timezone.localdate(held_at).year)
    meeting = Meeting.objects.create(branch=branch, status=Meeting.Status.PLANNED, held_at=held_at, topic=topic,
                                     place=place, party_group=party_group, recorded_at=now,
                                     recorded_by=actor if getattr(actor, "pk", None) else None)
    _save_kinds(meeting, kinds)
    audit.record_create(actor=actor, instance=meeting, source=source)
    return meeting


def is_own_leave(user, leave: LeaveRequest) -> bool:
    return getattr(user, "pk", None) is not None and leave.member.user_id == user.pk


def can_decide_leave(user, leave: LeaveRequest) -> bool:
    """The branch secretary side decides; a 党小组长 decides for his own group's 党小组会. Nobody decides
    his own request: a secretary's goes to the deputy, the 组织委员 or the upper level (issue 11, point 9)."""
    meeting = leave.meeting
    if is_own_leave(user, leave):
        return False
    if has_perm(user, Perm.RECORD, meeting.branch):
        return True
    group = meeting.party_group
    return (group is not None and group.leader is not None and group.leader.user_id == user.pk
            and set(meeting.kind_values) == {Kind.GROUP_MEETING} and has_perm(user, Perm.APPROVE_GROUP_LEAVE, meeting.branch))


@transaction.atomic
def request_leave(*, actor, member: Member, meeting: Meeting, reason: str, now: datetime,
                  source: str = "web") -> LeaveRequest:
    if member.user_id is None or member.user_id != getattr(actor, "pk", None):
        raise PermissionDenied("只能为本人请假。")
    errors = {}
    if not reason.strip():
        errors["reason"] = "请填写请假事由。"
    if meeting.status != Meeting.Status.PLANNED or meeting.held_at <= now:
        errors["meeting"] = "只能为尚未召开的会议请假。"
    elif not meeting_expected(meeting).filter(pk=member.pk).exists():
        errors["meeting"] = "您不在该会议的应到名单中，无需请假。"
    elif LeaveRequest.objects.filter(member=member, meeting=meeting, status__in=LeaveRequest.OPEN_STATUSES).exists():
        errors["meeting"] = "您已为该会议提交过请假申请。"
    if errors:
        raise ValidationError(errors)
    leave = LeaveRequest.objects.create(member=member, meeting=meeting, reason=reason.strip(), requested_at=now)
    audit.record_create(actor=actor, instance=leave, source=source)
    announce_leave(leave.pk, event="requested", now=now)
    return leave


@transaction.atomic
def decide_leave(*, actor, leave: LeaveRequest, approve: bool, now: datetime, note: str = "",
                 source: str = "web") -> LeaveRequest:
    leave = (LeaveRequest.objects.select_for_update(of=("self",))
             .select_related("meeting__branch", "meeting__party_group__leader").get(pk=leave.pk))
    if is_own_leave(actor, leave):
        raise PermissionDenied("不能审批本人的请假申请，请由副书记、组织委员或上级党组织审批。")
    if not can_decide_leave(actor, leave):
        raise PermissionDenied("只有党支部书记（或党小组会的党小组长）可以审批请假。")
    if leave.status != LeaveRequest.Status.PENDING:
        raise ValidationError(f"该请假申请已处理（{leave.get_status_display()}），不能重复审批。", code="conflict")
    check_not_locked(leave.meeting.branch, timezone.localdate(leave.meeting.held_at).year)
    before = audit.snapshot(leave)
    leave.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.REJECTED
    leave.decided_by, leave.decided_at, leave.decision_note = actor, now, note[:200]
    leave.save()
    if approve:  # a meeting already recorded: the approved leave fills its attendance, audited on the meeting
        meeting_before = audit_state(leave.meeting)
        Attendance.objects.filter(meeting=leave.meeting, member=leave.member).update(
            status=Attendance.Status.LEAVE, reason=leave.reason[:200])
        audit.record_update(actor=actor, instance=leave.meeting, before=meeting_before, source=source,
                            after=audit_state(leave.meeting))
        announce_branch_change([leave.meeting.branch_id], years={timezone.localdate(leave.meeting.held_at).year})
    audit.record_update(actor=actor, instance=leave, before=before, source=source)
    announce_leave(leave.pk, event="decided", now=now)
    return leave


@transaction.atomic
def cancel_leave(*, actor, leave: LeaveRequest, now: datetime, source: str = "web") -> LeaveRequest:
    leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
    if leave.member.user_id != getattr(actor, "pk", None):
        raise PermissionDenied("只能撤回本人的请假申请。")
    if leave.status not in (LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED) or leave.meeting.held_at <= now:
        raise ValidationError("会议已召开或申请已处理完毕，不能撤回。", code="conflict")
    before = audit.snapshot(leave)
    leave.status = LeaveRequest.Status.CANCELLED
    leave.save(update_fields=["status"])
    audit.record_update(actor=actor, instance=leave, before=before, source=source)
    return leave


@transaction.atomic
def request_exemption(*, actor, branch: Organization, reason: str, starts_on: date, ends_on: date,
                      member: Member | None = None, detail: str = "", now: datetime | None = None,
                      upper_consent_on: date | None = None, upper_consent_ref: str = "",
                      source: str = "web") -> Exemption:
    """暂不参加组织生活 for a member or the whole branch. A member's exemption is the branch's own decision:
    registered by someone who may decide it, it is approved at once; a branch's waits for the upper level."""
    errors = {}
    if ends_on < starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期。"
    if reason == Exemption.Reason.OTHER and not detail.strip():
        errors["detail"] = "原因为“其他”时须填写说明。"
    if member is not None and member.branch_id != branch.pk:
        errors["member"] = "该党员不属于本支部。"
    if upper_consent_on is not None and member is None:
        errors["upper_consent_on"] = "上级同意不计入表决基数只适用于党员个人，不适用于整个党支部。"
    elif upper_consent_on is not None and not upper_consent_ref.strip():
        errors["upper_consent_ref"] = "请填写上级党组织同意的文号或说明。"
    if errors:
        raise ValidationError(errors)
    exemption = Exemption(branch=branch, member=member, reason=reason, detail=detail.strip(), starts_on=starts_on,
                          ends_on=ends_on, requested_by=actor if getattr(actor, "pk", None) else None,
                          upper_consent_on=upper_consent_on, upper_consent_ref=upper_consent_ref.strip())
    exemption.full_clean(exclude=["requested_by", "decided_by"])
    exemption.save()
    audit.record_create(actor=actor, instance=exemption, source=source)
    if member is not None and actor is not None and can_decide_exemption(actor, exemption):
        exemption = decide_exemption(actor=actor, exemption=exemption, approve=True, now=now or timezone.now(),
                                     source=source)
    return exemption


def can_decide_exemption(user, exemption: Exemption) -> bool:
    """A member's exemption is the branch's decision; a whole branch's is the upper level's."""
    if exemption.member_id is not None:
        return has_perm(user, Perm.RECORD, exemption.branch)
    return has_perm(user, Perm.INSPECT, exemption.branch)


@transaction.atomic
def decide_exemption(*, actor, exemption: Exemption, approve: bool, now: datetime, source: str = "web") -> Exemption:
    exemption = Exemption.objects.select_for_update().get(pk=exemption.pk)
    if not can_decide_exemption(actor, exemption):
        raise PermissionDenied("党员暂不参加组织生活由党支部审批；整个党支部的由上级党组织审批。")
    if exemption.status != Exemption.Status.PENDING:
        raise ValidationError(f"该申请已处理（{exemption.get_status_display()}）。", code="conflict")
    before = audit.snapshot(exemption)
    exemption.status = Exemption.Status.APPROVED if approve else Exemption.Status.REJECTED
    exemption.decided_by, exemption.decided_at = actor, now
    exemption.save()
    audit.record_update(actor=actor, instance=exemption, before=before, source=source)
    if approve:
        announce_branch_change([exemption.branch_id], years=range(exemption.starts_on.year, exemption.ends_on.year + 1))
    return exemption


@transaction.atomic
def record_vote_consent(*, actor, exemption: Exemption, consent_on: date, reference: str, now: datetime,
                        source: str = "web") -> Exemption:
    """Record the upper level's consent to leave an exempted member out of 应到会有表决权的党员 (§2.2 "who may
    be left out": 经上级党组织同意). Meetings recorded from `consent_on` on use it; recorded ones keep their
    snapshot until re-saved. Whether the exemption's category may be left out at all is policy data
    (meetings.selectors.leaves_vote_base): the consent is kept either way, and the page says which."""
    exemption = Exemption.objects.select_for_update().get(pk=exemption.pk)
    if not has_perm(actor, Perm.RECORD, exemption.branch):
        raise PermissionDenied("只有党支部书记、副书记或组织委员可以登记上级党组织的意见。")
    errors = {}
    if exemption.member_id is None:
        errors["consent_on"] = "上级同意不计入表决基数只适用于党员个人，不适用于整个党支部。"
    elif exemption.status != Exemption.Status.APPROVED:
        errors["consent_on"] = "请先批准该暂不参加组织生活申请。"
    if consent_on > timezone.localdate(now):
        errors["consent_on"] = "同意日期不能晚于今天。"
    if not reference.strip():
        errors["reference"] = "请填写上级党组织同意的文号或说明。"
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(exemption)
    exemption.upper_consent_on, exemption.upper_consent_ref = consent_on, reference.strip()[:200]
    exemption.save(update_fields=["upper_consent_on", "upper_consent_ref"])
    audit.record_update(actor=actor, instance=exemption, before=before, source=source)
    return exemption


@transaction.atomic
def lock_year(*, actor, branch: Organization, year: int, now: datetime, source: str = "web") -> LockedYear:
    if not has_perm(actor, Perm.INSPECT, branch):
        raise PermissionDenied("只有上级党组织可以锁定年度记录。")
    lock, created = LockedYear.objects.get_or_create(branch=branch, year=year, defaults={"locked_by": actor, "locked_at": now})
    if created:
        audit.record_create(actor=actor, instance=lock, source=source)
    return lock
