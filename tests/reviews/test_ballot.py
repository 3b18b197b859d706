"""民主测评: casting and its guards, the tally only after close, paper counts, one vote per voter and
colleague under concurrent submissions (threads on PostgreSQL), and anonymity: no query, API field,
admin page, log line or audit entry joins a ballot to its voter."""

import logging
import threading
import uuid

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from branches import services as branch_services
from branches.models import Organization, Role
from core.models import AuditEntry
from members.models import Member
from reviews import services
from reviews.models import Ballot, BallotBox, BallotReceipt, MemberReview, PaperCount, Stage
from reviews.selectors import ballot_sheet, tally, voted_count
from tests.factories import UserFactory, make_member, make_org
from tests.reviews.conftest import YEAR, local

NOW = local(YEAR, 11, 28, 10)


def open_review(branch, secretary, members):
    review = services.create_member_review(actor=secretary, branch=branch, year=YEAR, now=NOW)
    MemberReview.objects.filter(pk=review.pk).update(stage=Stage.BALLOT)  # the earlier steps have their own tests
    review.refresh_from_db()
    return services.open_ballot(actor=secretary, review=review, now=NOW)


@pytest.fixture
def ballot(tree, people, secretary_a):
    return open_review(tree["a"], secretary_a, people)


@pytest.mark.django_db
class TestCasting:
    def test_a_member_grades_colleagues_once_each(self, ballot, people, member_a):
        wang = people["wang"]
        sheet = ballot_sheet(ballot, wang)
        assert {p.member.name for p in sheet.subjects} == {"李书记", "陈组织", "赵党员", "钱党员", "孙党员"}  # not himself, not 预备
        assert services.cast_ballot(actor=member_a, review=ballot, grades={people["zhao"].pk: "excellent"}) == 1
        assert services.cast_ballot(actor=member_a, review=ballot, grades={people["qian"].pk: "qualified",
                                                                           people["sun"].pk: "qualified"}) == 2
        with pytest.raises(ValidationError, match="已为赵党员投过票") as exc:
            services.cast_ballot(actor=member_a, review=ballot, grades={people["zhao"].pk: "qualified"})
        assert exc.value.code == "conflict"
        assert ballot_sheet(ballot, wang).done == {people["zhao"].pk, people["qian"].pk, people["sun"].pk}
        assert voted_count(ballot) == 1

    def test_guards(self, ballot, people, member_a, secretary_a, admin_user):
        with pytest.raises(ValidationError, match="不能为自己投票"):
            services.cast_ballot(actor=member_a, review=ballot, grades={people["wang"].pk: "excellent"})
        with pytest.raises(ValidationError, match="不在本次测评名单"):
            services.cast_ballot(actor=member_a, review=ballot, grades={people["zhou"].pk: "excellent"})
        with pytest.raises(ValidationError, match="等次无效"):
            services.cast_ballot(actor=member_a, review=ballot, grades={people["zhao"].pk: "great"})
        with pytest.raises(PermissionDenied, match="预备党员"):
            services.cast_ballot(actor=people["zhou"].user, review=ballot, grades={people["zhao"].pk: "qualified"})
        with pytest.raises(PermissionDenied):  # an administrator without a member record cannot vote
            services.cast_ballot(actor=admin_user, review=ballot, grades={people["zhao"].pk: "qualified"})
        services.close_ballot(actor=secretary_a, review=ballot, now=NOW)
        with pytest.raises(ValidationError, match="已结束"):
            services.cast_ballot(actor=member_a, review=ballot, grades={people["zhao"].pk: "qualified"})
        with pytest.raises(ValidationError, match="不能重新开始"):
            services.open_ballot(actor=secretary_a, review=ballot, now=NOW)

    def test_tally_only_after_close_with_paper_counts(self, ballot, people, member_a, secretary_a):
        services.cast_ballot(actor=member_a, review=ballot, grades={people["zhao"].pk: "excellent"})
        services.cast_ballot(actor=people["zhao"].user, review=ballot, grades={people["wang"].pk: "qualified"})
        services.cast_ballot(actor=people["qian"].user, review=ballot, grades={people["zhao"].pk: "qualified"})
        services.enter_paper_counts(actor=secretary_a, review=ballot, counts=[
            services.PaperEntry(people["zhao"], "excellent", 2), services.PaperEntry(people["sun"], "basically_qualified", 1)])
        with pytest.raises(ValidationError, match="投票结束后才能查看") as exc:
            tally(ballot)
        assert exc.value.code == "conflict"
        review = services.close_ballot(actor=secretary_a, review=ballot, now=NOW)
        rows = tally(review)
        assert rows[people["zhao"].pk].by_grade == {"excellent": 3, "qualified": 1, "basically_qualified": 0,
                                                   "unqualified": 0}
        assert rows[people["zhao"].pk].online == {"excellent": 1, "qualified": 1}
        assert rows[people["sun"].pk].total == 1 and people["zhou"].pk not in rows
        assert review.voters_count == 3 and not BallotBox.objects.filter(review=review).exists()
        assert Ballot.objects.filter(review=review).count() == 3

    def test_paper_counts_replace_and_are_checked(self, ballot, people, secretary_a):
        services.enter_paper_counts(actor=secretary_a, review=ballot, counts=[services.PaperEntry(people["zhao"], "excellent", 2)])
        services.enter_paper_counts(actor=secretary_a, review=ballot, counts=[services.PaperEntry(people["zhao"], "excellent", 5)])
        assert PaperCount.objects.get(review=ballot).count == 5
        with pytest.raises(ValidationError, match="不在本次测评名单"):
            services.enter_paper_counts(actor=secretary_a, review=ballot, counts=[services.PaperEntry(people["zhou"], "excellent", 1)])


