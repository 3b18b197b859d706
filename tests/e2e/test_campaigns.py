"""Campaign journeys in Chromium: a member casts a 民主测评 ballot on a phone; the secretary closes the
ballot, sees the tally and records grades; the secretary builds and publishes a 整改清单.

Set E2E_SCREENSHOTS=<folder> to keep a PNG of each page (desktop 1280×900, phone 390×844)."""

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from branches import services as branch_services
from branches.models import Role
from reviews import services
from reviews.models import Ballot, BallotReceipt, LifeMeeting, MemberReview, Stage
from tests.e2e.conftest import login
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("E2E_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def branch_people(tree):
    branch = tree["a"]
    secretary = UserFactory(username="secretary_a")
    branch_services.assign_role(actor=None, user=secretary, role=Role.SECRETARY, org=branch)
    people = {"secretary": make_member(branch, name="李书记", party_post="secretary", user=secretary),
              "organizer": make_member(branch, name="陈组织", party_post="organization_member"),
              "wang": make_member(branch, name="王党员", user=UserFactory(username="member_a")),
              "zhao": make_member(branch, name="赵党员"), "qian": make_member(branch, name="钱党员"),
              "sun": make_member(branch, name="孙党员"),
              "zhou": make_member(branch, name="周预备", category="probationary", joined_on=date(2026, 3, 1))}
    return branch, secretary, people


@pytest.fixture
def open_ballot(branch_people):
    branch, secretary, people = branch_people
    now = timezone.now()
    review = services.create_member_review(actor=secretary, branch=branch, year=timezone.localdate(now).year, now=now)
    MemberReview.objects.filter(pk=review.pk).update(stage=Stage.BALLOT)  # the earlier steps have their own tests
    return services.open_ballot(actor=secretary, review=review, now=now)


def test_member_casts_a_ballot_on_a_phone(phone, branch_people, open_ballot):
    _branch, _secretary, people = branch_people
    login(phone, "member_a")
    shot(phone, "phone-home-with-ballot")
    phone.click("text=民主测评正在投票")
    phone.wait_for_selector("#ballot-form")
    legends = phone.locator("legend").all_inner_texts()
    assert sorted(legends) == sorted(["李书记", "陈组织", "赵党员", "钱党员", "孙党员"])  # not himself, not 预备
    shot(phone, "phone-ballot")
    choices = {"李书记": "优秀", "陈组织": "合格", "赵党员": "合格", "钱党员": "基本合格", "孙党员": "合格"}
    for name, grade in choices.items():
        phone.locator("fieldset", has_text=name).get_by_text(grade, exact=True).click()
    phone.click("#cast")
    phone.wait_for_selector("#ballot-done")
    shot(phone, "phone-ballot-done")
    assert "已投票（5人）" in phone.inner_text("main")
    assert BallotReceipt.objects.filter(review=open_ballot, voter=people["wang"]).count() == 5
    assert not Ballot.objects.exists()  # nothing per voter until the ballot closes
    # the page is usable on a phone: no horizontal scrolling
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_secretary_closes_the_ballot_sees_the_tally_and_records_grades(page, branch_people, open_ballot):
    _branch, secretary, people = branch_people
    voter = UserFactory(username="zhao_user")
    people["zhao"].user = voter
    people["zhao"].save(update_fields=["user"])
    services.cast_ballot(actor=people["wang"].user, review=open_ballot, grades={people["zhao"].pk: "excellent",
                                                                                people["sun"].pk: "qualified"})
    services.cast_ballot(actor=voter, review=open_ballot, grades={people["wang"].pk: "excellent"})
    login(page, "secretary_a")
    page.goto(f"/member-reviews/{open_ballot.pk}/")
    assert page.inner_text("#voted") == "2"
    assert "测评结果在投票结束后显示" in page.inner_text("#open")
    shot(page, "desktop-review-ballot-open")
    page.click("#close-ballot")
    page.wait_for_selector("#tally")
    tally = page.inner_text("#tally")
    assert "赵党员" in tally and "王党员" in tally
    page.click("#advance")
    page.wait_for_selector("#save-grades")
    for key in ("secretary", "organizer", "wang", "zhao"):
        grade = "excellent" if key in ("wang", "zhao", "secretary") else "qualified"
        page.select_option(f"select[name=grade-{people[key].pk}]", grade)
    page.select_option(f"select[name=grade-{people['qian'].pk}]", "qualified")
    page.select_option(f"select[name=grade-{people['sun'].pk}]", "basically_qualified")
    page.select_option(f"select[name=disposition-{people['sun'].pk}]", "remind")
    page.fill(f"input[name=follow-{people['sun'].pk}]", "书记谈话提醒，帮助制定改进计划")
    page.fill(f"input[name=note-{people['wang'].pk}]", "发挥先锋模范作用")
    assert "预备党员：参加自评、互评，不评定等次" in page.inner_text("#grades")
    page.click("#save-grades")
    page.wait_for_selector("text=已保存组织评定结果")
    assert "超过党员总数7人的1/3" in page.inner_text("main")  # 3 优秀 of 7
    shot(page, "desktop-review-grading")
    grades = dict(open_ballot.participants.values_list("member__name", "grade"))
    assert grades["王党员"] == "excellent" and grades["孙党员"] == "basically_qualified" and grades["周预备"] == ""


def test_secretary_builds_and_publishes_a_rectification_list(page, branch_people):
    branch, secretary, people = branch_people
    now = timezone.now()
    lm = services.create_life_meeting(actor=secretary, branch=branch, topic="年度组织生活会", now=now,
                                      upper_topic="学习贯彻党的二十大精神", study_summary="集中学习党章")
    services.add_opinion(actor=secretary, life_meeting=lm, source_kind="forum", count=5, summary="联系群众不够")
    for member in people.values():
        services.submit_material(actor=secretary, life_meeting=lm, member=member, now=now, text="对照检查材料")
    held = now - timedelta(hours=3)
    services.hold_life_meeting(actor=secretary, life_meeting=lm, now=now, held_at=held, secretary_report="书记报告",
                               criticisms=[services.CriticismEntry(people["wang"], "学习不够", target=people["zhao"])])
    login(page, "secretary_a")
    page.click("text=兴隆社区党支部")
    page.click("text=组织生活会与民主评议")
    shot(page, "desktop-campaigns")
    page.click("text=年度组织生活会")
    deadline = (timezone.localdate() + timedelta(days=90)).isoformat()
    for problem, measure, owner in (("理论学习不够系统", "制定月度学习计划", "李书记"),
                                    ("联系群众不够紧密", "每季度走访党员群众", "")):
        page.fill("#item-form textarea[name=problem]", problem)
        page.fill("#item-form textarea[name=measure]", measure)
        if owner:
            page.select_option("#item-form select[name=owner]", label=owner)
        page.fill("#item-form input[name=deadline]", deadline)
        page.click("#item-save")
        page.wait_for_selector("text=已添加整改事项")
    assert page.locator("table.rectifications tbody tr").count() == 2
    page.click("#publish")
    page.wait_for_selector("text=整改清单已公示")
    shot(page, "desktop-life-meeting")
    lm.refresh_from_db()
    assert lm.status == LifeMeeting.Status.PUBLISHED and lm.published_on == timezone.localdate()
    assert set(lm.rectifications.values_list("published_on", flat=True)) == {timezone.localdate()}
    assert lm.rectifications.get(problem="联系群众不够紧密").owner is None  # the branch owns it
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    shot(page, "phone-life-meeting")
