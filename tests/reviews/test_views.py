"""The campaign pages: the secretary's journeys through the forms, the member's phone pages, the report
PDF, and the permission declarations (outsider 404, member 403 on the branch's pages)."""

import io
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from reviews import services
from reviews.models import LifeMeeting, Material, MemberReview, Stage, Talk, WarningEducation
from tests.reviews.conftest import YEAR, hold, local

pytestmark = pytest.mark.django_db
NOW = local(YEAR, 12, 10, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def logged(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


def test_secretary_builds_a_life_meeting_through_the_pages(logged, tree, people, secretary_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = logged(secretary_a)
    page = client.get("/orgs/A/campaigns/")
    assert page.status_code == 200 and "建立组织生活会" in page.content.decode()
    r = client.post("/orgs/A/campaigns/life-meetings/", {"topic": "2026年度组织生活会", "upper_topic": "上级主题"})
    lm = LifeMeeting.objects.get()
    assert r.status_code == 302 and r.url == f"/life-meetings/{lm.pk}/"
    url = r.url
    assert "召开前还需" in client.get(url).content.decode()
    client.post(url, {"action": "study", "study_on": "2026-11-20", "study_summary": "集中学习"})
    client.post(url, {"action": "opinion", "source": "forum", "count": "4", "summary": "意见"})
    for member in people.values():
        client.post(url, {"action": "material", "member": member.pk, "kind": "check", "text": "材料"})
    client.post(url, {"action": "material", "member": people["wang"].pk, "kind": "outline",
                      "file": SimpleUploadedFile("提纲.docx", b"PK\x03\x04docx")})
    assert Material.objects.get(member=people["wang"]).filename == "提纲.docx"
    assert "会前准备已完成" in client.get(url).content.decode()
    r = client.post(url, {"action": "hold", "held_at": "2026-12-05T14:00", "place": "会议室",
                          "host": people["secretary"].pk, "also_kinds": ["branch_assembly"],
                          "secretary_report": "书记报告", "absent": [people["sun"].pk], "criticism-rows": "3",
                          "speaker-0": people["wang"].pk, "target-0": people["zhao"].pk, "content-0": "学习不够",
                          "speaker-1": people["secretary"].pk, "target-1": "", "content-1": "自我批评要点",
                          "speaker-2": "", "content-2": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    lm.refresh_from_db()
    assert lm.status == "held" and lm.meeting.attendance.get(member=people["sun"]).status == "absent"
    assert [c.speaker.name for c in lm.criticisms.all()] == ["李书记", "王党员"]
    r = client.post(url, {"action": "item", "problem": "学习不够", "measure": "制定计划", "owner": people["wang"].pk,
                          "deadline": "2027-03-31"})
    assert r.status_code == 302
    bad = client.post(url, {"action": "item", "problem": "", "measure": "m", "deadline": "2026-01-01"})
    assert bad.status_code == 200 and "请修改" in bad.content.decode()  # re-rendered with the errors, not a 500
    client.post(url, {"action": "publish", "day": "2026-12-06"})
    item = lm.rectifications.get()
    client.post(url, {"action": "item-status", "id": item.pk, "status": "in_progress", "completion_note": ""})
    client.post(url, {"action": "report", "report_summary": "总体情况", "report_problems": "问题", "reported_on": "2026-12-08"})
    lm.refresh_from_db()
    assert lm.status == "completed"
    report = client.get(f"/life-meetings/{lm.pk}/report/").content.decode()
    assert "组织生活会情况报告" in report and "制定计划" in report
    pdf = client.get(f"/life-meetings/{lm.pk}/report.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).replace(" ", "")
    assert "组织生活会情况报告" in text and "学习不够" in text and "总体情况" in text
    download = client.get(f"/materials/{Material.objects.get(member=people['wang']).pk}/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"PK\x03\x04docx"


def test_member_pages_on_a_phone(logged, tree, people, member_a, secretary_a):
    lm = services.create_life_meeting(actor=secretary_a, branch=tree["a"], topic="组织生活会", now=NOW)
    review = services.create_member_review(actor=secretary_a, branch=tree["a"], year=YEAR, now=NOW)
    client = logged(member_a)
    home = client.get("/").content.decode()
    assert "请提交2026年度民主评议个人自评" in home and "对照检查材料" in home
    assert client.post(f"/life-meetings/{lm.pk}/material/", {"kind": "check", "text": "我的材料"}).status_code == 302
    assert client.post(f"/member-reviews/{review.pk}/self-assessment/", {"text": "我的自评"}).status_code == 302
    MemberReview.objects.filter(pk=review.pk).update(stage=Stage.BALLOT)
    services.open_ballot(actor=secretary_a, review=review, now=NOW)
    assert "民主测评正在投票" in client.get("/").content.decode()
    page = client.get(f"/member-reviews/{review.pk}/ballot/").content.decode()
    assert "赵党员" in page and "王党员</legend>" not in page and "周预备" not in page
    r = client.post(f"/member-reviews/{review.pk}/ballot/", {f"g-{people['zhao'].pk}": "excellent",
                                                             f"g-{people['qian'].pk}": "qualified"})
    assert r.status_code == 302
    page = client.get(f"/member-reviews/{review.pk}/ballot/").content.decode()
    assert "赵党员" not in page and "您已为 2 位党员投过票" in page
    # the branch's own pages are not his
    for url in ("/orgs/A/campaigns/", f"/life-meetings/{lm.pk}/", f"/member-reviews/{review.pk}/", "/orgs/A/talks/",
                "/orgs/A/warning-education/"):
        assert client.get(url).status_code == 403, url


def test_probationary_member_sees_why_he_does_not_vote(logged, tree, people, secretary_a):
    review = services.create_member_review(actor=secretary_a, branch=tree["a"], year=YEAR, now=NOW)
    MemberReview.objects.filter(pk=review.pk).update(stage=Stage.BALLOT)
    services.open_ballot(actor=secretary_a, review=review, now=NOW)
    page = logged(people["zhou"].user).get(f"/member-reviews/{review.pk}/ballot/").content.decode()
    assert "预备党员参加个人自评和党员互评，不参加民主测评投票" in page


def test_secretary_runs_the_ballot_and_grades_on_the_page(logged, tree, people, secretary_a, member_a):
    review = services.create_member_review(actor=secretary_a, branch=tree["a"], year=YEAR, now=NOW)
    MemberReview.objects.filter(pk=review.pk).update(stage=Stage.BALLOT)
    url = f"/member-reviews/{review.pk}/"
    client = logged(secretary_a)
    client.post(url, {"action": "open-ballot"})
    services.cast_ballot(actor=member_a, review=review, grades={people["zhao"].pk: "excellent"})
    page = client.get(url).content.decode()
    assert "测评结果在投票结束后显示" in page and 'id="voted">1<' in page
    client.post(url, {"action": "paper", f"paper-{people['zhao'].pk}-qualified": "2"})
    client.post(url, {"action": "close-ballot"})
    client.post(url, {"action": "advance"})
    page = client.get(url).content.decode()
    assert "优秀1 · 合格2（共3票）" in page and "预备党员：参加自评、互评，不评定等次" in page
    grades = {f"grade-{people[k].pk}": "excellent" for k in ("secretary", "organizer", "wang")}
    grades |= {f"grade-{people[k].pk}": "qualified" for k in ("zhao", "qian", "sun")}
    r = client.post(url, {"action": "grades", **grades}, follow=True)
    assert "超过党员总数7人的1/3" in r.content.decode()
    review.refresh_from_db()
    assert review.participants.get(member=people["wang"]).grade == "excellent"


def test_talks_and_warning_pages(logged, tree, people, secretary_a):
    client = logged(secretary_a)
    r = client.post("/orgs/A/talks/new/", {"talker": people["secretary"].pk, "held_on": "2026-12-01", "place": "办公室",
                                           "counterpart-0": people["wang"].pk, "content-0": "谈思想",
                                           "counterpart-1": people["organizer"].pk, "content-1": "谈工作",
                                           "suggestions-1": "建议"})
    assert r.status_code == 302 and Talk.objects.count() == 2
    bad = client.post("/orgs/A/talks/new/", {"talker": people["secretary"].pk, "held_on": "2026-12-01",
                                             "counterpart-0": people["wang"].pk, "content-0": ""})
    assert bad.status_code == 200 and "主要内容" in bad.content.decode()
    page = client.get("/orgs/A/talks/").content.decode()
    assert "谈思想" in page and "尚未与支委谈话的党员" in page
    r = client.post("/orgs/A/warning-education/new/", {"held_at": "2026-09-12T09:00", "topic": "参观基地", "form": "base",
                                                       "material": "市廉政教育基地", "absent": [people["sun"].pk]})
    assert r.status_code == 302 and WarningEducation.objects.get().meeting.attendance.filter(status="absent").count() == 1
    page = client.get("/orgs/A/warning-education/").content.decode()
    assert "目标 <b>2</b> 次" in page and "市廉政教育基地" in page and "6/7人" in page


def test_outsider_gets_404_on_every_page(logged, tree, people, secretary_a, secretary_b, ready_life_meeting):
    lm = hold(ready_life_meeting, secretary_a, people)
    review = services.create_member_review(actor=secretary_a, branch=tree["a"], year=YEAR, now=NOW)
    talk = services.record_talks(actor=secretary_a, branch=tree["a"], talker=people["secretary"], held_on=date(YEAR, 12, 1),
                                 now=NOW, entries=[services.TalkEntry(people["wang"], "谈心")])[0]
    material = lm.materials.first()
    client = logged(secretary_b)
    for url in ("/orgs/A/campaigns/", f"/life-meetings/{lm.pk}/", f"/life-meetings/{lm.pk}/material/",
                f"/life-meetings/{lm.pk}/report/", f"/life-meetings/{lm.pk}/report.pdf", f"/materials/{material.pk}/file/",
                f"/member-reviews/{review.pk}/", f"/member-reviews/{review.pk}/ballot/",
                f"/member-reviews/{review.pk}/self-assessment/", "/orgs/A/talks/", "/orgs/A/talks/new/",
                "/orgs/A/warning-education/", "/orgs/A/warning-education/new/"):
        assert client.get(url).status_code == 404, url
    for url, data in ((f"/life-meetings/{lm.pk}/", {"action": "publish", "day": "2026-12-06"}),
                      ("/orgs/A/campaigns/life-meetings/", {"topic": "x"}),
                      ("/orgs/A/campaigns/member-reviews/", {}),
                      (f"/talks/{talk.pk}/delete/", {})):
        assert client.post(url, data).status_code == 404, url


def test_a_viewer_reads_but_cannot_act(logged, tree, people, secretary_a, viewer, ready_life_meeting):
    lm = hold(ready_life_meeting, secretary_a, people)
    client = logged(viewer)
    assert client.get(f"/life-meetings/{lm.pk}/").status_code == 200
    assert client.post(f"/life-meetings/{lm.pk}/", {"action": "item", "problem": "p", "measure": "m",
                                                   "deadline": "2027-01-01"}).status_code == 403
    assert client.get("/orgs/A/warning-education/new/").status_code == 403
