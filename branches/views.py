from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from branches import services
from branches.forms import OrganizationForm, PartyGroupForm
from branches.models import Organization, PartyGroup
from branches.permissions import Perm, has_perm, orgs_where
from branches.selectors import branch_facts, visible_orgs
from members.selectors import visible_members
from orglife.forms import apply_service_errors


def _org_or_404(user, code) -> Organization:
    return get_object_or_404(visible_orgs(user), code=code)


def _require(user, perm, org):
    if not has_perm(user, perm, org):
        raise PermissionDenied


@login_required
def org_list(request):
    qs = visible_orgs(request.user).select_related("parent").order_by("path")
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if kind in Organization.Kind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "branches/org_list.html", {
        "page": page, "q": q, "kind": kind, "kinds": Organization.Kind.choices,
        "can_create": orgs_where(request.user, Perm.MANAGE_ORGS).exists(),
    })


@login_required
def org_detail(request, code):
    org = _org_or_404(request.user, code)
    user = request.user
    context = {
        "org": org,
        "can_edit": has_perm(user, Perm.MANAGE_ORGS, org),
        "can_manage_members": has_perm(user, Perm.MANAGE_MEMBERS, org),
        "can_record": has_perm(user, Perm.RECORD, org),
        "can_view_roster": has_perm(user, Perm.VIEW, org),
    }
    if org.is_branch:
        from meetings.compliance import current_obligations  # meetings builds on branches, not the reverse

        context["facts"] = branch_facts(org, at=timezone.localdate())
        if context["can_view_roster"]:
            owed = current_obligations(org, now=timezone.now())
            overdue = [s for s in owed if s.state == "overdue"]
            # a long tail of overdue periods would bury what can still be done: show the latest few
            context["obligations"] = overdue[-3:] + [s for s in owed if s.state != "overdue"]
            context["overdue_hidden"] = max(0, len(overdue) - 3)
        context["branch"] = org
        context["groups"] = org.party_groups.select_related("leader").order_by("name")
        roster = visible_members(user).filter(branch=org).select_related("party_group").order_by("name", "id")
        context["roster_page"] = Paginator(roster, 100).get_page(request.GET.get("page"))
    else:
        children = org.children.filter(pk__in=visible_orgs(user)).order_by("kind", "name")
        context["children_page"] = Paginator(children, 50).get_page(request.GET.get("page"))
    return render(request, "branches/org_detail.html", context)


@login_required
def org_create(request):
    scope = orgs_where(request.user, Perm.MANAGE_ORGS)
    if not scope.exists():
        raise PermissionDenied
    form = OrganizationForm(request.POST or None, scope=scope, initial={"parent_code": request.GET.get("parent", "")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        parent = data.pop("parent_code")
        if parent is None and not has_perm(request.user, Perm.MANAGE_ORGS, None):
            form.add_error("parent_code", "请填写上级组织代码。")
        else:
            try:
                org = services.create_organization(actor=request.user, parent=parent, **data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"已创建“{org.name}”。")
                return redirect("org-detail", code=org.code)
    return render(request, "form.html", {"form": form, "title": "新建党组织", "cancel_url": "org-list"})


@login_required
def org_edit(request, code):
    org = _org_or_404(request.user, code)
    _require(request.user, Perm.MANAGE_ORGS, org)
    scope = orgs_where(request.user, Perm.MANAGE_ORGS)
    form = OrganizationForm(request.POST or None, instance=org, scope=scope)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["parent"] = data.pop("parent_code")
        if data["parent"] is None and not has_perm(request.user, Perm.MANAGE_ORGS, None):
            form.add_error("parent_code", "请填写上级组织代码。")
        else:
            try:
                org = services.update_organization(actor=request.user, org=org, **data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "已保存。")
                return redirect("org-detail", code=org.code)
    return render(request, "form.html", {"form": form, "title": f"编辑：{org.name}", "cancel_url": "org-list"})


@login_required
def group_create(request, code):
    branch = _org_or_404(request.user, code)
    _require(request.user, Perm.MANAGE_MEMBERS, branch)
    form = PartyGroupForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_party_group(actor=request.user, branch=branch, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已新建党小组“{form.cleaned_data['name']}”。")
            return redirect("org-detail", code=branch.code)
    return render(request, "form.html", {"form": form, "title": f"新建党小组：{branch.name}"})


@login_required
def group_edit(request, code, group_id):
    branch = _org_or_404(request.user, code)
    group = get_object_or_404(PartyGroup, pk=group_id, branch=branch)
    _require(request.user, Perm.MANAGE_MEMBERS, branch)
    form = PartyGroupForm(request.POST or None, instance=group, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_party_group(actor=request.user, group=group, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("org-detail", code=branch.code)
    return render(request, "form.html", {"form": form, "title": f"编辑党小组：{group.name}"})
