"""组织生活会 (支部条例 第十七条; domain-rules §3.1): 会前准备 → 会议 → 整改清单（公示）→ 报告上级.

The campaign completes when its meeting is held, its 整改清单 is published and the report is made: only
then does it count toward the branch's life_meeting rule (meetings.completions).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from branches.models import Organization
from branches.permissions import Perm, has_perm
from branches.policy import MissingPolicy
from core import audit
from core.dates import FIRST_RECORD_YEAR
from meetings import completions
from meetings import services as meeting_services
from meetings.models import Kind, Meeting
from members.models import Member
from reviews.files import check_upload
from reviews.models import Criticism, LifeMeeting, Material, Opinion, RectificationItem
from reviews.policy import campaign_policy, life_meeting_period
from reviews.selectors import life_meeting_checklist
from reviews.services.common import (
    changed,
    check_branch_member,
    check_linked_meeting,
    check_year_open,
    conflict,
    require_record,
    user_or_none,
)

S = LifeMeeting.Status
# Forms the meeting may also count as (支部条例 第十七条: 一般以党员大会、支委会或党小组会形式召开).
ALSO_KINDS = (Kind.BRANCH_ASSEMBLY, Kind.BRANCH_COMMITTEE, Kind.GROUP_MEETING, Kind.MEMBER_REVIEW, Kind.THEME_DAY)


def _locked(lm: LifeMeeting, *, for_update=True) -> LifeMeeting:
    qs = LifeMeeting.objects.select_related("branch", "meeting")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    lm = qs.get(pk=lm.pk)
    check_year_open(lm.branch, lm.period_start.year)
    return lm


def _save(actor, lm: LifeMeeting, before: dict | None, source: str) -> LifeMeeting:
    lm.full_clean(exclude=["branch", "meeting", "created_by"])
    lm.save()
    if before is None:
        audit.record_create(actor=actor, instance=lm, source=source)
    else:
        audit.record_update(actor=actor, instance=lm, before=before, source=source)
    changed(lm.branch)
    return lm


@transaction.atomic
def create_life_meeting(*, actor, branch: Organization, topic: str, now: datetime, upper_topic: str = "",
                        on: date | None = None, study_summary: str = "", study_on: date | None = None,
                        source: str = "web") -> LifeMeeting:
    """A campaign for the period containing `on` (default: today) under the branch's life_meeting rule."""
    require_record(actor, branch)
    errors = {}
    if on is not None and not FIRST_RECORD_YEAR <= on.year <= now.year + 1:
        errors["on"] = f"日期超出范围，应在 {FIRST_RECORD_YEAR} 至 {now.year + 1} 年之间。"
    if not branch.is_branch:
        errors["branch"] = f"“{branch.name}”不是党支部：组织生活会由党支部召开。"
    if not topic.strip():
        errors["topic"] = "请填写会议主题。"
    if errors:
        raise ValidationError(errors)
    period = life_meeting_period(branch, on or timezone.localdate(now))
    try:  # a date before any policy in force would leave a campaign no later page can evaluate
        campaign_policy(branch, at=period.start)
    except MissingPolicy:
        raise ValidationError({"on": "该日期没有适用的组织生活会规则（政策数据），请核对日期。"}) from None
    check_year_open(branch, period.start.year)
    if LifeMeeting.objects.filter(branch=branch, period_start=period.start).exists():
        raise conflict(f"{branch.name}{period.label}的组织生活会已经建立，请在原记录上继续。")
    lm = LifeMeeting(branch=branch, period=period.kind, period_start=period.start, period_end=period.last_day,
                     topic=topic.strip(), upper_topic=upper_topic.strip(), study_summary=study_summary.strip(),
                     study_on=study_on, created_by=user_or_none(actor), created_at=now)
    return _save(actor, lm, None, source)


PREPARATION_FIELDS = ("topic", "upper_topic", "study_on", "study_summary")
FOLLOW_UP_FIELDS = ("follow_up_on", "follow_up_note")


