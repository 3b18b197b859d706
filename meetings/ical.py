"""A branch's iCal feed (RFC 5545): planned and held meetings, and the deadlines of what it owes."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from branches.models import Organization
from meetings.compliance import State, compliance_for_branch
from meetings.models import Meeting
from meetings.periods import local_midnight


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 §3.1)."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > 75:
            out.append(current.decode())
            current = b" "
        current += encoded
    out.append(current.decode())
    return "\r\n".join(out)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(uid: str, start: datetime, end: datetime, summary: str, description: str = "", location: str = "",
           stamp: datetime | None = None) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{_utc(stamp or timezone.now())}", f"DTSTART:{_utc(start)}",
             f"DTEND:{_utc(end)}", f"SUMMARY:{_escape(summary)}"]
    if description:
        lines.append(f"DESCRIPTION:{_escape(description)}")
    if location:
        lines.append(f"LOCATION:{_escape(location)}")
    return [*lines, "END:VEVENT"]


def calendar_for(branch: Organization, *, now: datetime) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//OrgLife//组织生活管理平台//ZH", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_escape(branch.name)}", "X-WR-TIMEZONE:Asia/Shanghai"]
    since = now - timedelta(days=90)
    for meeting in branch.meetings.filter(held_at__gte=since).prefetch_related("kinds").order_by("held_at"):
        status = "（计划）" if meeting.status == Meeting.Status.PLANNED else ""
        lines += _event(f"meeting-{meeting.pk}@orglife", meeting.held_at, meeting.ended_at or meeting.held_at + timedelta(hours=2),
                        f"{meeting.kind_labels}：{meeting.topic}{status}", location=meeting.place, stamp=meeting.recorded_at)
    for state in compliance_for_branch(branch, year=timezone.localdate(now).year, now=now):
        if state.state not in (State.PENDING, State.DUE_SOON):
            continue
        day = local_midnight(state.period.last_day)
        lines += _event(f"deadline-{branch.pk}-{state.kind}-{state.party_group_id or 0}-{state.period.start:%Y%m}@orglife",
                        day, day + timedelta(days=1), f"截止：{state.explanation.split('：')[0]}{state.period.label}",
                        description=state.explanation)
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
