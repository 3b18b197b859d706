from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def index(sequence, i):
    return sequence[i] if sequence is not None and 0 <= i < len(sequence) else None


@register.filter
def overdue(item, day):
    return item.overdue_on(day)


@register.filter
def present_count(meeting):
    """Present rows among the meeting's (prefetched) attendance."""
    return sum(1 for a in meeting.attendance.all() if a.status == "present")
