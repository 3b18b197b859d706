from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from branches import services as branch_services
from branches.access import SIGNED_IN, held_somewhere, org_page, record_page, signed_in
from branches.models import Organization
from branches.permissions import Perm, has_perm, orgs_where
from branches.selectors import visible_orgs
from core.forms import apply_service_errors
from members import idnumber, importing, resources, services
from members.forms import MemberForm, PartyGroupForm, TransferForm
from members.models import IdNumberReveal, Member, RosterImport
from members.selectors import can_see_id_numbers, memberships_of, visible_members
from members.tasks import enqueue_import

BRANCH = Organization.Kind.BRANCH


def _visible_members(user):
    return visible_members(user).select_related("branch", "party_group")


@signed_in
def member_list(request):
    qs = _visible_members(request.user).order_by("branch__path", "name", "id")
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if q:
        qs = qs.filter(name__icontains=q)
    if status in Member.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "members/member_list.html", {
        "page": page, "q": q, "status": status, "statuses": Member.Status.choices,
        "can_import": orgs_where(request.user, Perm.MANAGE_MEMBERS).filter(kind=BRANCH).exists(),
        "can_export": orgs_where(request.user, Perm.VIEW).exists(),
    })


@record_page(SIGNED_IN, load=_visible_members)
def member_detail(request, member):
    revealed = can_see_id_numbers(request.user, member)
    if revealed:
        services.record_id_reveals(user=request.user, members=[member], via=IdNumberReveal.Via.PAGE)
    return render(request, "members/member_detail.html", {
        "member": member,
        "id_number": member.id_number if revealed else member.id_number_masked,
        "birth_date": member.birth_date if revealed else idnumber.coarse_birth_date(member.birth_date),
        "memberships": memberships_of(member),
        "can_manage": has_perm(request.user, Perm.MANAGE_MEMBERS, member.branch),
    })


@org_page(Perm.MANAGE_MEMBERS, kind=BRANCH, query="branch")
def member_create(request, branch):
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


@record_page(Perm.MANAGE_MEMBERS, load=_visible_members)
def member_edit(request, member):
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


@record_page(Perm.MANAGE_MEMBERS, load=_visible_members)
def member_transfer(request, member):
    scope = orgs_where(request.user, Perm.MANAGE_MEMBERS).filter(kind=BRANCH)
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


# --------------------------------------------------------------------------- 党小组 (their leaders are members)

