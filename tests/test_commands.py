from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from branches.models import Organization, OrgRole
from core.models import AuditEntry
from meetings.models import Attendance, Meeting
from members.models import Member, Membership


def _names():
    return list(Member.objects.order_by("id").values_list("name", "birth_date"))


@pytest.mark.django_db
def test_seed_demo_builds_a_consistent_tree_rosters_and_accounts(capsys):
    call_command("seed_demo", "--branches", "8", "--members-per-branch", "6", "--seed", "7")
    out = capsys.readouterr().out
    assert "secretary_a" in out and "orglife2026" in out
    branches = Organization.objects.filter(kind="branch")
    assert branches.count() == 8
    for org in Organization.objects.exclude(parent=None):
        assert org.path == f"{org.parent.path}{org.pk}/" and org.depth == org.parent.depth + 1
    assert Member.objects.count() == Membership.objects.filter(ended_on=None).count() > 0
    seeded = AuditEntry.objects.filter(source="seed", target_type__in=["branches.organization", "members.member"])
    assert seeded.count() == Organization.objects.count() + Member.objects.count()
    assert AuditEntry.objects.filter(source="seed", target_type="branches.orgrole").count() == 5  # roles of the accounts
    assert OrgRole.objects.filter(user__username="secretary_a", role="secretary").exists()
    assert Meeting.objects.filter(status="held").exists() and Attendance.objects.exists()
    assert not Attendance.objects.exclude(meeting__branch=F("member__branch")).exists()
    assert Member.objects.get(user__username="member_a").branch == OrgRole.objects.get(user__username="secretary_a").org


@pytest.mark.django_db
def test_seed_demo_is_deterministic_for_a_seed():
    call_command("seed_demo", "--branches", "3", "--members-per-branch", "5", "--seed", "11")
    first = _names()
    first_meetings = list(Meeting.objects.order_by("id").values_list("topic", "held_at", "late_entry"))
    assert first_meetings
    Meeting.objects.all().delete()
    Membership.objects.all().delete()
    Member.objects.all().delete()
    Organization.objects.update(parent=None)
    Organization.objects.all().delete()
    call_command("seed_demo", "--branches", "3", "--members-per-branch", "5", "--seed", "11")
    assert _names() == first
    assert list(Meeting.objects.order_by("id").values_list("topic", "held_at", "late_entry")) == first_meetings


@pytest.mark.django_db
def test_seed_demo_refuses_a_second_load_unless_asked_to_skip(capsys):
    call_command("seed_demo", "--branches", "2", "--members-per-branch", "4")
    with pytest.raises(CommandError, match="演示数据只能载入空数据库"):
        call_command("seed_demo", "--branches", "2")
    call_command("seed_demo", "--skip-if-exists")
    assert "演示数据已存在" in capsys.readouterr().out