@pytest.mark.django_db
class TestAnonymity:
    def test_no_column_joins_a_ballot_to_its_voter(self):
        ballot_fields = {f.name for f in Ballot._meta.get_fields()}
        receipt_fields = {f.name for f in BallotReceipt._meta.get_fields()}
        box_fields = {f.name for f in BallotBox._meta.get_fields()}
        assert ballot_fields == {"id", "review", "subject", "grade"}  # no voter, no timestamp
        assert receipt_fields == {"id", "review", "voter", "subject"}  # no grade, no timestamp
        assert box_fields == {"id", "review", "counts"}
        assert Ballot._meta.pk.get_internal_type() == "UUIDField"  # random ids, not an insertion sequence

    def test_ballots_are_written_at_close_in_one_batch_apart_from_every_receipt(self, ballot, people, member_a,
                                                                               secretary_a):
        for voter in ("wang", "zhao", "qian"):
            others = {p.pk: "qualified" for key, p in people.items() if key not in (voter, "zhou")}
            services.cast_ballot(actor=people[voter].user, review=ballot, grades=others)
        assert not Ballot.objects.filter(review=ballot).exists()  # nothing per voter while the ballot is open
        assert set(BallotBox.objects.get(review=ballot).counts) == {f"{p.pk}:qualified" for k, p in people.items()
                                                                     if k != "zhou"}
        services.close_ballot(actor=secretary_a, review=ballot, now=NOW)
        assert Ballot.objects.filter(review=ballot).count() == 15
        assert not BallotBox.objects.filter(review=ballot).exists()

    def test_casting_writes_no_audit_entry_and_no_log_line(self, ballot, people, member_a, caplog):
        before = AuditEntry.objects.count()
        with caplog.at_level(logging.DEBUG):
            services.cast_ballot(actor=member_a, review=ballot, grades={people["zhao"].pk: "unqualified"})
        assert AuditEntry.objects.count() == before
        assert [r for r in caplog.records if not r.name.startswith("django.db.backends")] == []
        assert not AuditEntry.objects.filter(target_type__in=["reviews.ballot", "reviews.ballotreceipt",
                                                              "reviews.ballotbox"]).exists()

    def test_close_is_audited_with_totals_only(self, ballot, people, member_a, secretary_a):
        services.cast_ballot(actor=member_a, review=ballot, grades={people["zhao"].pk: "unqualified"})
        services.close_ballot(actor=secretary_a, review=ballot, now=NOW)
        entry = AuditEntry.objects.filter(target_type="reviews.memberreview").latest("id")
        assert set(entry.changes) == {"ballot_status", "ballot_closed_at", "voters_count"}
        assert "unqualified" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))

    def test_admin_shows_neither_ballots_nor_the_box(self, ballot, people, member_a, client, django_user_model):
        assert Ballot not in admin.site._registry and BallotBox not in admin.site._registry
        assert BallotReceipt not in admin.site._registry
        services.cast_ballot(actor=member_a, review=ballot, grades={people["zhao"].pk: "unqualified"})
        client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "x"))
        page = client.get(f"/admin/reviews/memberreview/{ballot.pk}/change/").content.decode()
        assert "不合格" not in page and "unqualified" not in page
        assert client.get("/admin/reviews/ballot/").status_code == 404
        assert client.get("/admin/reviews/ballotreceipt/").status_code == 404


