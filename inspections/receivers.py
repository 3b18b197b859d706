"""Reactions to changes announced by lower floors (core.signals)."""

from django.urls import reverse
from django.utils import timezone

from branches.models import OrgRole
from inspections.models import Notification
from inspections.notifications import BRANCH_ACTORS, notify
from inspections.scanners import scan_rectifications
from meetings.models import Kind, LeaveRequest


def rescan_rectifications(sender, branch_ids, **kwargs):
    """A 整改事项 done (or a 限期改正 outcome recorded) closes its alert at once rather than at the next
    daily scan: re-scan those branches only (a few queries, whatever changed)."""
    scan_rectifications(now=timezone.now(), branch_ids=branch_ids)


def notify_leave(sender, leave_id, event, now, **kwargs):
    """A request tells whoever may decide it (the branch's secretary side; the 党小组长 for his group's
    党小组会); the decision tells the member. Each notice links to the page where it is handled."""
    leave = (LeaveRequest.objects.select_related("member", "meeting__branch", "meeting__party_group__leader")
             .get(pk=leave_id))
    meeting = leave.meeting
    what = f"{timezone.localtime(meeting.held_at):%-m月%-d日 %H:%M} {meeting.topic}"
    if event == "requested":
        users = set(OrgRole.objects.filter(org_id=meeting.branch_id, role__in=BRANCH_ACTORS).values_list("user_id", flat=True))
        group = meeting.party_group
        if group is not None and group.leader is not None and group.leader.user_id and meeting.kind_values == [Kind.GROUP_MEETING]:
            users.add(group.leader.user_id)
        users.discard(leave.member.user_id)
        notify(recipients=users, kind=Notification.Kind.LEAVE_REQUESTED, title=f"请假申请：{leave.member.name} · {what}",
               body=f"事由：{leave.reason}", url=reverse("leave-inbox", args=[meeting.branch.code]), now=now)
    elif event == "decided" and leave.member.user_id:
        note = f"审批意见：{leave.decision_note}" if leave.decision_note else ""
        notify(recipients=[leave.member.user_id], kind=Notification.Kind.LEAVE_DECIDED,
               title=f"请假{leave.get_status_display()}：{what}", body=note or f"事由：{leave.reason}",
               url=reverse("my-orglife"), now=now)
