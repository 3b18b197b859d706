"""警示教育 (domain-rules §7; seed text "每年集中开展1至2次", [U]): recorded once, as a meeting of kind
warning_education (its participants are the meeting's attendance; it may also count as the 主题党日 or
党课 it was held with) plus what only 警示教育 has: the form, the case or material, the reflections.
It counts against the warning_education rule (≥ 1 a year, target 2) like any meeting of its kind."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from branches.models import Organization
from core import audit
from meetings import services as meeting_services
from meetings.models import Kind
from reviews.models import WarningEducation
from reviews.services.common import changed, require_record

ALSO_KINDS = (Kind.THEME_DAY, Kind.PARTY_LECTURE, Kind.BRANCH_ASSEMBLY, Kind.GROUP_MEETING)


@transaction.atomic
def record_warning_education(*, actor, branch: Organization, held_at: datetime, topic: str, form: str, material: str,
                             now: datetime, form_other: str = "", reflections: str = "", also_kinds: list[str] | None = None,
                             attendance: dict | None = None, education: WarningEducation | None = None,
                             source: str = "web", **meeting_fields) -> WarningEducation:
    """New, or correcting `education`. Attendance as any meeting: everyone expected present unless marked."""
    require_record(actor, branch)
    errors = {}
    if form not in WarningEducation.Form.values:
        errors["form"] = "请选择警示教育形式。"
    elif form == WarningEducation.Form.OTHER and not form_other.strip():
        errors["form_other"] = "形式为“其他”时请说明。"
    if not material.strip():
        errors["material"] = "请填写案例或教育材料（如警示教育片名称、案例、基地名称）。"
    also = [k for k in (also_kinds or []) if k != Kind.WARNING_EDUCATION]
    if set(also) - set(ALSO_KINDS):
        errors["also_kinds"] = "警示教育只能同时计为主题党日、党课、党员大会或党小组会。"
    if errors:
        raise ValidationError(errors)
    meeting = meeting_services.record_meeting(
        actor=actor, branch=branch, kinds=[Kind.WARNING_EDUCATION, *also], held_at=held_at, topic=topic, now=now,
        attendance=attendance, meeting=education.meeting if education else None, source=source, **meeting_fields)
    before = audit.snapshot(education) if education else None
    education = education or WarningEducation(meeting=meeting)
    education.form, education.form_other = form, form_other.strip() if form == WarningEducation.Form.OTHER else ""
    education.material, education.reflections = material.strip()[:300], reflections.strip()
    education.save()
    if before is None:
        audit.record_create(actor=actor, instance=education, source=source)
    else:
        audit.record_update(actor=actor, instance=education, before=before, source=source)
    changed(branch)
    return education
