"""Pages that bring several apps together: the home page, an organization's hub page, the health check."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse_lazy
from django.utils import timezone
from rest_framework.authtoken.models import Token

from branches.access import SIGNED_IN, org_page, public, signed_in
from branches.permissions import Perm, has_perm
from branches.selectors import visible_orgs
from branches.views import org_list_page
from meetings.compliance import State, current_obligations
from members.selectors import branch_facts, visible_members
from orglife.workbench import desks_for, org_states
from reviews.selectors import campaign_tasks_for

OVERDUE_SHOWN = 3  # a long tail of overdue periods would bury what can still be done


@signed_in
def home(request):
    """The 工作台: what each of the user's roles must do now (orglife.workbench), the first page after login."""
    context = desks_for(request.user, now=timezone.now())
    member = getattr(request.user, "member", None)
    context["campaign_tasks"] = campaign_tasks_for(member) if member else []
    return render(request, "home.html", context)


@signed_in
def org_list(request):
    """The organization tree, each organization with its state: open overdue and 待补记 meeting alerts in its
    subtree, and its term (expiring within the policy's reminder months, or expired)."""
    context = org_list_page(request)
    orgs = list(context["page"].object_list)
    context["states"] = org_states(orgs, today=timezone.localdate())
    context["rows"] = [(org, context["states"][org.pk]) for org in orgs]
    return render(request, "branches/org_list.html", context)


@org_page(SIGNED_IN)
def org_detail(request, org):
    """An organization's page: for a branch, what it owes now, its 党小组 and roster; above, its children.
    Anyone who may see the organization opens it (a member his own branch); the sections need Perm.VIEW."""
    user = request.user
    can_view = has_perm(user, Perm.VIEW, org)
    context = {
        "org": org,
        "can_edit": has_perm(user, Perm.MANAGE_ORGS, org),
        "can_manage_members": has_perm(user, Perm.MANAGE_MEMBERS, org),
        "can_record": has_perm(user, Perm.RECORD, org),
        "can_view_roster": can_view,
    }
    if org.is_branch:
        context["facts"] = branch_facts(org, at=timezone.localdate())
        if can_view:
            owed = current_obligations(org, now=timezone.now())
            overdue = [s for s in owed if s.state == State.OVERDUE]
            context["obligations"] = overdue[-OVERDUE_SHOWN:] + [s for s in owed if s.state != State.OVERDUE]
            context["overdue_hidden"] = max(0, len(overdue) - OVERDUE_SHOWN)
        context["branch"] = org
        context["groups"] = org.party_groups.select_related("leader").order_by("name")
        roster = visible_members(user).filter(branch=org).select_related("party_group").order_by("name", "id")
        context["roster_page"] = Paginator(roster, 100).get_page(request.GET.get("page"))
    else:
        children = org.children.filter(pk__in=visible_orgs(user)).order_by("kind", "name")
        context["children_page"] = Paginator(children, 50).get_page(request.GET.get("page"))
    return render(request, "branches/org_detail.html", context)


@public
def not_found(request, path=""):
    """Any URL nothing else matches: the branded 404 page (also under DEBUG, where Django would show its
    technical page for a mistyped address), JSON under /api/; a missing trailing slash is added as
    APPEND_SLASH would (this catch-all makes every path resolve)."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(request.path + "/" + (f"?{query}" if query else ""))
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "未找到。"}, status=404)
    return render(request, "404.html", status=404)


@public
def healthz(request):
    return JsonResponse({"status": "ok"})


class PasswordChange(auth_views.PasswordChangeView):
    """修改密码: Django's form (old password, new twice, the project's validators); the API token is
    revoked with the old password, and the session stays signed in."""

    template_name = "form.html"
    extra_context = {"title": "修改密码"}
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        Token.objects.filter(user=self.request.user).delete()
        messages.success(self.request, "密码已修改。")
        return response


password_change = signed_in(PasswordChange.as_view())


def bad_request(request, exception=None):
    """handler400: the page says what was wrong with the address (a BadRequest carries a Chinese message)."""
    from django.core.exceptions import BadRequest
    from django.http import HttpResponseBadRequest
    from django.template import loader

    message = str(exception) if isinstance(exception, BadRequest) else ""
    # rendered without the request: a refused host stops the middleware before request.user exists
    return HttpResponseBadRequest(loader.render_to_string("400.html", {"message": message}))
