"""Deterministic demo data: an organization tree, rosters and demo accounts, inserted in bulk.

Scales to the city data set of design.md (5,000 branches, 100,000 members). Meetings and attendance
are seeded by orglife.demo.meetings.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from branches.models import Organization, PartyGroup, Role
from branches.services import default_term_end
from core import audit
from core.bulk import bulk_insert
from core.dates import add_years
from core.models import AuditEntry
from members import idnumber
from members.models import Member, Membership
from members.services import provision_account

DEMO_PASSWORD = "orglife2026"
ROOT_CODE = "LJ"
ACCOUNT_NAMES = ["admin", "city_viewer", "district_organizer", "secretary_a", "member_a", "secretary_b"]


def extensions():
    """Seeders of later apps: callables (rng, branches, *, months, today) -> a line of summary."""
    from meetings.demo import seed_meetings

    return [seed_meetings]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国志文博晨"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英华梅琳颖雪慧婷倩洁燕晶萍红玉兰萱怡佳欣悦雨"
DISTRICTS = ["江城", "临湖", "东港", "西山", "南岭", "北塘", "新城", "滨海", "高新", "云溪", "青石", "白沙"]
PLACES = ["长青", "向阳", "红旗", "光明", "和平", "民主", "团结", "胜利", "建设", "新华", "兴隆", "永安", "太平", "丰收", "幸福", "富民", "春晖", "翠屏", "金桥", "锦绣"]
ETHNICITIES = ["汉族"] * 18 + ["回族", "满族"]
EDUCATION = ["大学本科", "大学本科", "研究生", "大学专科", "高中", "中等专科", "初中"]
# 工作岗位 by age and sector, so a 25-year-old is not 离退休人员 and a 70-year-old not a 学生
WORKING_JOBS = {
    Organization.Sector.RURAL: ["农牧渔民", "农牧渔民", "农牧渔民", "村干部", "个体工商户", "外出务工人员"],
    Organization.Sector.COMMUNITY: ["社区工作者", "个体工商户", "企业职工", "专业技术人员", "自由职业者"],
    Organization.Sector.GOVERNMENT: ["公务员", "公务员", "公务员", "机关工勤人员"],
    Organization.Sector.INSTITUTION: ["专业技术人员", "专业技术人员", "医生", "护士", "事业单位管理人员"],
    Organization.Sector.STATE_ENTERPRISE: ["企业管理人员", "专业技术人员", "工人", "工人"],
    Organization.Sector.PRIVATE_ENTERPRISE: ["企业管理人员", "专业技术人员", "工人", "销售人员"],
    Organization.Sector.SOCIAL_ORGANIZATION: ["社会组织工作人员", "律师", "专业技术人员"],
    Organization.Sector.SCHOOL: ["教师", "教师", "教师", "学校管理人员"],
}
RETIRED_AGE = 60
DESTINATIONS = ["广东省深圳市南山区", "广东省广州市天河区", "上海市浦东新区", "浙江省杭州市西湖区", "江苏省苏州市工业园区",
                "北京市朝阳区", "福建省厦门市思明区"]
STUDENT_MAX_AGE = 24


def job_for(rng: random.Random, *, sector: str, age: int) -> str:
    if age >= RETIRED_AGE or (age >= 55 and rng.random() < 0.5):
        return "离退休人员"
    if age <= STUDENT_MAX_AGE and sector in (Organization.Sector.SCHOOL, Organization.Sector.COMMUNITY) and rng.random() < 0.5:
        return "学生"
    return rng.choice(WORKING_JOBS.get(sector, WORKING_JOBS[Organization.Sector.COMMUNITY]))


# A 党总支 is one unit's: its branches are that unit's (名称, 党支部名称 of the n-th, sector)
GENERAL_UNITS = [
    (lambda d, p: f"{d}区{p}街道机关", Organization.Sector.GOVERNMENT, "机关第{n}党支部"),
    (lambda d, p: f"{d}区人民医院", Organization.Sector.INSTITUTION, "第{n}党支部"),
    (lambda d, p: f"{d}区中医院", Organization.Sector.INSTITUTION, "第{n}党支部"),
    (lambda d, p: f"{d}区{p}中学", Organization.Sector.SCHOOL, "教工第{n}党支部"),
    (lambda d, p: f"临江市{p}水务集团", Organization.Sector.STATE_ENTERPRISE, "第{n}党支部"),
    (lambda d, p: f"{d}区{p}镇机关", Organization.Sector.GOVERNMENT, "机关第{n}党支部"),
    (lambda d, p: f"{d}区财政局", Organization.Sector.GOVERNMENT, "机关第{n}党支部"),
    (lambda d, p: f"{d}区职业技术学校", Organization.Sector.SCHOOL, "教工第{n}党支部"),
]
CHINESE_DIGITS = "一二三四五六七八九十"
SECTOR_UNITS = {
    Organization.Sector.RURAL: lambda r, p, n: f"{p}村党支部",
    Organization.Sector.COMMUNITY: lambda r, p, n: f"{p}社区党支部",
    Organization.Sector.GOVERNMENT: lambda r, p, n: f"区{r.choice(['财政局', '教育局', '民政局', '人社局', '住建局', '交通局', '卫健委', '统计局'])}机关第{n}党支部",
    Organization.Sector.INSTITUTION: lambda r, p, n: f"区{r.choice(['人民医院', '中医院', '疾控中心', '图书馆', '档案馆'])}第{n}党支部",
    Organization.Sector.STATE_ENTERPRISE: lambda r, p, n: f"{p}{r.choice(['水务', '交投', '城投', '电力', '燃气'])}集团第{n}党支部",
    Organization.Sector.PRIVATE_ENTERPRISE: lambda r, p, n: f"{p}{r.choice(['科技', '机械', '纺织', '物流', '食品'])}有限公司党支部",
    Organization.Sector.SOCIAL_ORGANIZATION: lambda r, p, n: f"{p}{r.choice(['商会', '行业协会', '志愿者协会', '律师协会'])}党支部",
    Organization.Sector.SCHOOL: lambda r, p, n: f"{p}{r.choice(['第一中学', '实验小学', '职业学校'])}教工第{n}党支部",
}


@dataclass
class DemoResult:
    orgs: int = 0
    branches: list = field(default_factory=list)
    members: int = 0
    accounts: list = field(default_factory=list)


def _person_name(rng: random.Random, gender: str) -> str:
    chars = GIVEN_MALE if gender == "male" else GIVEN_FEMALE
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _bulk_orgs(orgs: list[Organization], parents: list[Organization | None]) -> list[Organization]:
    for org, parent in zip(orgs, parents, strict=True):
        org.parent = parent
    Organization.objects.bulk_create(orgs, batch_size=2000)
    for org, parent in zip(orgs, parents, strict=True):
        org.path = f"{parent.path if parent else '/'}{org.pk}/"
        org.depth = parent.depth + 1 if parent else 0
    Organization.objects.bulk_update(orgs, ["path", "depth"], batch_size=2000)
    return orgs


def _chinese_ordinal(n: int) -> str:
    if n <= 10:
        return CHINESE_DIGITS[n - 1]
    return f"{CHINESE_DIGITS[n // 10 - 1] if n >= 20 else ''}十{CHINESE_DIGITS[n % 10 - 1] if n % 10 else ''}"


def seed_tree(rng: random.Random, *, branches: int, today: date) -> tuple[list[Organization], list[Organization]]:
    """1 municipal 党委, up to 12 district 党委, 党总支 per district, and `branches` 党支部."""
    root = _bulk_orgs([Organization(code=ROOT_CODE, name="中共临江市委", kind=Organization.Kind.PARTY_COMMITTEE,
                                    founded_on=date(1949, 10, 1))], [None])[0]
    n_districts = min(12, max(1, branches // 4 or 1))
    districts = _bulk_orgs(
        [Organization(code=f"{ROOT_CODE}{i + 1:02d}", name=f"中共临江市{DISTRICTS[i]}区委",
                      kind=Organization.Kind.PARTY_COMMITTEE, founded_on=date(1984, 1, 1)) for i in range(n_districts)],
        [root] * n_districts,
    )
    per_district = [branches // n_districts + (1 if i < branches % n_districts else 0) for i in range(n_districts)]
    generals, general_parents, units = [], [], {}
    for d, count in zip(districts, per_district, strict=True):
        for g in range(count // 25):
            unit, sector, branch_name = GENERAL_UNITS[(g + d.pk) % len(GENERAL_UNITS)]
            unit_name = unit(d.name[5:-2], rng.choice(PLACES))  # "中共临江市江城区委" → 江城
            generals.append(Organization(code=f"{d.code}G{g + 1:02d}", name=f"{unit_name}党总支",
                                         kind=Organization.Kind.GENERAL_BRANCH, sector=sector))
            general_parents.append(d)
            units[generals[-1].code] = (unit_name, sector, branch_name)
    generals = _bulk_orgs(generals, general_parents)
    generals_of = {d.pk: [g for g in generals if g.parent_id == d.pk] for d in districts}
    held = {g.pk: 0 for g in generals}  # branches a 党总支 holds so far: its n-th is "第n党支部"
    sectors = list(SECTOR_UNITS)
    new, parents = [], []
    for d, count in zip(districts, per_district, strict=True):
        for n in range(1, count + 1):
            under = generals_of[d.pk]
            general = under[n % len(under)] if under and rng.random() < 0.4 else None
            if general is not None:  # a branch of the 党总支's own unit
                unit_name, sector, branch_name = units[general.code]
                held[general.pk] += 1
                name = unit_name + branch_name.format(n=_chinese_ordinal(held[general.pk]))
            else:
                sector = rng.choice(sectors)
                name = SECTOR_UNITS[sector](rng, rng.choice(PLACES), n % 9 + 1)
            branch = Organization(
                code=f"{d.code}B{n:04d}", name=name,
                kind=Organization.Kind.BRANCH, sector=sector, founded_on=date(rng.randint(1978, 2020), rng.randint(1, 12), 1),
                term_start=today - timedelta(days=rng.randint(30, 5 * 365)),
            )
            branch.term_end = default_term_end(branch, branch.term_start)
            new.append(branch)
            parents.append(general or d)
    return [root, *districts, *generals], _bulk_orgs(new, parents)


PROBATIONARY_SHARE = 0.065  # 预备党员 about 5–8 % of members
COMMITTEE_POSTS = (Member.Post.ORGANIZATION_MEMBER, Member.Post.PROPAGANDA_MEMBER, Member.Post.DISCIPLINE_MEMBER)


def _years_after(day: date, years: int) -> date:
    return add_years(day, years)


def _birthday(rng: random.Random, on: date, *, min_age: int, max_age: int) -> date:
    """A birth date making the person between min_age and max_age years old on `on`."""
    latest = add_years(on, -min_age) - timedelta(days=1)
    return latest - timedelta(days=rng.randint(0, (max_age - min_age) * 365))


def _assign_posts(people: list[Member]) -> None:
    """书记 and 委员 are 正式党员 only (a 预备党员 has no vote, hence no election); a committee only with
    ≥ 7 正式党员 (支部条例). The post holders come first in the branch's list (the demo accounts take the
    branch's first member as its secretary)."""
    full = [m for m in people if m.category == Member.Category.FULL]
    full.sort(key=lambda m: m.joined_on)  # the longest-standing members lead
    posts = [Member.Post.SECRETARY, *(COMMITTEE_POSTS if len(full) >= 7 else ())]
    for member, post in zip(full, posts, strict=False):
        member.party_post = post
    people.sort(key=lambda m: ([Member.Post.SECRETARY, *COMMITTEE_POSTS, Member.Post.MEMBER].index(m.party_post)))


