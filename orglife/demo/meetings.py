"""Demo meetings for seed_demo: K months of realistic organizational life with attendance, a few
late records and chronic absentees, plus next month's planned meetings and leave requests.

Inserted in bulk, a chunk of branches at a time, so the city data set (5,000 branches, ~4 million
attendance rows) fits in memory.
"""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from branches.models import Organization, PartyGroup
from core.bulk import bulk_insert
from core.dates import month_starts_back
from meetings.models import Attendance, Kind, LeaveRequest, Meeting, MeetingKind
from meetings.policy import RuleBook
from meetings.timeliness import is_late_entry
from members.models import Member
from members.selectors import branch_facts_on

CHUNK = 250
TOPICS = {
    Kind.THEME_DAY: ["学习贯彻党的二十大精神", "重温入党誓词", "志愿服务进社区", "学习党章党规", "红色教育基地参观",
                     "“我为群众办实事”实践活动", "学习新修订的《中国共产党纪律处分条例》", "走访慰问困难党员和群众",
                     "垃圾分类志愿宣传", "参观廉政教育基地", "“七一”集中学习", "学习习近平总书记重要讲话精神",
                     "文明城市创建志愿服务", "观看爱国主义教育影片", "国家安全教育日专题学习", "主题读书分享会"],
    Kind.BRANCH_ASSEMBLY: ["审议支部工作报告", "讨论发展党员事项", "通报党费收缴情况", "部署季度重点工作",
                           "讨论接收预备党员", "讨论预备党员转正", "通报上半年工作并部署下半年任务",
                           "推荐优秀共产党员", "讨论年度工作计划"],
    Kind.BRANCH_COMMITTEE: ["研究月度工作安排", "讨论入党积极分子培养", "研究主题党日方案", "研究党费收缴与使用",
                            "研究谈心谈话安排", "研究组织生活会准备工作", "研究困难党员帮扶"],
    Kind.GROUP_MEETING: ["学习习近平新时代中国特色社会主义思想", "交流思想工作情况", "开展批评与自我批评",
                         "学习《中国共产党支部工作条例（试行）》", "交流学习心得体会", "讨论小组志愿服务安排"],
    Kind.PARTY_LECTURE: ["传承红色基因 担当时代使命", "全面从严治党专题党课", "学习党史 坚定信念",
                         "新时代党员如何发挥先锋模范作用", "学习贯彻党的二十届三中全会精神", "以高质量党建引领基层治理"],
    Kind.LIFE_MEETING: ["年度组织生活会", "专题组织生活会"], Kind.MEMBER_REVIEW: ["年度民主评议党员"],
    Kind.WARNING_EDUCATION: ["观看警示教育片", "以案促改警示教育", "典型案例通报学习", "参观廉政教育基地"],
}
PLACES = ["党员活动室", "党员活动室", "党群服务中心", "会议室", "二楼会议室", "村委会议室", "社区党群服务站",
          "单位大会议室", "职工之家", "图书室", "爱国主义教育基地", "新时代文明实践站", "线上会议（腾讯会议）"]
# Minutes composed from parts: a few dozen combinations read as different meetings, not one template.
MINUTES_OPEN = ["{host}主持会议，通报应到、实到人数，会议有效。", "会议由{host}主持，首先集体学习有关文件。",
                "{host}传达上级党组织有关会议精神。", "会前组织党员签到，{host}宣布会议议程。"]
MINUTES_BODY = ["大家结合本职工作谈了学习体会，一致表示要把学习成果转化为工作动力。",
                "与会党员围绕议题逐一发言，既肯定成绩，也查找了差距和不足。",
                "会议对近期工作进行了讨论，对存在的问题提出了改进意见。",
                "党员代表作交流发言，分享了在志愿服务中的收获。",
                "会议听取了上阶段工作情况汇报，对下一步工作进行了安排。",
                "大家对照党章党规查摆问题，开展了批评和自我批评。"]
