"""A 组织生活会 campaign's page (会前准备 → 会议 → 整改清单 → 报告上级), a member's own material, the
report to the upper level as a page and a PDF, and a material's file."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header

from branches.access import SIGNED_IN, record_page
from branches.permissions import Perm, has_perm
from core.forms import apply_service_errors
from meetings.attendance import summarize
from meetings.recordbook.pdf import STYLESHEET, html_to_pdf
from meetings.services import Mark
from reviews import services
from reviews.files import CONTENT_TYPES, extension
from reviews.forms import (
    DateOnlyForm,
    FollowUpForm,
    HoldForm,
    LifeMeetingForm,
    MaterialForm,
    OpinionForm,
    RectificationForm,
    RectificationStatusForm,
    ReportForm,
    StudyForm,
)
from reviews.models import LifeMeeting, Material, RectificationItem
from reviews.policy import campaign_policy
from reviews.selectors import can_view_details, life_meeting_checklist, report_due_on, visible_life_meetings

S = LifeMeeting.Status


def _visible(user):
    return visible_life_meetings(user).select_related("branch", "branch__parent", "meeting")


def _forms(lm, data=None, files=None, bound: str = ""):
    """Every form of the page; only `bound` gets the posted data (so an error keeps what was typed)."""
    branch = lm.branch

    def make(name, cls, initial=None, **kwargs):
        return cls(data if bound == name else None, files if bound == name else None, initial=initial, **kwargs)

    meeting = lm.meeting
    hold_initial = {"place": meeting.place if meeting else "", "secretary_report": lm.secretary_report,
                    "held_at": timezone.localtime(meeting.held_at) if meeting else None,
                    "host": meeting.host_id if meeting else None, "recorder": meeting.recorder_id if meeting else None,
                    "minutes": meeting.minutes if meeting else ""}
    return {
        "topic": make("topic", LifeMeetingForm, {"topic": lm.topic, "upper_topic": lm.upper_topic}),
        "study": make("study", StudyForm, {"study_on": lm.study_on, "study_summary": lm.study_summary}),
        "opinion": make("opinion", OpinionForm),
        "material": make("material", MaterialForm, branch=branch, on_behalf=True),
        "hold": make("hold", HoldForm, hold_initial, branch=branch),
        "item": make("item", RectificationForm, branch=branch),
        "publish": make("publish", DateOnlyForm, {"day": timezone.localdate()}),
        "report": make("report", ReportForm, {"report_summary": lm.report_summary, "report_problems": lm.report_problems,
                                              "reported_on": lm.reported_on or timezone.localdate()}),
        "follow_up": make("follow_up", FollowUpForm, {"follow_up_on": lm.follow_up_on or timezone.localdate(),
                                                      "follow_up_note": lm.follow_up_note}),
    }


def _criticism_entries(form: HoldForm) -> list[services.CriticismEntry]:
    members = {m.pk: m for m in form.members}
    entries = []
    for speaker, target, content in form.criticisms():
        if speaker not in members or (target is not None and target not in members):
            raise ValidationError({"criticisms": "请为每条批评与自我批评选择本支部的发言人（和被批评人）。"})
        entries.append(services.CriticismEntry(members[speaker], content, target=members.get(target)))
    return entries


def _act(request, lm, action: str, forms) -> str:
    """Run one posted action through its service; returns the success message (ValidationError: errors)."""
    user, now, post = request.user, timezone.now(), request.POST
    form = forms.get(action)
    if form is not None and not form.is_valid():
        raise ValidationError("请修改下面标出的内容后再提交。")
    data = form.cleaned_data if form is not None else {}
    if action == "topic":
        services.update_life_meeting(actor=user, life_meeting=lm, now=now, **data)
        return "已保存会议主题。"
    if action == "study":
        services.update_life_meeting(actor=user, life_meeting=lm, now=now, **data)
        return "已保存学习研讨情况。"
    if action == "opinion":
        services.add_opinion(actor=user, life_meeting=lm, source_kind=data["source"], count=data["count"],
                             summary=data["summary"])
        return "已记录征求意见情况。"
    if action == "opinion-delete":
        services.delete_opinion(actor=user, opinion=get_object_or_404(lm.opinions, pk=post.get("id", 0) or 0))
        return "已删除。"
    if action == "material":
        services.submit_material(actor=user, life_meeting=lm, member=data["member"], now=now, kind=data["kind"],
                                 text=data["text"], upload=data.get("file"), waived_reason=data["waived_reason"])
        return f"已登记{data['member'].name}的材料。"
    if action == "hold":
        absent = {m.pk: Mark("absent") for m in data["absent"]}
        services.hold_life_meeting(actor=user, life_meeting=lm, now=now, secretary_report=data["secretary_report"],
                                   criticisms=_criticism_entries(form), held_at=data["held_at"],
                                   also_kinds=data["also_kinds"], attendance=absent or None, ended_at=data["ended_at"],
                                   place=data["place"], host=data["host"], recorder=data["recorder"],
                                   minutes=data["minutes"])
        return "已记录组织生活会，请制定整改清单。"
    if action == "item":
        services.add_rectification(actor=user, life_meeting=lm, now=now, **data)
        return "已添加整改事项。"
    if action in ("item-status", "item-delete"):
        item = get_object_or_404(lm.rectifications, pk=post.get("id", 0) or 0)
        if action == "item-delete":
            services.delete_rectification(actor=user, item=item)
            return "已删除整改事项。"
        status_form = RectificationStatusForm(post)
        if not status_form.is_valid():
            raise ValidationError("整改状态无效。")
        services.update_rectification(actor=user, item=item, now=now, **status_form.cleaned_data)
        return f"已更新整改事项“{item.problem[:20]}”。"
    if action == "publish":
        services.publish_rectifications(actor=user, life_meeting=lm, published_on=data["day"], now=now)
        return "整改清单已公示。"
    if action == "report":
        services.submit_report(actor=user, life_meeting=lm, now=now, **data)
        return "已向上级报告，本次组织生活会完成。"
    if action == "reopen":
        services.reopen_life_meeting(actor=user, life_meeting=lm, now=now)
        return "已撤回完成状态，更正后请重新报告。"
    if action == "follow_up":
        services.update_life_meeting(actor=user, life_meeting=lm, now=now, **data)
        return "已记录回头看情况。"
    raise ValidationError("未知的操作。")


@record_page(Perm.VIEW, load=_visible)
def life_meeting_detail(request, lm):
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms = _forms(lm, request.POST, request.FILES, bound=action) if action else _forms(lm)
    if action:
        try:
            message = _act(request, lm, action, forms)
        except ValidationError as exc:
            if action in forms and exc.messages != ["请修改下面标出的内容后再提交。"]:
                apply_service_errors(forms[action], exc)
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, message)
            return redirect(f"{request.path}#{action.split('-')[0]}")
    lm.refresh_from_db()
    today = timezone.localdate()
    checklist = life_meeting_checklist(lm, on=today)
    policy = campaign_policy(lm.branch, at=today)
    items = list(lm.rectifications.select_related("owner"))
    return render(request, "reviews/life_meeting.html", {
        "lm": lm, "branch": lm.branch, "forms": forms, "checklist": checklist, "items": items, "today": today,
        "criticisms": list(lm.criticisms.select_related("speaker", "target")),
        "criticism_rows": range(max(len(checklist.expected) + 1, 4)),
        "members": forms["hold"].members, "report_due": report_due_on(lm, policy.report_days),
        "can_record": has_perm(request.user, Perm.RECORD, lm.branch), "statuses": RectificationItem.Status.choices,
        "unpublished": sum(1 for item in items if item.published_on is None),
        "steps": [(s, label, _step_done(lm, s)) for s, label in S.choices],
    })


def _step_done(lm, status) -> bool:
    order = list(S.values)
    return order.index(lm.status) > order.index(status) or lm.status == S.COMPLETED


@record_page(SIGNED_IN, load=_visible)
def life_meeting_material(request, lm):
    """A member submits his own 对照检查材料/发言提纲 from his phone."""
    member = getattr(request.user, "member", None)
    if member is None or member.branch_id != lm.branch_id:
        raise PermissionDenied("只有本支部党员可以提交对照检查材料。")
    existing = Material.objects.filter(life_meeting=lm, member=member).first()
    form = MaterialForm(request.POST or None, request.FILES or None, branch=lm.branch, on_behalf=False,
                        initial={"kind": existing.kind if existing else Material.Kind.CHECK,
                                 "text": existing.text if existing else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_material(actor=request.user, life_meeting=lm, member=member, now=timezone.now(),
                                     kind=form.cleaned_data["kind"], text=form.cleaned_data["text"],
                                     upload=form.cleaned_data.get("file"))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "材料已提交。")
            return redirect("life-meeting-material", pk=lm.pk)
    return render(request, "reviews/material_form.html", {"lm": lm, "form": form, "existing": existing,
                                                          "open": lm.status == S.PREPARATION})


def _report_context(lm):
    return {"lm": lm, "items": list(lm.rectifications.select_related("owner")),
            "opinions": list(lm.opinions.all()), "criticisms": list(lm.criticisms.select_related("speaker", "target")),
            "attendance": _attendance(lm), "generated_at": timezone.localtime()}


def _attendance(lm):
    if lm.meeting is None:
        return None
    return summarize(lm.meeting.attendance.select_related("member").order_by("member__name"))


@record_page(Perm.VIEW, load=_visible)
def life_meeting_report(request, lm):
    return render(request, "reviews/life_meeting_report.html", _report_context(lm))


@record_page(Perm.VIEW, load=_visible)
def life_meeting_report_pdf(request, lm):
    html = render_to_string("reviews/pdf/life_meeting_report.html", {**_report_context(lm),
                                                                     "stylesheet": f"/static/{STYLESHEET}"})
    pdf, _pages = html_to_pdf(html)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        True, f"{lm.branch.name}{lm.period_label}组织生活会情况报告.pdf")
    return response


def _visible_materials(user):
    return Material.objects.filter(life_meeting__in=visible_life_meetings(user)).select_related("life_meeting__branch",
                                                                                               "member")


@record_page(SIGNED_IN, load=_visible_materials, org=lambda m: m.life_meeting.branch)
def material_file(request, material):
    """The file of a material: its author and the branch's viewers (others: 403)."""
    own = getattr(request.user, "member", None)
    if not (can_view_details(request.user, material.life_meeting.branch) or (own and own.pk == material.member_id)):
        raise PermissionDenied("只有本人和党支部可以查看该材料。")
    if not material.file:
        raise Http404("该材料没有附件。")
    ext = extension(material.filename or material.file.name)
    return FileResponse(material.file.open("rb"), as_attachment=True, filename=material.filename or f"材料.{ext}",
                        content_type=CONTENT_TYPES.get(ext, "application/octet-stream"))

