"""The campaigns' rows in the record book's version key (meetings.recordbook.version): 组织生活会 with its
opinions, materials, criticisms and 整改清单, 民主评议 with its participants and counts, 谈心谈话 and the
警示教育 details, all found through the branch (the distribution key). Registered in ReviewsConfig.ready().

The rows are the branch's of every year (not only the book's): a change to the branch's campaigns of
another year re-renders its other books too, never another branch's."""

from meetings.recordbook.version import rows_digest

_LIFE = "t.life_meeting_id IN (SELECT l.id FROM reviews_lifemeeting l WHERE l.branch_id = %s)"
_REVIEW = "t.review_id IN (SELECT r.id FROM reviews_memberreview r WHERE r.branch_id = %s)"
_MEETING = "t.meeting_id IN (SELECT m.id FROM meetings_meeting m WHERE m.branch_id = %s)"
TABLES = (
    ("reviews_lifemeeting", "t.branch_id = %s"),
    ("reviews_opinion", _LIFE), ("reviews_material", _LIFE), ("reviews_criticism", _LIFE),
    ("reviews_rectificationitem", "t.branch_id = %s"),
    ("reviews_memberreview", "t.branch_id = %s"),
    ("reviews_participant", _REVIEW), ("reviews_papercount", _REVIEW), ("reviews_ballotreceipt", _REVIEW),
    ("reviews_talk", "t.branch_id = %s"),
    ("reviews_warningeducation", _MEETING),
)


def campaign_rows(branch_id, start, end, first, last):
    parts = ", ".join(f"({rows_digest(table, where)})" for table, where in TABLES)
    return f"SELECT md5(concat_ws('/', {parts}))", [branch_id] * len(TABLES)
