from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from branches.access import org_page, record_page, signed_in
from branches.models import Organization
from branches.permissions import Perm, has_perm
from branches.selectors import visible_orgs
from core.db import reads_from_replica
from inspections import dashboard, exports, selectors, services
from inspections.dashboard import BadParameter, dashboard_for, parse_year_at
from inspections.forms import FlagActionForm
from inspections.links import alert_links
from inspections.models import Alert
from meetings.compliance import current_obligations
from meetings.periods import end_of_day
from reviews.selectors import campaign_progress

_OPEN = {"open": True, "closed": False, "all": None}


def _page(request, qs):
    """A page of alerts, each with the page where it is handled (`link`) and its 督办 comments."""
    page = Paginator(qs.select_related("org", "member").prefetch_related("comments__author", "comments__author_org")
                     .order_by("-opened_at", "-id"), 50).get_page(request.GET.get("page"))
    links = alert_links(page.object_list)
    for alert in page.object_list:
        alert.link = links[alert.pk]
    return page


@signed_in
def alert_list(request):
    """The upper level's list: every alert in the user's scope, by kind and organization (subtree)."""
    code = request.GET.get("org", "").strip()
    org = get_object_or_404(visible_orgs(request.user), code=code) if code else None
    kind, state = request.GET.get("kind", ""), request.GET.get("state", "open")
    qs = selectors.filter_alerts(selectors.visible_alerts(request.user), kind=kind, org=org,
                                 open=_OPEN.get(state, True))
    return render(request, "inspections/alert_list.html", {
        "page": _page(request, qs), "kinds": Alert.Kind.choices, "kind": kind, "org_code": code, "org": org,
        "state": state if state in _OPEN else "open", "groups": selectors.alerts_by_org(qs),
        "pickable": selectors.org_picker(request.user, selected=org),
    })


@org_page(Perm.VIEW)
def branch_alerts(request, org):
    """One organization's open alerts (for a branch: what its secretary has to act on)."""
    qs = selectors.filter_alerts(selectors.visible_alerts(request.user), org=org, open=True)
    return render(request, "inspections/branch_alerts.html", {
        "branch": org, "page": _page(request, qs), "can_supervise": has_perm(request.user, Perm.INSPECT, org),
    })


@record_page(Perm.VIEW, load=selectors.visible_alerts, org=lambda alert: alert.org)
@require_POST
def alert_comment(request, alert):
    """督办: the upper level's comment on an alert; the service requires Perm.INSPECT above the branch."""
    try:
        services.add_supervision_comment(actor=request.user, alert=alert, text=request.POST.get("text", ""),
                                         now=timezone.now())
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已提出督办意见，党支部会收到通知。")
    return redirect(reverse("branch-alerts", args=[alert.org.code]) + f"#alert-{alert.pk}")


@signed_in
def inbox(request):
    page = Paginator(selectors.inbox(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "inspections/inbox.html", {"page": page})


@signed_in
@require_POST
def inbox_read(request, pk=None):
    """Mark one notice (or, without pk, all of them) read; only one's own."""
    notices = selectors.inbox(request.user).filter(read_at__isnull=True)
    if pk is not None:
        get_object_or_404(selectors.inbox(request.user), pk=pk)
        notices = notices.filter(pk=pk)
    notices.update(read_at=timezone.now())
    target = request.POST.get("next", "")
    # only back to a page of this site: an open redirect would lend the site's name to a phishing link
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "inbox"
    return redirect(target)


def _member_absent_alerts(user):
    return selectors.visible_alerts(user).filter(kind=Alert.Kind.MEMBER_ABSENT).select_related("org")


@record_page(Perm.RECORD, load=_member_absent_alerts, org=lambda alert: alert.org)
@require_POST
def flag_action(request, alert):
    """A step of the six-month workflow; only users who may record for the member's branch."""
    form = FlagActionForm(request.POST)
    if form.is_valid():
        try:
            services.record_flag_action(actor=request.user, alert=alert, now=timezone.now(), **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已记录。")
    else:
        messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items()))
    return redirect("member-detail", pk=alert.member_id)


