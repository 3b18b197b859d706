from django import template

from branches.permissions import Perm, has_perm
from inspections.forms import FlagActionForm
from inspections.selectors import member_flags

register = template.Library()


@register.inclusion_tag("inspections/_member_flags.html", takes_context=True)
def member_flags_section(context, member):
    """The six-month workflow on the member page (党章 第九条): flags and their steps; forms for
    those who may record for the member's branch."""
    user = context["request"].user
    return {"flags": member_flags(member), "can_act": has_perm(user, Perm.RECORD, member.branch),
            "form": FlagActionForm(), "csrf_token": context.get("csrf_token"), "member": member}


@register.simple_tag
def level_badge(level: str) -> str:
    return {"serious": "badge-overdue", "warning": "badge-late"}.get(level, "badge-due_soon")
