import pytest

from meetings.attendance import quorums


def rows(present_voters=0, absent_voters=0, present_nonvoters=0, absent_nonvoters=0):
    return ([("present", True, False)] * present_voters + [("absent", True, False)] * absent_voters
            + [("present", False, False)] * present_nonvoters + [("leave", False, False)] * absent_nonvoters)


@pytest.mark.parametrize(
    ("attendance", "met"),
    [
        (rows(present_voters=5, absent_voters=5), False),  # exactly half is not "more than half"
        (rows(present_voters=6, absent_voters=5), True),
        (rows(present_voters=5, absent_voters=6, present_nonvoters=4), False),  # 预备党员 present don't count
        (rows(present_voters=1, absent_nonvoters=3), True),  # non-voters absent don't count either
        (rows(), False),  # nobody with a vote: no vote can be held
    ],
)
def test_assembly_quorum_counts_only_members_with_a_vote(attendance, met):
    (quorum,) = quorums(["branch_assembly"], attendance)
    assert quorum.met is met


def test_assembly_quorum_explains_itself():
    (quorum,) = quorums(["branch_assembly", "theme_day"], rows(present_voters=6, absent_voters=5, present_nonvoters=2))
    assert quorum.explanation == "支部党员大会：应到会有表决权的党员11人，实到6人，超过半数，可以进行表决（支部条例 第十一条）。"


def test_committee_quorum_counts_all_committee_members():
    (quorum,) = quorums(["branch_committee"], [("present", True, False), ("present", False, False),
                                               ("absent", True, False), ("leave", True, False)])
    assert (quorum.expected, quorum.present, quorum.met) == (4, 2, False)


def test_committee_quorum_recorded_with_another_kind_uses_the_committee_only():
    # a 支委会 recorded together with a 党员大会: 3 委员 (1 present) among 10 members all present but two
    attendance = [("present", True, True), ("absent", True, True), ("leave", True, True)] + [("present", True, False)] * 7
    assembly, committee = quorums(["branch_assembly", "branch_committee"], attendance)
    assert (committee.expected, committee.present, committee.met) == (3, 1, False)
    assert (assembly.expected, assembly.present, assembly.met) == (10, 8, True)
    assert committee.explanation == "支委会：应到委员3人，实到1人，未超过半数，会议不能进行（支部条例 第十二条）。"


@pytest.mark.parametrize(("exempt", "met"), [(0, True), (1, True), (2, False)])
def test_exempted_members_stay_in_the_vote_base(exempt, met):
    (quorum,) = quorums(["branch_assembly"], rows(present_voters=6, absent_voters=4), exempt_voters=exempt)
    assert (quorum.expected, quorum.met) == (10 + exempt, met)  # 6 of 12 is not more than half
    if exempt:
        assert f"（含暂不参加组织生活{exempt}人）" in quorum.explanation


def test_kinds_without_a_vote_have_no_quorum():
    assert quorums(["party_lecture", "theme_day"], rows(present_voters=1)) == []
