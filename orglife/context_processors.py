from branches.permissions import Perm, has_any_role, orgs_where
from inspections.selectors import unread_count


def navigation(request):
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "nav_has_role": has_any_role(user),
        "nav_can_manage_orgs": orgs_where(user, Perm.MANAGE_ORGS).exists(),
        "nav_member": getattr(user, "member", None),
        "nav_unread": unread_count(user),
    }


# The last crumb of a page under an organization, by URL name (the organization's own page has none).
_PAGE_NAMES = {
    "meeting-list": "会议记录", "meeting-record": "记录会议", "meeting-plan": "计划会议", "meeting-edit": "修改会议记录",
    "meeting-calendar": "日历", "compliance-year": "年度完成情况", "attendance-overview": "党员出勤",
    "leave-inbox": "请假审批", "exemption-list": "暂不参加组织生活", "recordbook": "活动情况记录册",
    "branch-alerts": "预警", "org-dashboard": "督导看板", "campaigns": "组织生活会与民主评议",
    "calendar-feed-settings": "订阅日历", "org-edit": "修改", "dashboard-ranking": "排名",
}


def breadcrumbs(request):
    """工作台 › the organization's ancestors the user may see › the organization › the page: for every
    page whose URL names an organization (<code>). Only organizations in the user's scope are named,
    so a 404 page never reveals the one asked for."""
    match = getattr(request, "resolver_match", None)
    code = match.kwargs.get("code") if match else None
    if not code or not request.user.is_authenticated:
        return {}
    from django.urls import reverse

    from branches.selectors import visible_orgs

    org = visible_orgs(request.user).filter(code=code).first()
    if org is None:
        return {}
    above = {o.pk: o for o in visible_orgs(request.user).filter(pk__in=org.ancestor_ids()[:-1])}
    crumbs = [(above[pk].name, reverse("org-detail", args=[above[pk].code])) for pk in org.ancestor_ids()[:-1]
              if pk in above]
    page = _PAGE_NAMES.get(match.url_name)
    crumbs.append((org.name, reverse("org-detail", args=[org.code]) if page else ""))
    if page:
        crumbs.append((page, ""))
    return {"breadcrumbs": crumbs}
