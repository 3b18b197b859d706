"""The campaigns' API: the secretary's journeys end to end, members acting for themselves, the ballot's
fields (nothing shows how a voter graded), and outsiders (404) and members (403) kept out."""

from datetime import date

import pytest
import time_machine

from reviews import services
from reviews.models import LifeMeeting, MemberReview, Stage
from tests.reviews.conftest import YEAR, hold, local

pytestmark = pytest.mark.django_db
NOW = local(YEAR, 12, 10, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_secretary_runs_a_life_meeting_through_the_api(api, tree, people, secretary_a):
    r = api.as_(secretary_a).post("/api/v1/life-meetings/", {"branch": "A", "topic": "2026年度组织生活会", "upper_topic": "上级主题",
                                               "study_summary": "集中学习", "study_on": "2026-11-20"}, format="json")
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert r.json()["period_label"] == "2026年度" and r.json()["status"] == "preparation"
    assert api.as_(secretary_a).post("/api/v1/life-meetings/", {"branch": "A", "topic": "再建"}, format="json").status_code == 409
    r = api.as_(secretary_a).post(f"/api/v1/life-meetings/{pk}/hold/", {"held_at": "2026-12-05T14:00:00+08:00",
                                                         "secretary_report": "报告", "criticisms": [
                                                             {"speaker": people["wang"].pk, "content": "要点"}]},
                    format="json")
    assert r.status_code == 409 and "会前准备尚未完成" in r.json()["detail"]
    assert api.as_(secretary_a).post(f"/api/v1/life-meetings/{pk}/opinions/", {"source": "forum", "count": 5, "summary": "意见"},
                       format="json").status_code == 201
    for member in people.values():
        r = api.as_(secretary_a).post(f"/api/v1/life-meetings/{pk}/materials/", {"member": member.pk, "text": "对照检查"}, format="json")
        assert r.status_code == 201, r.json()
    checklist = api.as_(secretary_a).get(f"/api/v1/life-meetings/{pk}/checklist/").json()
    assert checklist["ready"] and checklist["materials"] == {"expected": 7, "submitted": 7, "missing": []}
    r = api.as_(secretary_a).post(f"/api/v1/life-meetings/{pk}/hold/", {
        "held_at": "2026-12-05T14:00:00+08:00", "place": "会议室", "host": people["secretary"].pk,
        "secretary_report": "书记报告", "also_kinds": ["branch_assembly"],
        "attendance": [{"member": people["sun"].pk, "status": "leave", "reason": "出差"}],
        "criticisms": [{"speaker": people["wang"].pk, "target": people["zhao"].pk, "content": "学习不够"},
                       {"speaker": people["secretary"].pk, "content": "自我批评"}]}, format="json")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["status"] == "held" and body["criticisms"][0]["speaker_name"] == "李书记"
    assert body["criticisms"][1]["target_name"] == "赵党员"

    r = api.as_(secretary_a).post("/api/v1/rectifications/", {"life_meeting": pk, "problem": "学习不够", "measure": "制定计划",
                                                "owner": people["wang"].pk, "deadline": "2027-03-31"}, format="json")
    assert r.status_code == 201, r.json()
    item = r.json()
    assert item["owner_name"] == "王党员" and item["status"] == "not_started" and item["branch"] == "A"
    bad = api.as_(secretary_a).post("/api/v1/rectifications/", {"life_meeting": pk, "problem": "x", "measure": "y",
                                                  "deadline": "2026-11-01"}, format="json")
    assert bad.status_code == 400 and "完成时限" in str(bad.json())
    r = api.as_(secretary_a).patch(f"/api/v1/rectifications/{item['id']}/", {"status": "done"}, format="json")
    assert r.status_code == 400 and "completion_note" in r.json()
    r = api.as_(secretary_a).patch(f"/api/v1/rectifications/{item['id']}/", {"status": "in_progress"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    assert api.as_(secretary_a).post(f"/api/v1/life-meetings/{pk}/publish/", {"published_on": "2026-12-06"},
                       format="json").status_code == 200
    assert api.as_(secretary_a).delete(f"/api/v1/rectifications/{item['id']}/").status_code == 409
    r = api.as_(secretary_a).post(f"/api/v1/life-meetings/{pk}/report/", {"report_summary": "总体", "report_problems": "问题",
                                                           "reported_on": "2026-12-08"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "completed"
    compliance = api.as_(secretary_a).get("/api/v1/orgs/A/compliance/?year=2026").json()["results"][0]["rules"]
    life = next(rule for rule in compliance if rule["kind"] == "life_meeting")
    assert life["held"] == 1 and life["state"] == "met"


def test_member_sees_his_campaign_submits_his_material_and_nothing_else(api, tree, people, member_a, ready_life_meeting,
                                                                         secretary_a):
    lm = hold(ready_life_meeting, secretary_a, people)
    client = api.as_(member_a)
    body = client.get(f"/api/v1/life-meetings/{lm.pk}/").json()
    assert "criticisms" not in body and "secretary_report" not in body
    assert [m["member_name"] for m in body["materials"]] == ["王党员"]
    assert client.get(f"/api/v1/life-meetings/{lm.pk}/checklist/").status_code == 403
    assert client.post(f"/api/v1/life-meetings/{lm.pk}/publish/", {"published_on": "2026-12-06"},
                       format="json").status_code == 403
    assert client.post("/api/v1/rectifications/", {"life_meeting": lm.pk, "problem": "x", "measure": "y",
                                                   "deadline": "2027-01-01"}, format="json").status_code == 403
    # the material step is over once held; before that his own material goes through
    fresh = services.create_life_meeting(actor=secretary_a, branch=tree["a"], topic="下一期", now=NOW,
                                         on=date(YEAR + 1, 1, 5))
    r = client.post(f"/api/v1/life-meetings/{fresh.pk}/materials/", {"text": "我的对照检查"}, format="json")
    assert r.status_code == 201 and r.json()["member_name"] == "王党员"
    r = client.post(f"/api/v1/life-meetings/{fresh.pk}/materials/", {"member": people["zhao"].pk, "text": "代交"},
                    format="json")
    assert r.status_code == 403


def test_outsiders_get_404_everywhere(api, tree, people, secretary_a, secretary_b, ready_life_meeting):
    lm = hold(ready_life_meeting, secretary_a, people)
    item = services.add_rectification(actor=secretary_a, life_meeting=lm, problem="p", measure="m",
                                      deadline=date(YEAR + 1, 1, 1), now=NOW)
    review = services.create_member_review(actor=secretary_a, branch=tree["a"], year=YEAR, now=NOW)
    talk = services.record_talks(actor=secretary_a, branch=tree["a"], talker=people["secretary"], held_on=date(YEAR, 12, 1),
                                 now=NOW, entries=[services.TalkEntry(people["wang"], "谈心")])[0]
    education = services.record_warning_education(actor=secretary_a, branch=tree["a"], held_at=local(YEAR, 9, 1, 9),
                                                  topic="警示", form="film", material="片子", now=NOW)
    client = api.as_(secretary_b)
    for url in (f"/api/v1/life-meetings/{lm.pk}/", f"/api/v1/life-meetings/{lm.pk}/checklist/",
                f"/api/v1/rectifications/{item.pk}/", f"/api/v1/member-reviews/{review.pk}/",
                f"/api/v1/member-reviews/{review.pk}/tally/", f"/api/v1/member-reviews/{review.pk}/ballots/",
                f"/api/v1/talks/{talk.pk}/", f"/api/v1/warning-educations/{education.pk}/",
                "/api/v1/talks/coverage/?branch=A"):
        assert client.get(url).status_code == 404, url
    for url, payload in ((f"/api/v1/life-meetings/{lm.pk}/publish/", {"published_on": "2026-12-06"}),
                         (f"/api/v1/member-reviews/{review.pk}/advance/", {}),
                         (f"/api/v1/member-reviews/{review.pk}/ballots/", {"grades": []})):
        assert client.post(url, payload, format="json").status_code == 404, url
    for url in ("/api/v1/life-meetings/", "/api/v1/rectifications/", "/api/v1/member-reviews/", "/api/v1/talks/",
                "/api/v1/warning-educations/"):
        assert client.get(url).json()["count"] == 0, url
    r = client.post("/api/v1/life-meetings/", {"branch": "A", "topic": "x"}, format="json")
    assert r.status_code == 400  # the branch "does not exist" for him
    r = client.post("/api/v1/talks/", {"branch": "A", "talker": people["secretary"].pk, "held_on": "2026-12-01",
                                       "entries": [{"counterpart": people["wang"].pk, "content": "x"}]}, format="json")
    assert r.status_code == 400


def test_member_review_ballot_and_grading_through_the_api(api, tree, people, secretary_a, member_a, viewer):
    r = api.as_(secretary_a).post("/api/v1/member-reviews/", {"branch": "A", "year": YEAR}, format="json")
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert r.json()["stage"] == "study" and r.json()["blockers"]
    r = api.as_(secretary_a).post(f"/api/v1/member-reviews/{pk}/advance/")
    assert r.status_code == 409 and "学习教育情况" in r.json()["detail"]
    assert api.as_(secretary_a).patch(f"/api/v1/member-reviews/{pk}/", {"study_summary": "学习"}, format="json").status_code == 200
    assert api.as_(secretary_a).post(f"/api/v1/member-reviews/{pk}/advance/").json()["stage"] == "self_assessment"
    r = api.as_(member_a).post(f"/api/v1/member-reviews/{pk}/self-assessment/", {"text": "我的自评"}, format="json")
    assert r.status_code == 201
    assert api.as_(member_a).post(f"/api/v1/member-reviews/{pk}/advance/").status_code == 403
    MemberReview.objects.filter(pk=pk).update(stage=Stage.BALLOT)
    assert api.as_(secretary_a).post(f"/api/v1/member-reviews/{pk}/open-ballot/").json()["ballot_status"] == "open"

    sheet = api.as_(member_a).get(f"/api/v1/member-reviews/{pk}/ballots/").json()
    assert sheet["can_vote"] and {s["name"] for s in sheet["subjects"]} == {"李书记", "陈组织", "赵党员", "钱党员", "孙党员"}
    r = api.as_(member_a).post(f"/api/v1/member-reviews/{pk}/ballots/", {"grades": [{"member": people["zhao"].pk, "grade": "excellent"},
                                                                       {"member": people["sun"].pk, "grade": "unqualified"}]},
                   format="json")
    assert r.status_code == 201 and r.json()["cast"] == 2
    sheet = api.as_(member_a).get(f"/api/v1/member-reviews/{pk}/ballots/").json()
    done = {s["name"]: s["done"] for s in sheet["subjects"]}
    assert done["赵党员"] and not done["钱党员"]
    assert "excellent" not in str(sheet["subjects"]) and "unqualified" not in str(sheet["subjects"])  # never how
    again = api.as_(member_a).post(f"/api/v1/member-reviews/{pk}/ballots/", {"grades": [{"member": people["zhao"].pk,
                                                                             "grade": "qualified"}]}, format="json")
    assert again.status_code == 409
    probationary = api.as_(people["zhou"].user).post(f"/api/v1/member-reviews/{pk}/ballots/", {
        "grades": [{"member": people["zhao"].pk, "grade": "qualified"}]}, format="json")
    assert probationary.status_code == 403
    assert api.as_(secretary_a).get(f"/api/v1/member-reviews/{pk}/tally/").status_code == 409  # not before close
    assert api.as_(member_a).get(f"/api/v1/member-reviews/{pk}/tally/").status_code == 403
    detail = api.as_(secretary_a).get(f"/api/v1/member-reviews/{pk}/").json()
    assert detail["voted"] == 1 and all(p["grade"] == "" for p in detail["participants"])  # no content while open
    assert api.as_(secretary_a).post(f"/api/v1/member-reviews/{pk}/paper-counts/", {"counts": [
        {"member": people["zhao"].pk, "grade": "qualified", "count": 3}]}, format="json").status_code == 201
    assert api.as_(secretary_a).post(f"/api/v1/member-reviews/{pk}/close-ballot/").json()["ballot_status"] == "closed"
    tally = {row["name"]: row for row in api.as_(viewer).get(f"/api/v1/member-reviews/{pk}/tally/").json()["rows"]}
    assert (tally["赵党员"]["excellent"], tally["赵党员"]["qualified"], tally["赵党员"]["total"]) == (1, 3, 4)
    assert tally["孙党员"]["unqualified"] == 1

    assert api.as_(secretary_a).post(f"/api/v1/member-reviews/{pk}/advance/").json()["stage"] == "grading"
    grades = [{"member": people[k].pk, "grade": "excellent"} for k in ("secretary", "organizer", "wang")] + [
        {"member": people[k].pk, "grade": "qualified"} for k in ("zhao", "qian")] + [
        {"member": people["sun"].pk, "grade": "unqualified", "disposition": "correct", "follow_up": "帮扶"}]
    r = api.as_(secretary_a).post(f"/api/v1/member-reviews/{pk}/grades/", {"grades": grades}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["excellent"] == 3 and "超过党员总数7人的1/3" in r.json()["warnings"][0]
    r = api.as_(secretary_a).post(f"/api/v1/member-reviews/{pk}/grades/", {"grades": [{"member": people["zhou"].pk,
                                                                        "grade": "qualified"}]}, format="json")
    assert r.status_code == 400 and "预备党员参加评议，但不评定等次" in str(r.json())
    detail = api.as_(member_a).get(f"/api/v1/member-reviews/{pk}/").json()
    assert [p["member_name"] for p in detail["participants"]] == ["王党员"]  # a member sees only his own entry


def test_talks_batch_and_coverage(api, tree, people, secretary_a, member_a):
    r = api.as_(secretary_a).post("/api/v1/talks/", {"branch": "A", "talker": people["secretary"].pk, "held_on": "2026-12-01",
                                       "place": "办公室", "entries": [
                                           {"counterpart": people["wang"].pk, "content": "谈思想", "suggestions": "建议"},
                                           {"counterpart": people["organizer"].pk, "content": "谈工作"}]}, format="json")
    assert r.status_code == 201, r.json()
    assert [t["counterpart_name"] for t in r.json()] == ["王党员", "陈组织"]
    r = api.as_(secretary_a).post("/api/v1/talks/", {"branch": "A", "talker": people["secretary"].pk, "counterpart": people["zhao"].pk,
                                       "held_on": "2026-12-02", "content": "单条"}, format="json")
    assert r.status_code == 201 and len(r.json()) == 1
    bad = api.as_(secretary_a).post("/api/v1/talks/", {"branch": "A", "talker": people["secretary"].pk, "held_on": "2027-01-01",
                                         "entries": [{"counterpart": people["wang"].pk, "content": "x"}]}, format="json")
    assert bad.status_code == 400 and "将来" in str(bad.json())
    cov = api.as_(secretary_a).get("/api/v1/talks/coverage/?branch=A&year=2026").json()
    assert cov["missing_pairs"] == [] and {u["name"] for u in cov["uncovered"]} == {"钱党员", "孙党员", "周预备"}
    assert api.as_(member_a).get("/api/v1/talks/coverage/?branch=A").status_code == 403
    mine = api.as_(member_a).get("/api/v1/talks/").json()
    assert mine["count"] == 1 and mine["results"][0]["counterpart_name"] == "王党员"  # only the talks he took part in
    assert api.as_(secretary_a).get("/api/v1/talks/coverage/?branch=A&year=abc").status_code == 400


def test_warning_education_through_the_api(api, tree, people, secretary_a, member_a):
    r = api.as_(secretary_a).post("/api/v1/warning-educations/", {
        "branch": "A", "held_at": "2026-09-12T09:00:00+08:00", "topic": "参观基地", "form": "base",
        "material": "市廉政教育基地", "reflections": "警钟长鸣", "also_kinds": ["theme_day"],
        "attendance": [{"member": people["sun"].pk, "status": "leave", "reason": "出差"}]}, format="json")
    assert r.status_code == 201, r.json()
    assert (r.json()["present"], r.json()["expected"], r.json()["form_label"]) == (6, 7, "参观警示教育基地")
    assert api.as_(member_a).post("/api/v1/warning-educations/", {
        "branch": "A", "held_at": "2026-09-12T09:00:00+08:00", "topic": "x", "form": "film",
        "material": "y"}, format="json").status_code == 403
    bad = api.as_(secretary_a).post("/api/v1/warning-educations/", {
        "branch": "A", "held_at": "2026-09-12T09:00:00+08:00", "topic": "x", "form": "other", "material": "y"},
        format="json")
    assert bad.status_code == 400 and "form_other" in bad.json()


def test_bad_input_never_500(api, tree, people, secretary_a):
    lm = services.create_life_meeting(actor=secretary_a, branch=tree["a"], topic="t", now=NOW)
    for url, payload in ((f"/api/v1/life-meetings/{lm.pk}/hold/", {"criticisms": "x"}),
                         (f"/api/v1/life-meetings/{lm.pk}/hold/", {"secretary_report": "r", "criticisms": [
                             {"speaker": 999999, "content": "c"}]}),
                         (f"/api/v1/life-meetings/{lm.pk}/opinions/", {"source": "nope", "count": -1}),
                         (f"/api/v1/life-meetings/{lm.pk}/report/", {"reported_on": "not a date"}),
                         ("/api/v1/member-reviews/", {"branch": "A", "year": 1800}),
                         ("/api/v1/rectifications/", {"life_meeting": 999999}),
                         ("/api/v1/talks/", {"branch": "A"})):
        r = api.as_(secretary_a).post(url, payload, format="json")
        assert 400 <= r.status_code < 500, (url, r.status_code)
    assert LifeMeeting.objects.get(pk=lm.pk).status == "preparation"
