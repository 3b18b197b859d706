"""谈心谈话 (支部条例 第十九条) and their yearly coverage, which the compliance engine counts as the
heart_talks rule through a completion row (meetings.completions): written when the year's coverage is
reached, withdrawn when it is lost (a new member, a new 支委, a deleted record)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from branches.models import Organization
from branches.permissions import Perm, has_perm
from core import audit
from core.signals import announce_branch_change
from meetings import completions
from meetings.models import QuotaRule
from meetings.periods import local_midnight
from members.models import Member
from members.selectors import memberships_on
from reviews.models import Talk
from reviews.selectors import talk_coverage_for
from reviews.services.common import changed, check_year_open, user_or_none


@dataclass(frozen=True)
class TalkEntry:
    counterpart: Member
    content: str
    suggestions: str = ""
    held_on: date | None = None  # default: the batch's date
    place: str | None = None  # default: the batch's place


def can_record_talks(user, branch: Organization, talker: Member) -> bool:
    """The branch (书记, 组织委员…) records anyone's talks; a 支委 (or any member) records his own."""
    own = getattr(user, "member", None)
    return has_perm(user, Perm.RECORD, branch) or (own is not None and own.pk == talker.pk and own.branch_id == branch.pk)


def _in_branch(branch: Organization, member: Member, day: date) -> bool:
    return member.branch_id == branch.pk or memberships_on(branch, day).filter(member=member).exists()


@transaction.atomic
def record_talks(*, actor, branch: Organization, talker: Member, entries: list[TalkEntry], held_on: date,
                 now: datetime, place: str = "", source: str = "web") -> list[Talk]:
    """One talker's talks, several at once (a 支委 logs the talks of a day or a week in one go)."""
    if actor is not None and not can_record_talks(actor, branch, talker):
        raise PermissionDenied("只能记录本人参加的谈心谈话；代为录入须由党支部办理。")
    today = timezone.localdate(now)
    errors: dict[str, list[str]] = {}
    if not branch.is_branch:
        errors.setdefault("branch", []).append(f"“{branch.name}”不是党支部。")
    if not entries:
        errors.setdefault("entries", []).append("请至少填写一位谈话对象。")
    seen = set()
    for i, e in enumerate(entries, 1):
        day = e.held_on or held_on
        if day is None or day > today:
            errors.setdefault("held_on", []).append(f"第{i}条：谈话日期不能为空，也不能在将来。")
            continue
        if not _in_branch(branch, talker, day):
            errors.setdefault("talker", []).append(f"谈话人“{talker.name}”在{day:%Y年%m月%d日}不是本支部党员。")
        if e.counterpart.pk == talker.pk:
            errors.setdefault("entries", []).append(f"第{i}条：谈话对象不能是谈话人本人。")
        elif not _in_branch(branch, e.counterpart, day):
            errors.setdefault("entries", []).append(f"第{i}条：“{e.counterpart.name}”在{day:%Y年%m月%d日}不是本支部党员。")
        if (e.counterpart.pk, day) in seen:
            errors.setdefault("entries", []).append(f"第{i}条：与“{e.counterpart.name}”同一天的谈话重复填写。")
        seen.add((e.counterpart.pk, day))
        if not e.content.strip():
            errors.setdefault("entries", []).append(f"第{i}条：请填写谈话的主要内容。")
    if errors:
        raise ValidationError({k: sorted(set(v), key=v.index) for k, v in errors.items()})
    years = {(e.held_on or held_on).year for e in entries}
    for year in years:
        check_year_open(branch, year)
    talks = [Talk(branch=branch, talker=talker, counterpart=e.counterpart, held_on=e.held_on or held_on,
                  place=(e.place if e.place is not None else place).strip()[:100], content=e.content.strip(),
                  suggestions=e.suggestions.strip(), recorded_by=user_or_none(actor), recorded_at=now)
             for e in entries]
    Talk.objects.bulk_create(talks)
    audit.record_many(actor=actor, action="create", items=[(t, audit.snapshot(t)) for t in talks], source=source)
    for year in years:
        sync_talk_coverage(branches=[branch], year=year, now=now)
    changed(branch)
    return talks


@transaction.atomic
def delete_talk(*, actor, talk: Talk, now: datetime, source: str = "web") -> None:
    talk = Talk.objects.select_related("branch", "talker").get(pk=talk.pk)
    if actor is not None and not (has_perm(actor, Perm.RECORD, talk.branch) or talk.recorded_by_id == actor.pk):
        raise PermissionDenied("只能删除本人录入的谈心谈话记录。")
    check_year_open(talk.branch, talk.held_on.year)
    audit.record_delete(actor=actor, instance=talk, source=source)
    talk.delete()
    sync_talk_coverage(branches=[talk.branch], year=talk.held_on.year, now=now)
    changed(talk.branch)


def coverage_source(branch_id: int, year: int) -> str:
    return f"reviews.talks:{branch_id}:{year}"


def sync_talk_coverage(*, branches: Iterable[Organization], year: int, now: datetime) -> set[int]:
    """Write or withdraw each branch's heart_talks completion for `year` from its coverage (constant
    number of queries for any number of branches; idempotent). Returns the branches whose row changed;
    those are announced (the dashboards' rollup and cached books go stale)."""
    branches = [b for b in branches if b.is_branch]
    if not branches:
        return set()
    coverage = talk_coverage_for(branches, year=year, at=timezone.localdate(now))
    wanted = {}
    for branch_id, cov in coverage.items():
        if not cov.complete:
            continue
        wanted[coverage_source(branch_id, year)] = completions.Completion(
            branch_id=branch_id, kind=QuotaRule.HEART_TALKS,
            counts_on=cov.last_held_on or date(year, 1, 1),
            completed_at=cov.last_recorded_at or local_midnight(date(year, 1, 1)))
    changed_ids = completions.sync_completions(wanted=wanted, considered=[coverage_source(b.pk, year) for b in branches])
    announce_branch_change(changed_ids)
    return changed_ids