@transaction.atomic
def update_life_meeting(*, actor, life_meeting: LifeMeeting, now: datetime, source: str = "web", **values) -> LifeMeeting:
    """The topic, the upper level's topic and the study (until the meeting is held); the 回头看 (after)."""
    lm = _locked(life_meeting)
    require_record(actor, lm.branch)
    unknown = set(values) - set(PREPARATION_FIELDS) - set(FOLLOW_UP_FIELDS)
    if unknown:
        raise ValidationError(f"不能在此修改：{'、'.join(sorted(unknown))}。")
    if set(values) & {"topic", "upper_topic"} and lm.status != S.PREPARATION:
        raise conflict("会议已召开，主题不能再修改。")
    if set(values) & set(FOLLOW_UP_FIELDS):
        if lm.status not in (S.PUBLISHED, S.COMPLETED):
            raise conflict("整改清单公示后才能记录“回头看”。")
        day = values.get("follow_up_on") or lm.follow_up_on
        if day is not None and lm.published_on and day < lm.published_on:
            raise ValidationError({"follow_up_on": "回头看日期不能早于整改清单公示日期。"})
        if day is not None and day > timezone.localdate(now):
            raise ValidationError({"follow_up_on": "回头看日期不能在将来。"})
    before = audit.snapshot(lm)
    for name, value in values.items():
        setattr(lm, name, value.strip() if isinstance(value, str) else value)
    if not lm.topic:
        raise ValidationError({"topic": "请填写会议主题。"})
    return _save(actor, lm, before, source)


@transaction.atomic
def add_opinion(*, actor, life_meeting: LifeMeeting, source_kind: str, count: int, summary: str,
                source: str = "web") -> Opinion:
    lm = _locked(life_meeting)
    require_record(actor, lm.branch)
    if lm.status != S.PREPARATION:
        raise conflict("会议已召开，征求意见情况不能再增加。")
    errors = {}
    if source_kind not in Opinion.Source.values:
        errors["source"] = "请选择意见来源。"
    if count is None or count < 0:
        errors["count"] = "意见条数不能为负数。"
    if not summary.strip():
        errors["summary"] = "请概括主要意见。"
    if errors:
        raise ValidationError(errors)
    opinion = Opinion.objects.create(life_meeting=lm, source=source_kind, count=count, summary=summary.strip())
    audit.record_create(actor=actor, instance=opinion, source=source)
    changed(lm.branch)
    return opinion


@transaction.atomic
def delete_opinion(*, actor, opinion: Opinion, source: str = "web") -> None:
    lm = _locked(opinion.life_meeting)
    require_record(actor, lm.branch)
    if lm.status != S.PREPARATION:
        raise conflict("会议已召开，征求意见情况不能再删除。")
    audit.record_delete(actor=actor, instance=opinion, source=source)
    opinion.delete()
    changed(lm.branch)


def can_submit_material(user, life_meeting: LifeMeeting, member: Member) -> bool:
    own = getattr(user, "member", None)
    return (own is not None and own.pk == member.pk) or has_perm(user, Perm.RECORD, life_meeting.branch)


@transaction.atomic
def submit_material(*, actor, life_meeting: LifeMeeting, member: Member, now: datetime, kind: str = Material.Kind.CHECK,
                    text: str = "", upload=None, waived_reason: str = "", source: str = "web") -> Material:
    """A member's 对照检查材料/发言提纲 (text or a file, stored through Django's storage API), submitted by
    the member himself or by the branch; or why it is not submitted. Replaces an earlier one."""
    lm = _locked(life_meeting)
    if actor is not None and not can_submit_material(actor, lm, member):
        raise PermissionDenied("只能提交本人的对照检查材料；代为提交须由党支部办理。")
    if lm.status != S.PREPARATION:
        raise conflict("会议已召开，对照检查材料不能再提交或修改。")
    errors = {}
    check_branch_member(lm.branch, member, "member", "党员", errors)
    if kind not in Material.Kind.values:
        errors["kind"] = "请选择材料类型（对照检查材料或发言提纲）。"
    if not (text.strip() or upload or waived_reason.strip()):
        errors["text"] = "请填写材料内容或上传文件；不能提交的请说明原因。"
    if errors:
        raise ValidationError(errors)
    if upload is not None:
        check_upload(upload)
    existing = Material.objects.filter(life_meeting=lm, member=member).first()
    before = audit.snapshot(existing) if existing else None
    material = existing or Material(life_meeting=lm, member=member)
    if existing and existing.file and upload is not None:
        existing.file.delete(save=False)
    material.kind, material.text, material.waived_reason = kind, text.strip(), waived_reason.strip()[:200]
    material.submitted_at = now
    if upload is not None:
        material.filename = (upload.name or "")[-200:]
        material.file.save(upload.name, upload, save=False)  # the storage API: a random name under MEDIA_ROOT
    material.save()
    if before is None:
        audit.record_create(actor=actor, instance=material, source=source)
    else:
        audit.record_update(actor=actor, instance=material, before=before, source=source)
    changed(lm.branch)
    return material


