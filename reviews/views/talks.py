"""谈心谈话 (records, several at once, and the year's coverage) and 警示教育 (records against the yearly rule)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from branches.access import SIGNED_IN, org_page, record_page
from branches.models import Organization
from branches.permissions import Perm, has_perm
from core.forms import apply_service_errors
from meetings.compliance import compliance_for_branch
from meetings.models import Kind, QuotaRule
from meetings.services import Mark
from reviews import services
from reviews.forms import TalkBatchForm, WarningEducationForm
from reviews.models import Talk, WarningEducation
from reviews.selectors import talk_coverage, visible_talks
from reviews.views.hub import FIRST_YEAR, year_of

BRANCH = Organization.Kind.BRANCH


def _state(branch, kind, year):
    return next((s for s in compliance_for_branch(branch, year=year, now=timezone.now()) if s.kind == kind), None)


@org_page(Perm.VIEW, kind=BRANCH)
def talk_list(request, branch):
    year = year_of(request)
    talks = (Talk.objects.filter(branch=branch, held_on__year=year).select_related("talker", "counterpart")
             .order_by("-held_on", "-id"))
    this_year = timezone.localdate().year
    return render(request, "reviews/talks.html", {
        "branch": branch, "year": year, "years": range(this_year, FIRST_YEAR - 1, -1),
        "page": Paginator(talks, 50).get_page(request.GET.get("page")),
        "coverage": talk_coverage(branch, year=year, at=timezone.localdate()),
        "state": _state(branch, QuotaRule.HEART_TALKS, year),
    })


@org_page(Perm.VIEW, kind=BRANCH)
def talk_new(request, branch):
    """One talker's talks, several at once. A 支委 logs his own; the branch (书记, 组织委员) anyone's."""
    own = getattr(request.user, "member", None)
    initial = {"held_on": timezone.localdate(), "talker": own.pk if own and own.branch_id == branch.pk else None}
    form = TalkBatchForm(request.POST or None, initial=initial, branch=branch)
    if request.method == "POST" and form.is_valid():
        members = {m.pk: m for m in form.members}
        try:
            entries = []
            for i, (who, content, suggestions) in enumerate(form.entries(), 1):
                if who not in members:
                    raise ValidationError({"talker": f"第{i}行：请选择谈话对象。"})
                entries.append(services.TalkEntry(members[who], content, suggestions))
            talks = services.record_talks(actor=request.user, branch=branch, talker=form.cleaned_data["talker"],
                                          held_on=form.cleaned_data["held_on"], place=form.cleaned_data["place"],
                                          entries=entries, now=timezone.now())
        except ValidationError as exc:
            apply_service_errors(form, exc, fields={"entries": "__all__", "held_on": "held_on"})
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已记录{len(talks)}次谈心谈话。")
            return redirect("talk-list", code=branch.code)
    data = request.POST
    rows = [{"i": i, "counterpart": int(c) if (c := data.get(f"counterpart-{i}", "")).isdigit() else None,
             "content": data.get(f"content-{i}", ""), "suggestions": data.get(f"suggestions-{i}", "")}
            for i in range(form.ROWS)]  # what was typed survives an error
    return render(request, "reviews/talk_form.html", {"branch": branch, "form": form, "rows": rows})


def _visible_talks(user):
    return visible_talks(user).select_related("branch")


@record_page(SIGNED_IN, load=_visible_talks)
@require_POST
def talk_delete(request, talk):
    try:
        services.delete_talk(actor=request.user, talk=talk, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已删除该谈心谈话记录。")
    return redirect("talk-list", code=talk.branch.code)


@org_page(Perm.VIEW, kind=BRANCH)
def warning_list(request, branch):
    year = year_of(request)
    educations = (WarningEducation.objects.filter(meeting__branch=branch, meeting__held_at__year=year)
                  .select_related("meeting").prefetch_related("meeting__attendance").order_by("-meeting__held_at"))
    this_year = timezone.localdate().year
    return render(request, "reviews/warning_list.html", {
        "branch": branch, "year": year, "years": range(this_year, FIRST_YEAR - 1, -1), "educations": educations,
        "state": _state(branch, Kind.WARNING_EDUCATION, year), "can_record": has_perm(request.user, Perm.RECORD, branch),
    })


@org_page(Perm.RECORD, kind=BRANCH)
def warning_new(request, branch):
    form = WarningEducationForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        absent = {m.pk: Mark("absent") for m in data.pop("absent")}
        try:
            services.record_warning_education(actor=request.user, branch=branch, now=timezone.now(),
                                              attendance=absent or None, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "已记录警示教育。")
            return redirect("warning-list", code=branch.code)
    return render(request, "form.html", {"form": form, "title": f"记录警示教育：{branch.name}"})
