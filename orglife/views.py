from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from branches.models import Organization, OrgRole
from branches.selectors import branch_facts_for


@login_required
def home(request):
    """Each user lands on what their roles cover: their branches, their subtrees, or their own record."""
    roles = list(OrgRole.objects.filter(user=request.user).select_related("org").order_by("org__path"))
    branches = [r.org for r in roles if r.org and r.org.kind == Organization.Kind.BRANCH]
    branches = list({b.pk: b for b in branches}.values())
    facts = branch_facts_for(branches, at=timezone.localdate()) if branches else {}
    return render(request, "home.html", {
        "roles": roles,
        "branch_cards": [(b, facts[b.pk]) for b in branches],
        "member": getattr(request.user, "member", None),
    })


def healthz(request):
    return JsonResponse({"status": "ok"})
