"""民主测评: an anonymous online ballot (domain-rules §3.2 step 3).

Each 正式党员 taking part grades each colleague once (优秀/合格/基本合格/不合格), from a phone. Who voted
(BallotReceipt: voter, subject) is stored apart from what was voted (BallotBox: counts only, while the
ballot is open) with nothing that joins them; at close the box becomes Ballot rows with random ids,
no voter and no time, written in one shuffled batch, and the box is deleted. Casting writes no audit
entry and logs nothing: the receipts are the record of who took part. The tally is readable only after
the ballot has closed (reviews.selectors.tally). Paper ballots are entered as counts.
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from core import audit
from members.models import Member
from reviews.models import GRADE_VALUES, Ballot, BallotBox, BallotReceipt, MemberReview, PaperCount, Stage
from reviews.services.common import changed, check_year_open, conflict, require_record

B = MemberReview.BallotStatus
_shuffle = random.SystemRandom().shuffle


def _locked(review: MemberReview) -> MemberReview:
    """Casting, closing and paper counts of one review queue on its row, so a close never misses a cast
    in flight and two casts of the same voter cannot both pass the receipt check."""
    review = MemberReview.objects.select_for_update(of=("self",)).select_related("branch").get(pk=review.pk)
    check_year_open(review.branch, review.year)
    return review


@transaction.atomic
def open_ballot(*, actor, review: MemberReview, now: datetime, source: str = "web") -> MemberReview:
    review = _locked(review)
    require_record(actor, review.branch)
    if review.stage != Stage.BALLOT:
        raise conflict("进入“民主测评”环节后才能开始投票。")
    if review.ballot_status != B.NOT_OPEN:
        raise conflict("民主测评投票已经开始过，不能重新开始。")
    if sum(1 for p in review.participants.all() if p.takes_ballot) < 2:
        raise conflict("参加测评的正式党员不足2人，无法互相测评；请改用纸质测评票并录入统计数。")
    before = audit.snapshot(review)
    review.ballot_status, review.ballot_opened_at = B.OPEN, now
    review.save(update_fields=["ballot_status", "ballot_opened_at"])
    BallotBox.objects.create(review=review, counts={})
    audit.record_update(actor=actor, instance=review, before=before, source=source)
    changed(review.branch)
    return review


@transaction.atomic
def cast_ballot(*, actor, review: MemberReview, grades: dict[int, str]) -> int:
    """The voter (the signed-in member) grades colleagues: {member id: grade}. Each colleague once per
    voter, across any number of submissions; a repeat is refused whole (409). Returns how many grades
    were cast."""
    voter = getattr(actor, "member", None)
    if voter is None:
        raise PermissionDenied("您的账号未关联党员信息，不能参加民主测评。")
    review = _locked(review)
    if review.ballot_status != B.OPEN:
        raise conflict("民主测评投票未开始或已结束。" if review.ballot_status == B.NOT_OPEN else "民主测评投票已结束。")
    participants = {p.member_id: p for p in review.participants.select_related("member")}
    me = participants.get(voter.pk)
    if me is None or not me.takes_ballot:
        raise PermissionDenied("只有参加本次民主评议的正式党员可以投票（预备党员参加自评和互评，不参加测评投票）。")
    errors = []
    if not grades:
        errors.append("请至少为一名党员选择等次。")
    for subject_id, grade in grades.items():
        subject = participants.get(subject_id)
        if subject_id == voter.pk:
            errors.append("不能为自己投票（个人情况在“个人自评”中说明）。")
        elif subject is None or not subject.takes_ballot:
            errors.append(f"编号{subject_id}的人员不在本次测评名单中。")
        elif grade not in GRADE_VALUES:
            errors.append(f"为{subject.member.name}选择的等次无效。")
    if errors:
        raise ValidationError({"grades": errors})
    done = set(BallotReceipt.objects.filter(review=review, voter=voter, subject_id__in=grades).values_list("subject_id", flat=True))
    if done:
        names = "、".join(participants[i].member.name for i in sorted(done))
        raise conflict(f"您已为{names}投过票，每人只能投一次，不能修改。")
    try:
        with transaction.atomic():
            BallotReceipt.objects.bulk_create([BallotReceipt(review=review, voter=voter, subject_id=i) for i in grades])
    except IntegrityError:  # the unique constraint backs the check above
        raise conflict("您已为所选党员投过票，每人只能投一次。") from None
    box = BallotBox.objects.select_for_update().get(review=review)
    counts = Counter(box.counts)
    counts.update(f"{subject_id}:{grade}" for subject_id, grade in grades.items())
    box.counts = dict(sorted(counts.items()))  # keyed, not appended: the box keeps no order
    box.save(update_fields=["counts"])
    return len(grades)


@transaction.atomic
def close_ballot(*, actor, review: MemberReview, now: datetime, source: str = "web") -> MemberReview:
    """End the ballot: the box's counts become Ballot rows in random order in one batch, and the box goes.
    From now on the tally can be read; nobody can vote any more."""
    review = _locked(review)
    require_record(actor, review.branch)
    if review.ballot_status != B.OPEN:
        raise conflict("民主测评投票未在进行中。")
    box = BallotBox.objects.select_for_update().get(review=review)
    ballots = [Ballot(review=review, subject_id=int(key.split(":")[0]), grade=key.split(":")[1])
               for key, n in box.counts.items() for _ in range(n)]
    _shuffle(ballots)
    Ballot.objects.bulk_create(ballots, batch_size=2000)
    box.delete()
    before = audit.snapshot(review)
    review.ballot_status, review.ballot_closed_at = B.CLOSED, now
    review.voters_count = BallotReceipt.objects.filter(review=review).values("voter_id").distinct().count()
    review.save(update_fields=["ballot_status", "ballot_closed_at", "voters_count"])
    audit.record_update(actor=actor, instance=review, before=before, source=source)
    changed(review.branch)
    return review


@dataclass(frozen=True)
class PaperEntry:
    member: Member
    grade: str
    count: int


@transaction.atomic
def enter_paper_counts(*, actor, review: MemberReview, counts: list[PaperEntry], source: str = "web") -> int:
    """Paper ballots counted by hand, as totals per member and grade (each entry replaces the earlier
    total for that member and grade). During the 民主测评 step only."""
    review = _locked(review)
    require_record(actor, review.branch)
    if review.stage != Stage.BALLOT:
        raise conflict("纸质测评票只能在“民主测评”环节录入。")
    graded = {p.member_id for p in review.participants.all() if p.takes_ballot}
    errors = []
    for e in counts:
        if e.member.pk not in graded:
            errors.append(f"“{e.member.name}”不在本次测评名单中。")
        if e.grade not in GRADE_VALUES:
            errors.append(f"“{e.member.name}”的等次无效。")
        if e.count is None or e.count < 0:
            errors.append(f"“{e.member.name}”的票数不能为负数。")
    if errors:
        raise ValidationError({"counts": errors})
    for e in counts:
        row, created = PaperCount.objects.get_or_create(review=review, subject=e.member, grade=e.grade,
                                                        defaults={"count": e.count})
        if created:
            audit.record_create(actor=actor, instance=row, source=source)
        elif row.count != e.count:
            before = audit.snapshot(row)
            row.count = e.count
            row.save(update_fields=["count"])
            audit.record_update(actor=actor, instance=row, before=before, source=source)
    changed(review.branch)
    return len(counts)