MINUTES_CLOSE = ["最后，{host}对下一步工作提出要求。", "会议明确了责任分工和完成时限。", "会议在齐唱《国际歌》中结束。",
                 "会后将会议精神传达到未到会党员。", ""]


def _minutes(rng, host: str) -> str:
    parts = [rng.choice(MINUTES_OPEN), *rng.sample(MINUTES_BODY, 2), rng.choice(MINUTES_CLOSE)]
    return "\n".join(p.format(host=host) for p in parts if p)


def _plan_month(rng, month: date, *, has_groups: bool, committee: bool, groups: list) -> list[tuple[list[str], object]]:
    """Which meetings a branch holds in a month: (kinds, party group)."""
    held = []
    quarter_month = (month.month - 1) % 3
    theme = [Kind.THEME_DAY]
    if not has_groups:
        theme.append(Kind.BRANCH_ASSEMBLY)
    if quarter_month == 1 and rng.random() < 0.85:
        theme.append(Kind.PARTY_LECTURE)
    if month.month == 6 and rng.random() < 0.7:
        theme.append(Kind.WARNING_EDUCATION)
    if rng.random() < 0.93:
        held.append((theme, None))
    if has_groups and quarter_month == 2 and rng.random() < 0.9:
        held.append(([Kind.BRANCH_ASSEMBLY], None))
    if committee and rng.random() < 0.9:
        held.append(([Kind.BRANCH_COMMITTEE], None))
    for group in groups:
        if rng.random() < 0.85:
            held.append(([Kind.GROUP_MEETING], group))
    if month.month == 12 and rng.random() < 0.8:
        held.append(([Kind.LIFE_MEETING, Kind.MEMBER_REVIEW], None))
    return held


def _expected(members: list[dict], kinds: list[str], group) -> list[dict]:
    if kinds == [Kind.GROUP_MEETING]:
        return [m for m in members if m["party_group_id"] == group.pk]
    if kinds == [Kind.BRANCH_COMMITTEE]:
        return [m for m in members if m["party_post"] in Member.COMMITTEE_POSTS]
    return members


def seed_meetings(rng: random.Random, branches: list[Organization], *, months: int, today: date) -> str:
    if months <= 0:
        return "会议：未生成（--months 0）"
    now = timezone.now()
    month_list = list(reversed(month_starts_back(today, months)))
    totals = defaultdict(int)
    for start in range(0, len(branches), CHUNK):
        chunk = branches[start:start + CHUNK]
        _seed_chunk(rng, chunk, month_list, now, totals)
    return (f"会议：{totals['meetings']} 次（补记 {totals['late']} 次），考勤 {totals['attendance']} 条，"
            f"计划会议 {totals['planned']} 次，请假 {totals['leave']} 条")


