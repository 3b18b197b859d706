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


@register.filter
def pct(value) -> str:
    """A rate (0–1) as a percentage for people; "—" when there is nothing to divide."""
    return "—" if value is None else f"{value * 100:.1f}%"


@register.simple_tag(takes_context=True)
def with_query(context, **changes) -> str:
    """The current query string with some parameters changed (None or "" removes one); the page number
    goes whenever anything else changes."""
    params = context["request"].GET.copy()
    if "page" not in changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode() if params else "?"


@register.simple_tag(takes_context=True)
def sort_link(context, key: str, label: str) -> str:
    """A column header that sorts the branch table (again: the other way)."""
    from django.utils.html import format_html

    current = context["request"].GET.get("sort", "")
    target = f"-{key}" if current == key else key
    arrow = " ↑" if current == key else (" ↓" if current == f"-{key}" else "")
    return format_html('<a href="{}#branches" class="sort">{}{}</a>', with_query(context, sort=target), label, arrow)


@register.simple_tag
def heat_row_cells(cells, name: str = "") -> str:
    """A heat-map row's twelve cells, built here rather than by the template engine (a page shows
    hundreds of them: per-variable template rendering was most of the page's time)."""
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    empty = '<td class="heat-none"></td>'
    return mark_safe("".join(
        format_html('<td class="heat-{}"><a href="{}" title="{}{}月：{} {}">{}</a></td>', cell.state, cell.href, name,
                    cell.month, cell.label, cell.count, cell.count) if cell.state else empty for cell in cells))
