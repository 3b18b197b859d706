"""What every campaign service shares: who may act, locked years, and telling the floors above."""

from django.core.exceptions import ValidationError

from branches.models import Organization
from branches.permissions import Perm, require
from core.signals import announce_branch_change
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
