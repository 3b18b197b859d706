"""Quorum bases on recorded meetings (domain-rules §2.2 and "Clarifications"): exempted members stay in
应到会有表决权的党员 unless their category may be left out with the upper level's consent; the 支委会's
quorum is the committee's, whatever else the meeting counted for."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from branches.models import PolicyValue
from meetings import services
from meetings.attendance import meeting_quorums
from meetings.services import Mark
from tests.factories import make_member
from tests.meetings.conftest import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 5, 20, 12)
HELD = local(2026, 5, 8, 19)


@pytest.fixture
def branch(tree):
    """Branch A with four voters, a 预备党员 and a 书记/组织委员 among the voters."""
    a = tree["a"]
    make_member(a, name="书记", party_post="secretary")
    make_member(a, name="组织委员", party_post="organization_member")
    make_member(a, name="党员甲")
    make_member(a, name="党员乙")
    make_member(a, name="预备", category="probationary", joined_on=date(2025, 9, 1))
    return a


def exempt(branch, secretary, name, reason, **consent):
    member = make_member(branch, name=name)
    return services.request_exemption(actor=secretary, branch=branch, member=member, reason=reason,
                                      detail="说明" if reason == "other" else "", starts_on=date(2026, 5, 1),
                                      ends_on=date(2026, 8, 31), now=NOW, **consent)


def assembly(meeting):
    return next(q for q in meeting_quorums(meeting) if q.kind == "branch_assembly")


def test_an_exempted_member_is_not_expected_but_stays_in_the_vote_base(branch, record, secretary_a):
    exempt(branch, secretary_a, "病休者", "sick")
    meeting = record(branch, ["branch_assembly"], HELD)
    names = set(meeting.attendance.values_list("member__name", flat=True))
    assert "病休者" not in names
    q = assembly(meeting)
    assert (q.expected, meeting.exempt_voters) == (6, 1)  # 书记, 组织委员, 甲, 乙, the secretary_a member + 病休者
    assert "含暂不参加组织生活1人" in q.explanation


def test_consent_of_the_upper_level_leaves_an_eligible_category_out(branch, record, secretary_a):
    exempt(branch, secretary_a, "卧床者", "elderly", upper_consent_on=date(2026, 5, 5), upper_consent_ref="区委组织部同意（2026）3号")
    assert record(branch, ["branch_assembly"], HELD).exempt_voters == 0
    # before the consent was given he still counted
    assert record(branch, ["branch_assembly"], local(2026, 5, 3, 19)).exempt_voters == 1


def test_consent_does_not_leave_out_a_category_the_rules_do_not_list(branch, record, secretary_a):
    exempt(branch, secretary_a, "产假者", "maternity", upper_consent_on=date(2026, 5, 5), upper_consent_ref="同意")
    assert record(branch, ["branch_assembly"], HELD).exempt_voters == 1


def test_the_eligible_categories_are_policy_data(branch, record, secretary_a, tree):
    exempt(branch, secretary_a, "产假者", "maternity", upper_consent_on=date(2026, 5, 5), upper_consent_ref="同意")
    PolicyValue.objects.create(key=PolicyValue.Key.VOTE_LEAVE_OUT_MATERNITY, org=tree["d1"], value=1,
                               effective_from=date(2020, 1, 1), article="区委规定")
    assert record(branch, ["branch_assembly"], HELD).exempt_voters == 0


def test_an_exempted_probationary_member_has_no_vote_to_count(branch, record, secretary_a):
    member = make_member(branch, name="预备病休", category="probationary", joined_on=date(2025, 9, 1))
    services.request_exemption(actor=secretary_a, branch=branch, member=member, reason="sick",
                               starts_on=date(2026, 5, 1), ends_on=date(2026, 8, 31), now=NOW)
    assert record(branch, ["branch_assembly"], HELD).exempt_voters == 0


def test_consent_needs_a_reference_and_a_member(branch, secretary_a):
    member = make_member(branch, name="外派者")
    with pytest.raises(ValidationError) as exc:
        services.request_exemption(actor=secretary_a, branch=branch, member=member, reason="abroad",
                                   starts_on=date(2026, 5, 1), ends_on=date(2026, 8, 31), now=NOW,
                                   upper_consent_on=date(2026, 5, 1))
    assert "文号" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.request_exemption(actor=secretary_a, branch=branch, reason="abroad", starts_on=date(2026, 5, 1),
                                   ends_on=date(2026, 8, 31), now=NOW, upper_consent_on=date(2026, 5, 1),
                                   upper_consent_ref="x")
    assert "整个党支部" in str(exc.value)


def test_committee_quorum_with_another_kind_counts_the_committee(branch, record, secretary_a):
    members = dict(branch.members.values_list("name", "pk"))
    # a 党员大会 that is also a 支委会: all come but the two 委员 of the fixture (李书记 of secretary_a is the third)
    meeting = record(branch, ["branch_assembly", "branch_committee"], HELD,
                     attendance={members["书记"]: Mark(status="absent"), members["组织委员"]: Mark(status="leave", reason="出差")})
    by_kind = {q.kind: q for q in meeting_quorums(meeting)}
    assert (by_kind["branch_committee"].expected, by_kind["branch_committee"].present) == (3, 1)
    assert not by_kind["branch_committee"].met
    assert (by_kind["branch_assembly"].expected, by_kind["branch_assembly"].present) == (5, 3)
    assert by_kind["branch_assembly"].met


def test_an_exempted_committee_member_stays_a_committee_member(branch, record, secretary_a):
    member = make_member(branch, name="宣传委员", party_post="propaganda_member")
    services.request_exemption(actor=secretary_a, branch=branch, member=member, reason="sick",
                               starts_on=date(2026, 5, 1), ends_on=date(2026, 8, 31), now=NOW)
    meeting = record(branch, ["branch_committee"], HELD)
    (q,) = meeting_quorums(meeting)
    assert (q.expected, q.present, meeting.exempt_committee) == (4, 3, 1)


# --- recording the upper level's consent on an existing exemption ------------------------------------

def test_the_branch_records_the_consent_later_and_later_meetings_use_it(branch, record, secretary_a, client):
    ex = exempt(branch, secretary_a, "外派者", "abroad")
    assert record(branch, ["branch_assembly"], HELD).exempt_voters == 1
    client.force_login(secretary_a)
    response = client.post(f"/exemptions/{ex.pk}/consent/", {"consent_on": "2026-05-10", "reference": "区委组织部函〔2026〕5号"})
    assert response.status_code == 302
    ex.refresh_from_db()
    assert (ex.upper_consent_on, ex.upper_consent_ref) == (date(2026, 5, 10), "区委组织部函〔2026〕5号")
    assert record(branch, ["branch_assembly"], local(2026, 5, 12, 19)).exempt_voters == 0
    page = client.get("/orgs/A/exemptions/").content.decode()
    assert "同意不计入表决基数" in page and "区委组织部函〔2026〕5号" in page


@pytest.mark.parametrize(("data", "fragment"), [
    ({"consent_on": "", "reference": "x"}, "请填写上级党组织同意日期"),
    ({"consent_on": "2026-05-10", "reference": ""}, "文号或说明"),
    ({"consent_on": "2099-01-01", "reference": "x"}, "不能晚于今天"),
])
def test_bad_consent_is_refused_with_a_chinese_message(branch, secretary_a, client, data, fragment):
    ex = exempt(branch, secretary_a, "外派者", "abroad")
    client.force_login(secretary_a)
    response = client.post(f"/exemptions/{ex.pk}/consent/", data, follow=True)
    assert fragment in response.content.decode()
    ex.refresh_from_db()
    assert ex.upper_consent_on is None


def test_an_outsider_cannot_record_consent(branch, secretary_a, secretary_b, member_a, client):
    ex = exempt(branch, secretary_a, "外派者", "abroad")
    client.force_login(secretary_b)
    assert client.post(f"/exemptions/{ex.pk}/consent/", {"consent_on": "2026-05-10", "reference": "x"}).status_code == 404
    client.force_login(member_a)  # a member of the branch may not record it
    assert client.post(f"/exemptions/{ex.pk}/consent/", {"consent_on": "2026-05-10", "reference": "x"}).status_code in (403, 404)
    ex.refresh_from_db()
    assert ex.upper_consent_on is None