@org_page(Perm.MANAGE_MEMBERS, kind=BRANCH)
def group_create(request, branch):
    form = PartyGroupForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            branch_services.create_party_group(actor=request.user, branch=branch, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已新建党小组“{form.cleaned_data['name']}”。")
            return redirect("org-detail", code=branch.code)
    return render(request, "form.html", {"form": form, "title": f"新建党小组：{branch.name}"})


@org_page(Perm.MANAGE_MEMBERS, kind=BRANCH)
def group_edit(request, branch, group_id):
    group = get_object_or_404(branch.party_groups, pk=group_id)
    form = PartyGroupForm(request.POST or None, instance=group, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            branch_services.update_party_group(actor=request.user, group=group, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("org-detail", code=branch.code)
    return render(request, "form.html", {"form": form, "title": f"编辑党小组：{group.name}"})


# --------------------------------------------------------------------------- roster import / export
# Upload → preview → confirm. Small files are checked and imported in the request; large ones in a
# Celery worker while the page polls the progress (members.tasks). All of it is members.importing.

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ERRORS_SHOWN = 500
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sync_limit() -> int:
    """Files up to this size are handled in the request; bigger ones go to the worker with a progress bar."""
    return getattr(settings, "ROSTER_IMPORT_SYNC_MAX_BYTES", 256 * 1024)


def _own_import_or_404(user, pk) -> RosterImport:
    return get_object_or_404(RosterImport.objects.filter(created_by=user), pk=pk)


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@held_somewhere(Perm.MANAGE_MEMBERS, kind=BRANCH)
def roster_import(request):
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要导入的名册文件（xlsx、xls 或 csv）。"
        elif upload.size > MAX_UPLOAD_BYTES:
            error = f"文件超过{MAX_UPLOAD_BYTES // 1024 // 1024}MB，请分成几个文件导入。"
        elif not upload.name.lower().endswith((".xlsx", ".xls", ".csv")):
            error = "只能导入 xlsx、xls 或 csv 文件。"
        else:
            content = upload.read()
            record = importing.start_import(actor=request.user, content=content, filename=upload.name)
            if len(content) <= _sync_limit():
                importing.check_import(roster_import_id=record.pk)
            else:
                enqueue_import(record.pk, confirming=False)
            return redirect("roster-import-detail", pk=record.pk)
    recent = RosterImport.objects.filter(created_by=request.user)[:10]
    return render(request, "members/import_upload.html", {"error": error, "recent": recent}, status=400 if error else 200)


@signed_in
def roster_import_detail(request, pk):
    record = _own_import_or_404(request.user, pk)
    return render(request, "members/import_detail.html", {
        "record": record, "errors": record.errors[:ERRORS_SHOWN], "errors_cut": len(record.errors) > ERRORS_SHOWN,
        "error_limit_hit": record.counts.get("invalid", 0) and len(record.errors) >= importing.ERROR_LIMIT,
    })


@held_somewhere(Perm.MANAGE_MEMBERS, kind=BRANCH)
@require_POST
def roster_import_confirm(request, pk):
    record = _own_import_or_404(request.user, pk)
    if not importing.confirm_import(roster_import=record):
        messages.warning(request, "该文件已经确认过或不能导入。")
        return redirect("roster-import-detail", pk=record.pk)
    if len(record.upload) <= _sync_limit() * 2:  # stored encrypted: about a third larger than the file
        record = importing.commit_import(roster_import_id=record.pk)
        if record.status == RosterImport.Status.DONE:
            messages.success(request, "名册已导入。")
    else:
        enqueue_import(record.pk, confirming=True)
    return redirect("roster-import-detail", pk=record.pk)


@held_somewhere(Perm.MANAGE_MEMBERS, kind=BRANCH)
@require_POST
def roster_import_cancel(request, pk):
    """取消 really cancels: the checked upload can no longer be confirmed and is wiped."""
    record = _own_import_or_404(request.user, pk)
    if importing.cancel_import(roster_import=record):
        messages.success(request, f"已取消导入“{record.filename}”，没有写入任何数据。")
    else:
        messages.warning(request, "该导入已确认或已结束，不能取消。")
    return redirect("roster-import")


@signed_in
def roster_import_status(request, pk):
    record = _own_import_or_404(request.user, pk)
    return JsonResponse({"status": record.status, "status_label": record.get_status_display(),
                         "progress": record.progress, "running": record.running, "counts": record.counts},
                        json_dumps_params={"ensure_ascii": False})


@held_somewhere(Perm.MANAGE_MEMBERS, kind=BRANCH)
def roster_template(request):
    return _xlsx_response(resources.template_xlsx(), "党员信息导入模板.xlsx")


@held_somewhere(Perm.VIEW)
def roster_export(request):
    members = visible_members(request.user).select_related("branch").order_by("branch__path", "name", "id")
    code = request.GET.get("branch", "").strip()
    if code:
        branch = get_object_or_404(visible_orgs(request.user), code=code)
        members = members.filter(branch__path__startswith=branch.path)
    user, revealed = request.user, []

    def reveal(member):
        if can_see_id_numbers(user, member):
            revealed.append(member)
            return True
        return False

    content = resources.export_roster_xlsx(members, reveal_id=reveal)
    services.record_id_reveals(user=user, members=revealed, via=IdNumberReveal.Via.EXPORT)
    return _xlsx_response(content, f"党员基本信息汇总表-{timezone.localdate():%Y%m%d}.xlsx")