@dataclass(frozen=True)
class CriticismEntry:
    speaker: Member
    content: str
    target: Member | None = None  # None: 自我批评


def _criticisms(lm: LifeMeeting, entries: list[CriticismEntry]) -> list[Criticism]:
    """批评与自我批评 in short form, the 书记's first (支部条例 第十七条: the 书记 reports first)."""
    errors = []
    for i, e in enumerate(entries, 1):
        for who, label in ((e.speaker, "发言人"), (e.target, "被批评人")):
            if who is not None and who.branch_id != lm.branch_id:
                errors.append(f"第{i}条：{label}“{who.name}”不是本支部党员。")
        if not e.content.strip():
            errors.append(f"第{i}条：请填写批评或自我批评的要点。")
    if errors:
        raise ValidationError({"criticisms": errors})
    ordered = sorted(enumerate(entries), key=lambda pair: (pair[1].speaker.party_post != Member.Post.SECRETARY, pair[0]))
    return [Criticism(life_meeting=lm, position=i, speaker=e.speaker,
                      target=None if e.target is None or e.target.pk == e.speaker.pk else e.target,
                      content=e.content.strip()[:300]) for i, (_n, e) in enumerate(ordered, 1)]


@transaction.atomic
def hold_life_meeting(*, actor, life_meeting: LifeMeeting, now: datetime, secretary_report: str,
                      criticisms: list[CriticismEntry], held_at: datetime | None = None, meeting: Meeting | None = None,
                      also_kinds: list[str] | None = None, attendance: dict | None = None, source: str = "web",
                      **meeting_fields) -> LifeMeeting:
    """Record the meeting itself: a meetings.Meeting of kind life_meeting (attendance as any meeting:
    everyone present unless marked), the 书记's report and the 批评与自我批评. `meeting` links one already
    recorded instead. Again on a held campaign: corrects the record (until the list is published)."""
    lm = _locked(life_meeting)
    require_record(actor, lm.branch)
    if lm.status not in (S.PREPARATION, S.HELD):
        raise conflict("整改清单已公示，会议记录不能再修改。")
    if lm.status == S.PREPARATION:
        checklist = life_meeting_checklist(lm, on=timezone.localdate(held_at or now))
        if not checklist.ready:
            raise conflict("会前准备尚未完成：" + "；".join(checklist.missing) + "。")
    errors = {}
    if not secretary_report.strip():
        errors["secretary_report"] = "请记录书记的报告及对照检查（书记首先发言）。"
    if not criticisms:
        errors["criticisms"] = "请记录批评与自我批评（至少一条）。"
    also = [k for k in (also_kinds or []) if k != Kind.LIFE_MEETING]
    if set(also) - set(ALSO_KINDS):
        errors["also_kinds"] = "组织生活会只能同时计为党员大会、支委会、党小组会、民主评议党员或主题党日。"
    if meeting is None and held_at is None:
        errors["held_at"] = "请填写会议召开时间。"
    if errors:
        raise ValidationError(errors)
    rows = _criticisms(lm, criticisms)
    if meeting is not None:
        _check_linked_meeting(lm, meeting)
    else:
        if timezone.localdate(held_at) < lm.period_start:
            raise ValidationError({"held_at": f"召开时间早于本次组织生活会所属期间（{lm.period_label}）。"})
        meeting = meeting_services.record_meeting(
            actor=actor, branch=lm.branch, kinds=[Kind.LIFE_MEETING, *also], held_at=held_at,
            topic=meeting_fields.pop("topic", None) or lm.topic, now=now, meeting=lm.meeting, attendance=attendance,
            source=source, **meeting_fields)
    before = audit.snapshot(lm)
    lm.meeting, lm.secretary_report, lm.status = meeting, secretary_report.strip(), S.HELD
    lm.criticisms.all().delete()
    Criticism.objects.bulk_create(rows)
    return _save(actor, lm, before, source)


