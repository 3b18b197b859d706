from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render

from branches import services
from branches.access import org_page, signed_in
from branches.forms import OrganizationForm
from branches.models import Organization
from branches.permissions import Perm, orgs_where
from branches.selectors import visible_orgs
from core.forms import apply_service_errors

_FORM_FIELDS = {"parent": "parent_code"}


def org_list_page(request):
    """The organizations the user sees, searched and paged: the organization list page (its states, from
    higher floors, are added by orglife.views.org_list)."""
    qs = visible_orgs(request.user).select_related("parent").order_by("path")
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if kind in Organization.Kind.values:
        qs = qs.filter(kind=kind)
    return {
        "page": Paginator(qs, 50).get_page(request.GET.get("page")), "q": q, "kind": kind,
        "kinds": Organization.Kind.choices, "can_create": orgs_where(request.user, Perm.MANAGE_ORGS).exists(),
    }


@signed_in
def org_create(request):
    scope = orgs_where(request.user, Perm.MANAGE_ORGS)
    if not scope.exists():
        raise PermissionDenied("您没有新建党组织的权限。")
    form = OrganizationForm(request.POST or None, scope=scope, initial={"parent_code": request.GET.get("parent", "")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            org = services.create_organization(actor=request.user, parent=data.pop("parent_code"), **data)
        except ValidationError as exc:
            apply_service_errors(form, exc, fields=_FORM_FIELDS)
        else:
            messages.success(request, f"已创建“{org.name}”。")
            return redirect("org-detail", code=org.code)
    return render(request, "form.html", {"form": form, "title": "新建党组织", "cancel_url": "org-list"})


@org_page(Perm.MANAGE_ORGS)
def org_edit(request, org):
    form = OrganizationForm(request.POST or None, instance=org, scope=orgs_where(request.user, Perm.MANAGE_ORGS))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["parent"] = data.pop("parent_code")
        try:
            org = services.update_organization(actor=request.user, org=org, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc, fields=_FORM_FIELDS)
        else:
            messages.success(request, "已保存。")
            return redirect("org-detail", code=org.code)
    return render(request, "form.html", {"form": form, "title": f"编辑：{org.name}", "cancel_url": "org-list"})
