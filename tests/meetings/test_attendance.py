import pytest

from meetings.attendance import quorums


def rows(present_voters=0, absent_voters=0, present_nonvoters=0, absent_nonvoters=0):
    return ([("present", True)] * present_voters + [("absent", True)] * absent_voters
            + [("present", False)] * present_nonvoters + [("leave", False)] * absent_nonvoters)


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
    (quorum,) = quorums(["branch_committee"], [("present", True), ("present", False), ("absent", True), ("leave", True)])
    assert (quorum.expected, quorum.present, quorum.met) == (4, 2, False)


def test_kinds_without_a_vote_have_no_quorum():
    assert quorums(["party_lecture", "theme_day"], rows(present_voters=1)) == []
