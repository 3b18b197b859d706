from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from branches.access import org_page, record_page, signed_in
from branches.permissions import Perm
from branches.selectors import visible_orgs
from inspections import selectors, services
from inspections.forms import FlagActionForm
from inspections.models import Alert

_OPEN = {"open": True, "closed": False, "all": None}


def _page(request, qs):
    return Paginator(qs.select_related("org", "member").order_by("-opened_at", "-id"), 50).get_page(
        request.GET.get("page"))


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
        "state": state if state in _OPEN else "open",
    })


@org_page(Perm.VIEW)
def branch_alerts(request, org):
    """One organization's open alerts (for a branch: what its secretary has to act on)."""
    qs = selectors.filter_alerts(selectors.visible_alerts(request.user), org=org, open=True)
    return render(request, "inspections/branch_alerts.html", {"branch": org, "page": _page(request, qs)})


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
    return redirect(request.POST.get("next") or "inbox")


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
