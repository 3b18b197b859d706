from datetime import date, datetime

import pytest
from django.utils import timezone

from meetings.models import Kind
from meetings.services import record_meeting
from reviews import services
from tests.factories import UserFactory, make_member

YEAR = 2026


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def people(tree, secretary_a, member_a):
    """Branch A: 李书记 (secretary, user secretary_a), 陈组织 (组织委员), 王党员 (member_a), 赵/钱/孙 (正式),
    周预备 (预备党员). Users for 赵 and 周 so they can vote or try to."""
    branch = tree["a"]
    people = {
        "secretary": secretary_a.member,
        "organizer": make_member(branch, name="陈组织", party_post="organization_member"),
        "wang": member_a.member,
        "zhao": make_member(branch, name="赵党员", user=UserFactory(username="zhao")),
        "qian": make_member(branch, name="钱党员", user=UserFactory(username="qian")),
        "sun": make_member(branch, name="孙党员"),
        "zhou": make_member(branch, name="周预备", category="probationary", joined_on=date(2026, 3, 1),
                            user=UserFactory(username="zhou")),
    }
    return people


@pytest.fixture
def held_meeting(tree):
    def _held(kinds, when, topic="会议"):
        return record_meeting(actor=None, branch=tree["a"], kinds=list(kinds), held_at=when, topic=topic, now=when)

    return _held


@pytest.fixture
def ready_life_meeting(tree, people, secretary_a):
    """A 2026 组织生活会 with its preparation done (study, opinions, every member's material)."""
    now = local(YEAR, 11, 20, 9)
    lm = services.create_life_meeting(actor=secretary_a, branch=tree["a"], topic="2026年度组织生活会", now=now,
                                      upper_topic="学习贯彻党的二十大精神", study_summary="集中学习党章和条例。",
                                      study_on=date(YEAR, 11, 10))
    services.add_opinion(actor=secretary_a, life_meeting=lm, source_kind="forum", count=6, summary="会议通知不及时。")
    for member in people.values():
        services.submit_material(actor=secretary_a, life_meeting=lm, member=member, now=now, text=f"{member.name}的对照检查。")
    return lm


def hold(lm, secretary_a, people, when=None):
    when = when or local(YEAR, 12, 5, 14)
    return services.hold_life_meeting(
        actor=secretary_a, life_meeting=lm, now=when, held_at=when, place="会议室", secretary_report="书记报告支部一年工作。",
        host=people["secretary"], recorder=people["organizer"], also_kinds=[Kind.BRANCH_ASSEMBLY],
        criticisms=[services.CriticismEntry(people["wang"], "学习不够深入", target=people["zhao"]),
                    services.CriticismEntry(people["secretary"], "联系群众不够")])

