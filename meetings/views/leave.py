"""Leave (请假) and exemptions (暂不参加组织生活): a member asks from a phone, the branch decides;
and a member's own page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from branches.access import SIGNED_IN, org_page, record_page, signed_in
from branches.models import Organization
from branches.permissions import Perm, has_perm
from branches.selectors import visible_orgs
from core.forms import apply_service_errors
from meetings import services
from meetings.forms import ExemptionForm, LeaveForm, VoteConsentForm
from meetings.models import Exemption, LeaveRequest, Meeting
from meetings.selectors import upcoming_meetings_for, visible_leave_requests, visible_meetings

BRANCH = Organization.Kind.BRANCH


def _visible_exemptions(user):
    return Exemption.objects.filter(branch__in=visible_orgs(user)).select_related("branch")


@record_page(SIGNED_IN, load=visible_meetings)
def leave_request(request, meeting):
    member = getattr(request.user, "member", None)
    if member is None:
        raise PermissionDenied("您的账号未关联党员信息，不能请假。")
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_leave(actor=request.user, member=member, meeting=meeting, now=timezone.now(),
                                   reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "请假申请已提交，请等待党支部审批。")
            return redirect("my-orglife")
    return render(request, "meetings/leave_form.html", {"form": form, "meeting": meeting})


@record_page(SIGNED_IN, load=visible_leave_requests)
@require_POST
def leave_cancel(request, leave):
    """Only one's own request: the service refuses anyone else's."""
    try:
        services.cancel_leave(actor=request.user, leave=leave, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已撤回请假申请。")
    return redirect("my-orglife")


@org_page(Perm.VIEW, kind=BRANCH)
def leave_inbox(request, branch):
    leaves = (LeaveRequest.objects.filter(meeting__branch=branch).select_related("member", "meeting")
              .order_by("status", "-requested_at"))
    pending = [lv for lv in leaves if lv.status == LeaveRequest.Status.PENDING]
    decided = Paginator([lv for lv in leaves if lv.status != LeaveRequest.Status.PENDING], 30).get_page(request.GET.get("page"))
    return render(request, "meetings/leave_inbox.html", {
        "branch": branch, "pending": pending, "page": decided,
        "can_decide": {lv.pk for lv in pending if services.can_decide_leave(request.user, lv)},
    })


@record_page(Perm.VIEW, load=lambda user: visible_leave_requests(user).select_related("meeting__branch"),
             org=lambda leave: leave.meeting.branch)
@require_POST
def leave_decide(request, leave):
    """Who may decide (the secretary side, or the 党小组长 for his group's meeting) is the service's rule."""
    approve = request.POST.get("decision") == "approve"
    try:
        services.decide_leave(actor=request.user, leave=leave, approve=approve, now=timezone.now(),
                              note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已{'批准' if approve else '不批准'}{leave.member.name}的请假。")
    if request.POST.get("back") == "home":  # decided in place on the 工作台 (a fixed name, never a URL)
        return redirect("home")
    return redirect("leave-inbox", code=leave.meeting.branch.code)


@org_page(Perm.VIEW, kind=BRANCH)
def exemption_list(request, branch):
    can_request = has_perm(request.user, Perm.RECORD, branch)
    form = ExemptionForm(request.POST or None, branch=branch)
    if request.method == "POST":
        if not can_request:
            raise PermissionDenied("只有党支部书记、副书记或组织委员可以登记。")
        if form.is_valid():
            try:
                exemption = services.request_exemption(actor=request.user, branch=branch, now=timezone.now(),
                                                       **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "已登记。" if exemption.member_id else "已提交，等待上级党组织审批。")
                return redirect("exemption-list", code=branch.code)
    exemptions = branch.exemptions.select_related("member").order_by("-starts_on")
    return render(request, "meetings/exemptions.html", {
        "branch": branch, "form": form, "can_request": can_request,
        "rows": [(ex, services.can_decide_exemption(request.user, ex) and ex.status == Exemption.Status.PENDING)
                 for ex in exemptions],
    })


@record_page(Perm.VIEW, load=_visible_exemptions)
@require_POST
def exemption_decide(request, exemption):
    """A member's exemption is the branch's decision, a branch's the upper level's: the service's rule."""
    try:
        services.decide_exemption(actor=request.user, exemption=exemption,
                                  approve=request.POST.get("decision") == "approve", now=timezone.now())
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已审批。")
    return redirect("exemption-list", code=exemption.branch.code)


@record_page(Perm.VIEW, load=_visible_exemptions)
@require_POST
def exemption_consent(request, exemption):
    """The upper level's consent to leave an exempted member out of the vote base (§2.2), as recorded by the branch."""
    form = VoteConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("exemption-list", code=exemption.branch.code)
    try:
        services.record_vote_consent(actor=request.user, exemption=exemption, now=timezone.now(),
                                     consent_on=form.cleaned_data["consent_on"], reference=form.cleaned_data["reference"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已登记上级党组织意见。")
    return redirect("exemption-list", code=exemption.branch.code)


@signed_in
def my_orglife(request):
    """A member's own page (phone first): upcoming meetings, leave requests, attendance history."""
    member = getattr(request.user, "member", None)
    if member is None:
        return render(request, "meetings/my_orglife.html", {"member": None})
    now = timezone.now()
    upcoming = upcoming_meetings_for(member, now=now)
    leaves = {lv.meeting_id: lv for lv in member.leave_requests.select_related("meeting")}
    history = (member.attendance.filter(meeting__status=Meeting.Status.HELD).select_related("meeting")
               .order_by("-meeting__held_at")[:24])
    return render(request, "meetings/my_orglife.html", {
        "member": member, "upcoming": [(m, leaves.get(m.pk)) for m in upcoming],
        "leaves": sorted(leaves.values(), key=lambda lv: lv.requested_at, reverse=True)[:10], "history": history,
    })