def seed_members(rng: random.Random, branches: list[Organization], *, per_branch: int, today: date) -> list[Member]:
    seen: set[str] = set()
    members, groups_for = [], {}
    for b_index, branch in enumerate(branches):
        size = max(3, per_branch + rng.randint(-per_branch // 3, per_branch // 3))
        groups = []
        if size >= 12 and rng.random() < 0.5:
            # set up years ago: every period the demo's records cover is judged with its 党小组
            groups = [PartyGroup(branch=branch, name=f"第{'一二三四'[g]}党小组", set_up_on=date(today.year - 5, 1, 1))
                      for g in range(2 + size // 25)]
        groups_for[branch.pk] = groups
        people = []
        for i in range(size):
            gender = "male" if rng.random() < 0.6 else "female"
            # 预备党员 ~6.5 %: accepted within the last year (预备期一年) as adults; 正式党员 joined ≥ 18 and
            # were confirmed a year later, before today
            probationary = i > 0 and rng.random() < PROBATIONARY_SHARE
            if probationary:
                joined = today - timedelta(days=rng.randint(30, 360))
                born = _birthday(rng, joined, min_age=18, max_age=45)
            else:
                born = date(rng.randint(1945, today.year - 22), rng.randint(1, 12), rng.randint(1, 28))
                latest = today - timedelta(days=rng.randint(400, 3000))
                joined = min(_years_after(born, rng.randint(18, 40)), latest)
                if _years_after(born, 18) > joined:  # too young to have joined by `latest`: older
                    born = _birthday(rng, joined, min_age=18, max_age=30)
            while True:
                seq = rng.randint(0, 499) * 2 + (1 if gender == "male" else 0)
                number = idnumber.make_valid(f"3302{(b_index % 12) + 1:02d}{born:%Y%m%d}{seq:03d}")
                if number not in seen:
                    seen.add(number)
                    break
            age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            member = Member(
                name=_person_name(rng, gender), gender=gender, ethnicity=rng.choice(ETHNICITIES), birth_date=born,
                education=rng.choice(EDUCATION), category=Member.Category.PROBATIONARY if probationary else Member.Category.FULL,
                branch=branch, joined_on=joined, confirmed_on=None if probationary else joined + timedelta(days=365),
                job=job_for(rng, sector=branch.sector, age=age), mobile=f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                address=f"临江市{DISTRICTS[b_index % 12]}区{rng.choice(PLACES)}路{rng.randint(1, 300)}号",
                party_post=Member.Post.MEMBER,
            )
            if not probationary and age < RETIRED_AGE and rng.random() < 0.02:  # 外出务工、经商: 流动党员
                member.is_mobile = True
                member.mobile_destination = rng.choice(DESTINATIONS)
                member.mobile_since = today - timedelta(days=rng.randint(60, 900))
            member.set_id_number(number)
            people.append(member)
        _assign_posts(people)
        for i, member in enumerate(people):
            member.party_group_index = i % len(groups) if groups else None
        members.extend(people)
    all_groups = [g for gs in groups_for.values() for g in gs]
    PartyGroup.objects.bulk_create(all_groups, batch_size=2000)
    for member in members:
        if member.party_group_index is not None:
            member.party_group = groups_for[member.branch_id][member.party_group_index]
    bulk_insert(Member, members)
    bulk_insert(Membership, [Membership(member=m, branch=m.branch, party_group=m.party_group, started_on=m.joined_on)
                             for m in members])
    leaders = []
    for branch_groups in groups_for.values():
        for group in branch_groups:
            group.leader = next((m for m in members if m.party_group_id == group.pk), None)
            leaders.append(group)
    PartyGroup.objects.bulk_update(leaders, ["leader"], batch_size=2000)
    return members


def seed_accounts(tree: list[Organization], branches: list[Organization]) -> list[tuple[str, str, str]]:
    """Demo accounts, one per persona; returns (username, role description, password)."""
    root, district1 = tree[0], tree[1]
    branch_a = branches[0]
    branch_b = next((b for b in branches if not b.path.startswith(district1.path)), branches[-1])
    a_members = list(Member.objects.filter(branch=branch_a).order_by("id"))
    b_secretary = Member.objects.filter(branch=branch_b, party_post=Member.Post.SECRETARY).first()
    plan = [
        ("admin", Role.ADMIN, None, None, "系统管理员（全部组织）"),
        ("city_viewer", Role.VIEWER, root, None, f"上级查看：{root.name}"),
        ("district_organizer", Role.ORGANIZER, district1, None, f"组织部门：{district1.name}"),
        ("secretary_a", Role.SECRETARY, branch_a, a_members[0], f"书记：{branch_a.name}"),
        ("member_a", None, None, a_members[-1], f"党员：{a_members[-1].name}（{branch_a.name}）"),
        ("secretary_b", Role.SECRETARY, branch_b, b_secretary, f"书记：{branch_b.name}"),
    ]
    accounts = []
    for username, role, org, member, description in plan:
        user = provision_account(actor=None, username=username, password=DEMO_PASSWORD, member=member, role=role,
                                 org=org, source="seed")
        if username == "admin":
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        accounts.append((username, description, DEMO_PASSWORD))
    return accounts


def audit_seeded(orgs: list[Organization], members: list[Member]) -> None:
    items = [(o, {"seeded": True}) for o in orgs] + [(m, {"seeded": True}) for m in members]
    audit.record_many(actor=None, action=AuditEntry.Action.CREATE, items=items, source="seed")