# --- the dashboard ---------------------------------------------------------------------------------

def _dashboard_params(request):
    try:
        return parse_year_at(request.GET.get("year"), request.GET.get("at"), today=timezone.localdate())
    except BadParameter as exc:
        return exc


@reads_from_replica
@org_page(Perm.VIEW)
def org_dashboard(request, org):
    """督导看板 of a 党委/党总支 (its subtree), or a branch's own version for its secretary."""
    params = _dashboard_params(request)
    if isinstance(params, BadParameter):
        return render(request, "inspections/dashboard_error.html", {"org": org, "message": params.message}, status=400)
    year, at = params
    dash = dashboard_for(org, year=year, at=at)
    query = dashboard.TableQuery.from_params(request.GET)
    overdue_kind = request.GET.get("okind", "") if request.GET.get("okind", "") in dashboard.KINDS else ""
    overdue_month = dashboard.TableQuery.from_params({"month": request.GET.get("omonth", ""), "month_state": "overdue"}).month
    links = dashboard.Links(year=year, at=at)
    overdue = dashboard.overdue_page(dash, kind=overdue_kind, month=overdue_month, page_number=request.GET.get("opage"))
    dashboard.link_lines(overdue.object_list, links, org=lambda line: line.branch)
    heat = Paginator(dash.children, 50).get_page(request.GET.get("hpage"))
    dashboard.link_cells(heat.object_list, links)
    table = None if org.is_branch else dashboard.branch_page(dash, query, request.GET.get("page"))
    if table is not None:
        dashboard.link_lines(table.object_list, links)
    context = {
        "org": org, "dash": dash, "year": year, "at": at, "years": range(timezone.localdate().year, 2019, -1),
        "query": query, "table": table, "at_str": at.isoformat(),
        "overdue": overdue, "overdue_kind": overdue_kind, "overdue_month": overdue_month,
        "table_states": dashboard.TABLE_STATES.items(), "sectors": Organization.Sector.choices,
        "kinds": [(k, dashboard.KIND_LABELS[k]) for k in dashboard.KINDS], "sorts": dashboard.SORTS,
        "can_rank": not org.is_branch and has_perm(request.user, Perm.INSPECT, org),
        "months": range(1, 13), "chart": dashboard.chart_data(dash),
        "heat": heat, "own_cells": dashboard.link_cells([dashboard.ChildLine(org, dash.figures)], links)[0].cells,
        "legend": [(state, dashboard.STATE_LABELS[state]) for state in dashboard.SEVERITY],
        "month_state_label": dashboard.STATE_LABELS.get(query.month_state, ""),
    }
    if org.is_branch:  # this month's obligations first, and the year's campaigns (issue 13)
        instant = timezone.now() if at == timezone.localdate() else end_of_day(at)
        context["obligations"] = current_obligations(org, now=instant)
        context["campaigns"] = campaign_progress([org], year=year, now=instant).get(org.pk)
    return render(request, "inspections/dashboard.html", context)


@reads_from_replica
@org_page(Perm.VIEW)
def dashboard_export(request, org, table):
    """What the dashboard shows, as an Excel file with Chinese headers: the branch table (完成情况),
    attendance (出勤) or the overdue list (逾期清单), of the subtree only, as filtered on screen."""
    if table not in exports.TABLES:
        raise Http404("没有这种导出表。")
    params = _dashboard_params(request)
    if isinstance(params, BadParameter):
        return render(request, "inspections/dashboard_error.html", {"org": org, "message": params.message}, status=400)
    year, at = params
    dash = dashboard_for(org, year=year, at=at)
    content, filename = exports.workbook(dash, table, request.GET)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@org_page(Perm.INSPECT)
@require_POST
def dashboard_ranking(request, org):
    """An upper level turns rankings on or off for its own subtree."""
    enabled = request.POST.get("enabled") == "1"
    try:
        services.set_ranking(actor=request.user, org=org, enabled=enabled, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已开启排名。" if enabled else "已关闭排名。")
    return redirect("org-dashboard", code=org.code)
