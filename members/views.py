from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from branches.permissions import Perm, has_perm, orgs_where
from branches.selectors import visible_orgs
from members import services
from members.forms import MemberForm, TransferForm
from members.models import Member
from members.selectors import can_see_id_numbers, memberships_of, visible_members
from orglife.forms import apply_service_errors


def _member_or_404(user, pk) -> Member:
    return get_object_or_404(visible_members(user).select_related("branch", "party_group"), pk=pk)


@login_required
def member_list(request):
    qs = visible_members(request.user).select_related("branch", "party_group").order_by("branch__path", "name", "id")
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if q:
        qs = qs.filter(name__icontains=q)
    if status in Member.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "members/member_list.html", {
        "page": page, "q": q, "status": status, "statuses": Member.Status.choices,
    })


@login_required
def member_detail(request, pk):
    member = _member_or_404(request.user, pk)
    return render(request, "members/member_detail.html", {
        "member": member,
        "id_number": member.id_number if can_see_id_numbers(request.user, member) else member.id_number_masked,
        "memberships": memberships_of(member),
        "can_manage": has_perm(request.user, Perm.MANAGE_MEMBERS, member.branch),
    })


@login_required
def member_create(request):
    branch = get_object_or_404(visible_orgs(request.user), code=request.GET.get("branch", ""))
    if not has_perm(request.user, Perm.MANAGE_MEMBERS, branch):
        raise PermissionDenied
    form = MemberForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.create_member(actor=request.user, branch=branch, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已登记党员“{member.name}”。")
            return redirect("member-detail", pk=member.pk)
    return render(request, "form.html", {"form": form, "title": f"登记党员：{branch.name}"})


@login_required
def member_edit(request, pk):
    member = _member_or_404(request.user, pk)
    if not has_perm(request.user, Perm.MANAGE_MEMBERS, member.branch):
        raise PermissionDenied
    form = MemberForm(request.POST or None, instance=member, branch=member.branch)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_member(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("member-detail", pk=member.pk)
    return render(request, "form.html", {"form": form, "title": f"编辑党员：{member.name}"})


@login_required
def member_transfer(request, pk):
    member = _member_or_404(request.user, pk)
    if not has_perm(request.user, Perm.MANAGE_MEMBERS, member.branch):
        raise PermissionDenied
    scope = orgs_where(request.user, Perm.MANAGE_MEMBERS).filter(kind="branch")
    form = TransferForm(request.POST or None, scope=scope, initial={"to_branch_code": member.branch.code})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.transfer_member(actor=request.user, member=member, to_branch=data["to_branch_code"],
                                     party_group=data["group"], on=data["on"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已办理“{member.name}”的组织关系转接。")
            return redirect("member-detail", pk=member.pk)
    return render(request, "form.html", {"form": form, "title": f"组织关系转接：{member.name}"})
