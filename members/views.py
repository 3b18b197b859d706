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


# --------------------------------------------------------------------------- roster import / export
# Upload → preview → confirm. Small files are checked and imported in the request; large ones in a
# Celery worker while the page polls the progress (members.tasks). All of it is members.importing.

from urllib.parse import quote  # noqa: E402

from django.conf import settings  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

from branches.models import Organization  # noqa: E402
from members import importing, resources  # noqa: E402
from members.models import RosterImport  # noqa: E402
from members.tasks import check_roster_import, commit_roster_import  # noqa: E402

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ERRORS_SHOWN = 500
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sync_limit() -> int:
    """Files up to this size are handled in the request; bigger ones go to the worker with a progress bar."""
    return getattr(settings, "ROSTER_IMPORT_SYNC_MAX_BYTES", 256 * 1024)


def _require_importer(user) -> None:
    if not orgs_where(user, Perm.MANAGE_MEMBERS).filter(kind=Organization.Kind.BRANCH).exists():
        raise PermissionDenied


def _own_import_or_404(user, pk) -> RosterImport:
    return get_object_or_404(RosterImport.objects.filter(created_by=user), pk=pk)


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def roster_import(request):
    _require_importer(request.user)
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
                check_roster_import.delay_on_commit(record.pk)
            return redirect("roster-import-detail", pk=record.pk)
    recent = RosterImport.objects.filter(created_by=request.user)[:10]
    return render(request, "members/import_upload.html", {"error": error, "recent": recent}, status=400 if error else 200)


@login_required
def roster_import_detail(request, pk):
    record = _own_import_or_404(request.user, pk)
    return render(request, "members/import_detail.html", {
        "record": record, "errors": record.errors[:ERRORS_SHOWN], "errors_cut": len(record.errors) > ERRORS_SHOWN,
        "error_limit_hit": record.counts.get("invalid", 0) and len(record.errors) >= importing.ERROR_LIMIT,
    })


@login_required
@require_POST
def roster_import_confirm(request, pk):
    record = _own_import_or_404(request.user, pk)
    _require_importer(request.user)
    if not importing.confirm_import(roster_import=record):
        messages.warning(request, "该文件已经确认过或不能导入。")
        return redirect("roster-import-detail", pk=record.pk)
    if len(record.upload) <= _sync_limit() * 2:  # stored encrypted: about a third larger than the file
        record = importing.commit_import(roster_import_id=record.pk)
        if record.status == RosterImport.Status.DONE:
            messages.success(request, "名册已导入。")
    else:
        commit_roster_import.delay_on_commit(record.pk)
    return redirect("roster-import-detail", pk=record.pk)


@login_required
def roster_import_status(request, pk):
    record = _own_import_or_404(request.user, pk)
    return JsonResponse({"status": record.status, "status_label": record.get_status_display(),
                         "progress": record.progress, "running": record.running, "counts": record.counts},
                        json_dumps_params={"ensure_ascii": False})


@login_required
def roster_template(request):
    _require_importer(request.user)
    return _xlsx_response(resources.template_xlsx(), "党员信息导入模板.xlsx")


@login_required
def roster_export(request):
    if not orgs_where(request.user, Perm.VIEW).exists():
        raise PermissionDenied
    members = visible_members(request.user).select_related("branch").order_by("branch__path", "name", "id")
    code = request.GET.get("branch", "").strip()
    if code:
        branch = get_object_or_404(visible_orgs(request.user), code=code)
        members = members.filter(branch__path__startswith=branch.path)
    user = request.user
    content = resources.export_roster_xlsx(members, reveal_id=lambda m: can_see_id_numbers(user, m))
    return _xlsx_response(content, f"党员基本信息汇总表-{timezone.localdate():%Y%m%d}.xlsx")