@pytest.mark.django_db
def test_create_user_links_a_member_and_grants_a_role(tree, capsys):
    from tests.factories import make_member

    member = make_member(tree["a"], name="刘组织")
    call_command("create_user", "liu", "--password", "pw-123456", "--member", str(member.pk),
                 "--role", "organization_member", "--org", "A")
    member.refresh_from_db()
    assert member.user.username == "liu" and member.user.check_password("pw-123456")
    assert OrgRole.objects.filter(user=member.user, org=tree["a"], role="organization_member").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "secretary", "--org", "NOPE"], "找不到代码为“NOPE”的组织"),
        (["--role", "secretary", "--org", "D1"], "只能设在党支部上"),
        (["--org", "A"], "--org 需要与 --role 一起使用"),
        (["--member", "999999"], "找不到编号为 999999 的党员"),
    ],
)
def test_create_user_explains_bad_arguments(tree, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_user", "x", "--password", "Zhibu-2026-x", *args)


@pytest.mark.django_db
def test_admin_pages_open_for_a_superuser(client, tree):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password="pw-123456")
    client.force_login(admin)
    for url in ["/admin/", "/admin/meetings/quotarule/", "/admin/meetings/meeting/", "/admin/branches/organization/",
                "/admin/members/member/", "/admin/core/auditentry/", "/admin/branches/policyvalue/"]:
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_seed_demo_data_reads_like_real_branches():
    """Issue 15 point 11: posts, 预备党员, ages and jobs, 党总支 and their branches, varied minutes."""
    from datetime import date

    from django.utils import timezone

    from orglife.demo.people import DISTRICTS

    # 300 branches: 25 a district, enough for each district to have a 党总支
    call_command("seed_demo", "--branches", "300", "--members-per-branch", "8", "--months", "2", "--seed", "5")
    today = timezone.localdate()
    members = list(Member.objects.all())

    def age(m, on):
        return on.year - m.birth_date.year - ((on.month, on.day) < (m.birth_date.month, m.birth_date.day))

    # only 正式党员 hold 书记/委员 posts; each branch has exactly one 书记
    assert not [m for m in members if m.party_post in Member.COMMITTEE_POSTS and m.category != "full"]
    for branch in Organization.objects.filter(kind="branch"):
        assert branch.members.filter(party_post="secretary").count() == 1
    # 预备党员 about 5–8 %, accepted as adults within the last two years
    probationary = [m for m in members if m.category == "probationary"]
    assert 0.04 <= len(probationary) / len(members) <= 0.09, len(probationary) / len(members)
    assert all(m.joined_on > date(today.year - 2, today.month, 1) for m in probationary)
    assert all(age(m, m.joined_on) >= 18 for m in members)
    assert all(m.confirmed_on is None or m.confirmed_on <= today for m in members)
    # jobs consistent with age
    assert not [m for m in members if m.job == "学生" and age(m, today) > 30]
    assert not [m for m in members if m.job == "离退休人员" and age(m, today) < 50]
    assert all(m.job == "离退休人员" for m in members if age(m, today) >= 60)
    # a 党总支 holds branches of its own unit, named naturally
    generals = Organization.objects.filter(kind="general_branch")
    assert generals.exists()
    for general in generals:
        unit = general.name.removesuffix("党总支")
        assert unit[:2] in {"临江", *(d[:2] for d in DISTRICTS)}, general.name  # "江城区人民医院党总支", not "市江城区…"
        for branch in Organization.objects.filter(parent=general):
            assert branch.name.startswith(unit) and branch.sector == general.sector, (general.name, branch.name)
    # minutes, places and topics vary
    held = Meeting.objects.filter(status="held")
    assert held.values("topic").distinct().count() >= 24
    assert held.values("place").distinct().count() >= 8
    assert held.values("minutes").distinct().count() >= 30
    # the committee snapshot on attendance follows the posts
    assert Attendance.objects.filter(committee=True).exists()
    assert not Attendance.objects.filter(committee=True, member__party_post="member").exists()


@pytest.mark.django_db
def test_seed_demo_marks_补记_as_the_product_does():
    """Issue 15 point 1: the demo's 补记 flags are those of meetings.timeliness (the rule that applies to the
    branch, judged on each period's facts), and its 党小组 existed through every period it covers."""
    from django.utils import timezone

    from branches.models import PartyGroup
    from meetings.timeliness import is_late_entry

    call_command("seed_demo", "--branches", "12", "--members-per-branch", "20", "--months", "6", "--seed", "7")
    first_month = timezone.localdate().replace(day=1) - timedelta(days=200)
    assert PartyGroup.objects.exists()
    assert not PartyGroup.objects.filter(set_up_on__gt=first_month.replace(month=1, day=1)).exists()
    held = list(Meeting.objects.filter(status="held").select_related("branch", "party_group").prefetch_related("kinds"))
    assert any(m.late_entry for m in held) and not all(m.late_entry for m in held)
    wrong = [m.pk for m in held if m.late_entry != is_late_entry(
        branch=m.branch, kinds=m.kind_values, held_at=m.held_at, recorded_at=m.recorded_at, party_group=m.party_group)]
    assert wrong == []