def _seed_chunk(rng, branches, month_list, now, totals):
    ids = [b.pk for b in branches]
    members_of = defaultdict(list)
    for row in Member.objects.filter(branch_id__in=ids, status=Member.Status.NORMAL).values(
            "id", "name", "branch_id", "party_group_id", "party_post", "category", "joined_on", "user_id").order_by("id"):
        row["chronic"] = rng.random() < 0.01  # a few members who stop coming: the six-month clock's cases
        members_of[row["branch_id"]].append(row)
    groups_of = defaultdict(list)
    for group in PartyGroup.objects.filter(branch_id__in=ids).order_by("id"):
        groups_of[group.branch_id].append(group)

    # 补记 as the product judges it (meetings.timeliness): the rule that applies to the branch on the day,
    # judged on the facts of each period's first day, read for the whole chunk at once
    book = RuleBook.load()
    starts = {d for m in month_list for d in (m, m.replace(month=(m.month - 1) // 3 * 3 + 1),
                                             m.replace(month=1 if m.month <= 6 else 7), m.replace(month=1))}
    facts = branch_facts_on(branches, days=sorted(starts))
    meetings, plans = [], []
    for branch in branches:
        members = members_of[branch.pk]
        committee = sum(1 for m in members if m["category"] == Member.Category.FULL) >= 7
        host = next((m["id"] for m in members if m["party_post"] == Member.Post.SECRETARY), None)
        host_name = next((m["name"] for m in members if m["id"] == host), "党支部书记")
        recorder = next((m["id"] for m in members if m["party_post"] == Member.Post.ORGANIZATION_MEMBER), host)
        for month in month_list:
            for kinds, group in _plan_month(rng, month, has_groups=bool(groups_of[branch.pk]), committee=committee,
                                            groups=groups_of[branch.pk]):
                day = min(rng.randint(1, 26), 28)
                held_at = timezone.make_aware(datetime.combine(month.replace(day=day), time(rng.choice([9, 14, 19]), 30)))
                if held_at >= now:
                    continue
                late = rng.random() < 0.05
                recorded_at = held_at + (timedelta(days=35 + rng.randint(0, 10)) if late else timedelta(hours=rng.randint(2, 60)))
                recorded_at = min(recorded_at, now)
                meeting = Meeting(branch=branch, party_group=group, held_at=held_at, ended_at=held_at + timedelta(hours=2),
                                  host_id=host, recorder_id=recorder,
                                  place=rng.choice(PLACES), topic=rng.choice(TOPICS[kinds[0]]), minutes=_minutes(rng, host_name),
                                  recorded_at=recorded_at,
                                  late_entry=is_late_entry(branch=branch, kinds=kinds, held_at=held_at, recorded_at=recorded_at,
                                                           party_group=group, book=book, facts=facts))
                meetings.append((meeting, kinds, _expected(members, kinds, group)))
        next_month = (month_list[-1] + timedelta(days=32)).replace(day=5)
        plans.append(Meeting(branch=branch, status=Meeting.Status.PLANNED, topic="主题党日：" + rng.choice(TOPICS[Kind.THEME_DAY]),
                             held_at=timezone.make_aware(datetime.combine(next_month, time(9, 0))), place="党员活动室",
                             recorded_at=now))
    bulk_insert(Meeting, [m for m, _k, _e in meetings] + plans)
    bulk_insert(MeetingKind, [MeetingKind(meeting=m, kind=k) for m, kinds, _e in meetings for k in kinds]
                + [MeetingKind(meeting=p, kind=Kind.THEME_DAY) for p in plans])
    rows = []
    for meeting, _kinds, expected in meetings:
        day = timezone.localdate(meeting.held_at)
        for m in expected:
            if m["joined_on"] > day:
                continue
            roll = rng.random()
            if m["chronic"] or roll < 0.05:
                status, reason = Attendance.Status.ABSENT, "" if m["chronic"] else rng.choice(["", "临时有事", "联系不上"])
            elif roll < 0.10:
                status, reason = Attendance.Status.LEAVE, rng.choice(["出差", "病假", "照顾家人", "单位加班"])
            else:
                status, reason = Attendance.Status.PRESENT, ""
            full = m["category"] == Member.Category.FULL
            rows.append(Attendance(meeting=meeting, member_id=m["id"], status=status, reason=reason,
                                   category="full" if full else "probationary", has_vote=full,
                                   committee=m["party_post"] in Member.COMMITTEE_POSTS))
    bulk_insert(Attendance, rows)
    leaves = []
    for plan in plans:
        askers = [m for m in members_of[plan.branch_id] if m["user_id"]] or members_of[plan.branch_id][-1:]
        if askers and rng.random() < 0.3:
            leaves.append(LeaveRequest(member_id=askers[0]["id"], meeting=plan, reason="外出培训", requested_at=now))
    bulk_insert(LeaveRequest, leaves)
    totals["meetings"] += len(meetings)
    totals["late"] += sum(1 for m, _k, _e in meetings if m.late_entry)
    totals["attendance"] += len(rows)
    totals["planned"] += len(plans)
    totals["leave"] += len(leaves)
