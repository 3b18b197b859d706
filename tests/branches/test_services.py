import pytest
from django.core.exceptions import ValidationError

from branches import services
from branches.models import Organization, OrgRole, Role
from branches.selectors import subtree
from core.models import AuditEntry
from tests.factories import UserFactory, make_member, make_org

K = Organization.Kind


def test_paths_nest_and_a_subtree_is_one_prefix_query(tree, django_assert_num_queries):
    assert tree["a2"].path == f"{tree['city'].path}{tree['d1'].pk}/{tree['g1'].pk}/{tree['a2'].pk}/"
    assert tree["a2"].depth == 3
    with django_assert_num_queries(1):
        codes = set(subtree(tree["d1"]).values_list("code", flat=True))
    assert codes == {"D1", "G1", "A", "A2"}


def test_moving_an_organization_moves_its_whole_subtree(tree):
    services.update_organization(actor=None, org=tree["g1"], parent=tree["d2"])
    a2 = Organization.objects.get(code="A2")
    g1 = Organization.objects.get(code="G1")
    assert a2.path.startswith(g1.path) and g1.path.startswith(tree["d2"].path)
    assert a2.depth == 3
    assert set(subtree(tree["d2"]).values_list("code", flat=True)) == {"D2", "B", "G1", "A2"}


def test_a_cycle_is_rejected_and_nothing_changes(tree):
    before = list(Organization.objects.order_by("pk").values_list("code", "path"))
    with pytest.raises(ValidationError) as exc:
        services.update_organization(actor=None, org=tree["d1"], parent=tree["g1"])
    assert "循环" in exc.value.message_dict["parent"][0]
    assert list(Organization.objects.order_by("pk").values_list("code", "path")) == before


def test_an_organization_cannot_be_its_own_parent(tree):
    with pytest.raises(ValidationError, match="循环"):
        services.update_organization(actor=None, org=tree["d1"], parent=tree["d1"])


@pytest.mark.parametrize(
    ("kind", "parent_key", "message"),
    [
        (K.BRANCH, "a", "党支部不能设在党支部之下"),
        (K.GENERAL_BRANCH, "g1", "党总支不能设在党总支之下"),
        (K.BRANCH, None, "党支部必须有上级党组织"),
    ],
)
def test_kinds_nest_only_as_the_tree_allows(tree, kind, parent_key, message):
    count = Organization.objects.count()
    with pytest.raises(ValidationError, match=message):
        make_org("NEW", kind=kind, parent=tree[parent_key] if parent_key else None)
    assert Organization.objects.count() == count


def test_duplicate_code_is_rejected_in_chinese(tree):
    with pytest.raises(ValidationError) as exc:
        make_org("A", parent=tree["d1"])
    assert exc.value.message_dict["code"] == ["组织代码已被使用。"]


def test_term_end_must_follow_term_start(tree):
    from datetime import date

    with pytest.raises(ValidationError):
        services.update_organization(actor=None, org=tree["a"], term_start=date(2024, 1, 1), term_end=date(2023, 1, 1))


def test_changes_are_audited_with_actor_and_fields(tree):
    user = UserFactory()
    services.assign_role(actor=None, user=user, role="admin", org=tree["d1"])
    services.update_organization(actor=user, org=tree["a"], name="兴隆社区第一党支部")
    entry = AuditEntry.objects.filter(target_type="branches.organization", target_id=str(tree["a"].pk)).first()
    assert entry.action == "update" and entry.actor == user
    assert entry.changes["name"] == ["兴隆社区党支部", "兴隆社区第一党支部"]


def test_the_service_itself_refuses_who_may_not_manage_the_tree(tree, secretary_a, viewer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.update_organization(actor=secretary_a, org=tree["a"], name="改名")
    with pytest.raises(PermissionDenied):
        services.create_organization(actor=viewer, parent=tree["d1"], code="X", name="x", kind="branch")
    d1_admin = UserFactory()
    services.assign_role(actor=None, user=d1_admin, role="admin", org=tree["d1"])
    with pytest.raises(ValidationError, match="只有全部组织的管理员可以设立顶级党组织"):
        services.create_organization(actor=d1_admin, parent=None, code="TOP", name="x", kind="party_committee")
    services.create_organization(actor=d1_admin, parent=tree["d1"], code="X", name="x", kind="branch")


def test_an_unchanged_save_writes_no_audit_entry(tree):
    count = AuditEntry.objects.count()
    services.update_organization(actor=None, org=tree["a"], name=tree["a"].name)
    assert AuditEntry.objects.count() == count


def test_an_organization_with_children_or_members_cannot_be_deleted(tree):
    with pytest.raises(ValidationError, match="下级组织"):
        services.delete_organization(actor=None, org=tree["d1"])
    make_member(tree["b"])
    with pytest.raises(ValidationError, match="党员"):
        services.delete_organization(actor=None, org=tree["b"])


def test_party_group_leader_must_belong_to_the_branch(tree):
    outsider = make_member(tree["b"])
    with pytest.raises(ValidationError) as exc:
        services.create_party_group(actor=None, branch=tree["a"], name="第一党小组", leader=outsider)
    assert "本支部" in exc.value.message_dict["leader"][0]


def test_party_groups_only_inside_branches(tree):
    with pytest.raises(ValidationError, match="只能设在党支部内"):
        services.create_party_group(actor=None, branch=tree["d1"], name="第一党小组")


def test_duplicate_group_name_in_a_branch(tree):
    services.create_party_group(actor=None, branch=tree["a"], name="第一党小组")
    with pytest.raises(ValidationError, match="同名党小组"):
        services.create_party_group(actor=None, branch=tree["a"], name="第一党小组")


def test_branch_roles_only_on_branches_and_admin_may_be_global(tree):
    user = UserFactory()
    with pytest.raises(ValidationError, match="只能设在党支部上"):
        services.assign_role(actor=None, user=user, role=Role.SECRETARY, org=tree["d1"])
    with pytest.raises(ValidationError, match="必须指定党组织"):
        services.assign_role(actor=None, user=user, role=Role.VIEWER, org=None)
    grant = services.assign_role(actor=None, user=user, role=Role.ADMIN, org=None)
    assert services.assign_role(actor=None, user=user, role=Role.ADMIN, org=None) == grant
    assert OrgRole.objects.filter(user=user).count() == 1
