"""Write-side services of the campaigns, one per domain action (keyword-only; validate, save, audit in one
transaction; announce the branch change). Views, the API, the admin and commands all call these."""

from reviews.services.ballot import PaperEntry, cast_ballot, close_ballot, enter_paper_counts, open_ballot
from reviews.services.life import (
    CriticismEntry,
    add_opinion,
    add_rectification,
    create_life_meeting,
    delete_opinion,
    delete_rectification,
    hold_life_meeting,
    publish_rectifications,
    reopen_life_meeting,
    submit_material,
    submit_report,
    update_life_meeting,
    update_rectification,
)
from reviews.services.review import (
    GradeEntry,
    advance_review,
    create_member_review,
    excuse_participant,
    record_correction_outcome,
    record_grades,
    reopen_review,
    stage_blockers,
    submit_self_assessment,
    update_member_review,
)
from reviews.services.talks import TalkEntry, can_record_talks, delete_talk, record_talks, sync_talk_coverage
from reviews.services.warning import record_warning_education

__all__ = [
    "CriticismEntry", "GradeEntry", "PaperEntry", "TalkEntry", "add_opinion", "add_rectification", "advance_review",
    "can_record_talks", "cast_ballot", "close_ballot", "create_life_meeting", "create_member_review", "delete_opinion",
    "delete_rectification", "delete_talk", "enter_paper_counts", "excuse_participant", "hold_life_meeting",
    "open_ballot", "publish_rectifications", "record_correction_outcome", "record_grades", "record_talks",
    "record_warning_education", "reopen_life_meeting", "reopen_review", "stage_blockers", "submit_material",
    "submit_report", "submit_self_assessment", "sync_talk_coverage", "update_life_meeting", "update_member_review",
    "update_rectification",
]