# --- one vote per voter and colleague, under concurrent submissions ------------------------------------


def _in_threads(n, target):
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = ("ok", target(i))
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_submissions_count_one_vote_per_voter_and_colleague(django_db_blocker):
    """Threads need committed rows. A transactional test would end with a flush that empties the rows the
    data migrations wrote for every later test (see tests/inspections/test_worker.py), so this one
    commits its own rows and deletes exactly those afterwards."""
    tag = uuid.uuid4().hex[:8]
    with django_db_blocker.unblock():
        audit_from = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        root = make_org(f"T{tag}", kind=Organization.Kind.PARTY_COMMITTEE, name="测试区委")
        branch = make_org(f"T{tag}A", parent=root, name="测试党支部")
        secretary = UserFactory(username=f"sec{tag}")
        branch_services.assign_role(actor=None, user=secretary, role=Role.SECRETARY, org=branch)
        try:
            _concurrent_casts(branch, secretary, tag)
        finally:
            MemberReview.objects.filter(branch=branch).delete()
            Member.objects.filter(branch=branch).delete()
            get_user_model().objects.filter(username__endswith=tag).delete()
            AuditEntry.objects.filter(id__gt=audit_from).delete()
            branch.delete()
            root.delete()


def _concurrent_casts(branch, secretary, tag):
    voters = [make_member(branch, name=f"投票人{i}", user=UserFactory(username=f"voter{i}{tag}")) for i in range(6)]
    subject = voters[0]
    review = open_review(branch, secretary, voters)

    # The same voter submits the same colleague from 6 tabs at once: exactly one counts.
    results = _in_threads(6, lambda i: services.cast_ballot(actor=voters[1].user, review=review,
                                                            grades={subject.pk: ["excellent", "qualified"][i % 2]}))
    assert [r[0] for r in results].count("ok") == 1, results
    assert all(isinstance(r[1], ValidationError) and r[1].code == "conflict" for r in results if r[0] == "error")
    assert BallotReceipt.objects.filter(review=review, voter=voters[1], subject=subject).count() == 1
    assert sum(BallotBox.objects.get(review=review).counts.values()) == 1

    # Five different voters at once: none is lost.
    results = _in_threads(5, lambda i: services.cast_ballot(actor=voters[i + 1].user, review=review,
                                                            grades={voters[(i + 2) % 6 or 1].pk: "qualified"}))
    assert [r[0] for r in results] == ["ok"] * 5, results  # five distinct (voter, colleague) pairs
    assert BallotReceipt.objects.filter(review=review).count() == 6
    assert sum(BallotBox.objects.get(review=review).counts.values()) == 6
    review = services.close_ballot(actor=secretary, review=review, now=NOW)
    assert Ballot.objects.filter(review=review).count() == 6
    assert sum(row.total for row in tally(review).values()) == 6

    # Each cast committed on its own; every ballot row was written by the one closing transaction
    # (PostgreSQL's xmin), which wrote no receipt: no row of one table shares a transaction with the other.
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT xmin::text FROM reviews_ballot WHERE review_id = %s", [review.pk])
        ballot_xids = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT DISTINCT xmin::text FROM reviews_ballotreceipt WHERE review_id = %s", [review.pk])
        receipt_xids = {row[0] for row in cursor.fetchall()}
    assert len(ballot_xids) == 1 and len(receipt_xids) == 6 and not ballot_xids & receipt_xids
