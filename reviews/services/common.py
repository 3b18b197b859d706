"""What every campaign service shares: who may act, locked years, and telling the floors above."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from branches.models import Organization
from branches.permissions import Perm, require
from core.signals import announce_branch_change
from meetings.models import Kind, Meeting
from meetings.services import check_not_locked
from members.models import Member


def user_or_none(actor):
    return actor if getattr(actor, "pk", None) else None


def require_record(actor, branch: Organization) -> None:
    """The branch committee side (书记, 副书记, 组织委员) and administrators run the campaigns; `actor=None`
    is the system (commands, the demo seed)."""
    require(actor, Perm.RECORD, branch)


def conflict(message: str) -> ValidationError:
    """A state conflict: 409 in the API, a message on the page."""
    return ValidationError(message, code="conflict")


def check_year_open(branch: Organization, year: int) -> None:
    check_not_locked(branch, year)


def check_branch_member(branch: Organization, member: Member | None, field: str, label: str, errors: dict) -> None:
    if member is not None and member.branch_id != branch.pk:
        errors[field] = f"{label}“{member.name}”不是本支部党员。"


def changed(*branches: Organization) -> None:
    """Cached record books and the dashboards' rollup go stale: tell them after commit (core.signals)."""
    announce_branch_change(b.pk for b in branches)


def check_linked_meeting(meeting: Meeting, *, branch: Organization, kind: str, start: date, end: date | None,
                         period_label: str) -> Meeting:
    """A meeting already recorded that a campaign links: the branch's, held, of the campaign's kind, held
    no earlier than `start` (and no later than `end`)."""
    meeting = Meeting.objects.prefetch_related("kinds").get(pk=meeting.pk)
    if meeting.branch_id != branch.pk or meeting.status != Meeting.Status.HELD:
        raise ValidationError({"meeting": "请选择本支部已召开的会议。"})
    if kind not in meeting.kind_values:
        label = Kind(kind).label
        raise ValidationError({"meeting": f"所选会议不是{label}会议：请在会议记录中勾选“{label}”。"})
    day = timezone.localdate(meeting.held_at)
    if day < start or (end is not None and day > end):
        raise ValidationError({"meeting": f"所选会议不在{period_label}的期间内。"})
    return meeting
