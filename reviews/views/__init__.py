"""The campaigns' pages, each declaring its permission (branches.access): a branch's campaigns of a year,
组织生活会, 民主评议党员 (and a member's ballot and self-assessment), 谈心谈话 and 警示教育."""

from reviews.views.hub import campaigns, life_meeting_create, member_review_create
from reviews.views.life import (
    life_meeting_detail,
    life_meeting_material,
    life_meeting_report,
    life_meeting_report_pdf,
    material_file,
)
from reviews.views.review import ballot, member_review_detail, self_assessment
from reviews.views.talks import talk_delete, talk_list, talk_new, warning_list, warning_new

__all__ = ["ballot", "campaigns", "life_meeting_create", "life_meeting_detail", "life_meeting_material",
           "life_meeting_report", "life_meeting_report_pdf", "material_file", "member_review_create",
           "member_review_detail", "self_assessment", "talk_delete", "talk_list", "talk_new", "warning_list",
           "warning_new"]