def _check_linked_meeting(lm: LifeMeeting, meeting: Meeting) -> None:
    check_linked_meeting(meeting, branch=lm.branch, kind=Kind.LIFE_MEETING, start=lm.period_start, end=None,
                         period_label=f"{lm.period_label}组织生活会")
    other = LifeMeeting.objects.filter(meeting=meeting).exclude(pk=lm.pk).first()
    if other is not None:
        raise conflict(f"所选会议已是{other.period_label}组织生活会的会议记录。")


# --- 整改清单 ----------------------------------------------------------------------------------------

ITEM_FIELDS = ("problem", "measure", "owner", "deadline", "status", "completion_note", "completed_on")
R = RectificationItem.Status
# 未开始 → 进行中 → 已完成 → 已销号; 已完成 can go back to 进行中; 已销号 is final.
TRANSITIONS = {R.NOT_STARTED: {R.IN_PROGRESS, R.DONE}, R.IN_PROGRESS: {R.NOT_STARTED, R.DONE},
               R.DONE: {R.IN_PROGRESS, R.CLOSED}, R.CLOSED: set()}


def _validate_item(lm: LifeMeeting, item: RectificationItem, today: date) -> None:
    errors = {}
    if not item.problem.strip():
        errors["problem"] = "请填写存在的问题。"
    if not item.measure.strip():
        errors["measure"] = "请填写整改措施。"
    check_branch_member(lm.branch, item.owner, "owner", "责任人", errors)
    if item.deadline is None:
        errors["deadline"] = "请填写完成时限。"
    elif lm.meeting_id and item.deadline < timezone.localdate(lm.meeting.held_at):
        errors["deadline"] = "完成时限不能早于组织生活会召开日期。"
    if item.status in (R.DONE, R.CLOSED):
        if not item.completion_note.strip():
            errors["completion_note"] = "已完成或销号的事项须填写完成情况说明。"
        if item.completed_on is None:
            item.completed_on = today
        elif item.completed_on > today:
            errors["completed_on"] = "完成日期不能在将来。"
    else:
        item.completed_on = None
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_rectification(*, actor, life_meeting: LifeMeeting, problem: str, measure: str, deadline: date, now: datetime,
                      owner: Member | None = None, status: str = R.NOT_STARTED, completion_note: str = "",
                      source: str = "web") -> RectificationItem:
    """会后制定整改措施 (支部条例 第十七条): after the meeting; items added after the list was published are
    published the next time it is."""
    lm = _locked(life_meeting)
    require_record(actor, lm.branch)
    if lm.status == S.PREPARATION:
        raise conflict("组织生活会召开后才能制定整改清单。")
    if status not in R.values:
        raise ValidationError({"status": "整改状态无效。"})
    position = (lm.rectifications.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    item = RectificationItem(life_meeting=lm, branch=lm.branch, position=position, problem=problem.strip(),
                             measure=measure.strip(), owner=owner, deadline=deadline, status=status,
                             completion_note=completion_note.strip(), created_at=now)
    _validate_item(lm, item, timezone.localdate(now))
    item.save()
    audit.record_create(actor=actor, instance=item, source=source)
    changed(lm.branch)
    return item


@transaction.atomic
def update_rectification(*, actor, item: RectificationItem, now: datetime, source: str = "web",
                         **values) -> RectificationItem:
    item = RectificationItem.objects.select_for_update().get(pk=item.pk)
    lm = _locked(item.life_meeting)
    require_record(actor, lm.branch)
    unknown = set(values) - set(ITEM_FIELDS)
    if unknown:
        raise ValidationError(f"不能修改：{'、'.join(sorted(unknown))}。")
    new_status = values.get("status", item.status)
    if new_status not in R.values:
        raise ValidationError({"status": "整改状态无效。"})
    if new_status != item.status and new_status not in TRANSITIONS[item.status]:
        raise conflict(f"整改状态不能从“{item.get_status_display()}”改为“{R(new_status).label}”"
                       "（已销号的事项不能再修改；销号前须先完成）。")
    if item.status == R.CLOSED and values:
        raise conflict("已销号的整改事项不能再修改。")
    before = audit.snapshot(item)
    for name, value in values.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    _validate_item(lm, item, timezone.localdate(now))
    item.save()
    audit.record_update(actor=actor, instance=item, before=before, source=source)
    changed(lm.branch)
    return item


@transaction.atomic
def delete_rectification(*, actor, item: RectificationItem, source: str = "web") -> None:
    lm = _locked(item.life_meeting)
    require_record(actor, lm.branch)
    if item.published_on is not None:
        raise conflict("已公示的整改事项不能删除：请如实记录整改情况，完成后销号。")
    audit.record_delete(actor=actor, instance=item, source=source)
    item.delete()
    changed(lm.branch)


@transaction.atomic
def publish_rectifications(*, actor, life_meeting: LifeMeeting, published_on: date, now: datetime,
                           source: str = "web") -> LifeMeeting:
    """公示 the 整改清单 ("在一定范围公示"): every item not yet published gets the date."""
    lm = _locked(life_meeting)
    require_record(actor, lm.branch)
    if lm.status == S.PREPARATION:
        raise conflict("组织生活会召开并制定整改清单后才能公示。")
    unpublished = lm.rectifications.filter(published_on__isnull=True)
    if not lm.rectifications.exists():
        raise conflict("整改清单还没有事项，不能公示。")
    if not unpublished.exists():
        raise conflict("整改清单的全部事项都已公示。")
    if published_on > timezone.localdate(now):
        raise ValidationError({"published_on": "公示日期不能在将来。"})
    if published_on < timezone.localdate(lm.meeting.held_at):
        raise ValidationError({"published_on": "公示日期不能早于组织生活会召开日期。"})
    for item in unpublished:
        before = audit.snapshot(item)
        item.published_on = published_on
        item.save(update_fields=["published_on"])
        audit.record_update(actor=actor, instance=item, before=before, source=source)
    before = audit.snapshot(lm)
    lm.published_on = lm.published_on or published_on
    if lm.status == S.HELD:
        lm.status = S.PUBLISHED
    return _save(actor, lm, before, source)


# --- report and completion -----------------------------------------------------------------------------


def completion_source(lm: LifeMeeting) -> str:
    return f"reviews.lifemeeting:{lm.pk}"


def _counts_on(lm: LifeMeeting) -> date:
    """The day it counts on: the meeting's, within the campaign's own period (a year's meeting held in
    January of the next still counts for its year, its lateness shown by the completion time)."""
    held = timezone.localdate(lm.meeting.held_at)
    return min(max(held, lm.period_start), lm.period_end)


@transaction.atomic
def submit_report(*, actor, life_meeting: LifeMeeting, report_summary: str, report_problems: str, reported_on: date,
                  now: datetime, source: str = "web") -> LifeMeeting:
    """The report to the upper level (summary, problems, the 整改清单): completes the campaign, which then
    counts toward the life_meeting rule."""
    lm = _locked(life_meeting)
    require_record(actor, lm.branch)
    if lm.status == S.COMPLETED:
        raise conflict("已报告上级；如需更正请先撤回完成状态。")
    if lm.status != S.PUBLISHED:
        raise conflict("整改清单公示后才能向上级报告。")
    errors = {}
    if not report_summary.strip():
        errors["report_summary"] = "请填写会议总体情况。"
    if not report_problems.strip():
        errors["report_problems"] = "请填写查摆的主要问题。"
    if reported_on is None or reported_on > timezone.localdate(now):
        errors["reported_on"] = "报告日期不能为空，也不能在将来。"
    elif reported_on < timezone.localdate(lm.meeting.held_at):
        errors["reported_on"] = "报告日期不能早于会议召开日期。"
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(lm)
    lm.report_summary, lm.report_problems, lm.reported_on = report_summary.strip(), report_problems.strip(), reported_on
    lm.status, lm.completed_at = S.COMPLETED, now
    completions.record_completion(source=completion_source(lm), completion=completions.Completion(
        branch_id=lm.branch_id, kind=Kind.LIFE_MEETING, counts_on=_counts_on(lm), completed_at=now))
    return _save(actor, lm, before, source)


@transaction.atomic
def reopen_life_meeting(*, actor, life_meeting: LifeMeeting, now: datetime, source: str = "web") -> LifeMeeting:
    """Take back a completed campaign (a mistaken report): it no longer counts until reported again."""
    lm = _locked(life_meeting)
    require_record(actor, lm.branch)
    if lm.status != S.COMPLETED:
        raise conflict("只有已完成的组织生活会可以撤回完成状态。")
    before = audit.snapshot(lm)
    lm.status, lm.completed_at = S.PUBLISHED, None
    completions.withdraw_completion(source=completion_source(lm))
    return _save(actor, lm, before, source)
