from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from branches import services
from branches.models import Organization, PartyGroup
from branches.permissions import Perm
from branches.selectors import visible_orgs, visible_party_groups
from orglife.api import require
from orglife.fields import ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField


def _visible_members(user):
    from members.selectors import visible_members

    return visible_members(user)


class OrganizationSerializer(serializers.ModelSerializer):
    parent = ScopedSlugRelatedField(scope=visible_orgs, slug_field="code", allow_null=True, required=False)

    class Meta:
        model = Organization
        fields = ["code", "name", "kind", "parent", "sector", "founded_on", "approval_document", "term_start",
                  "term_end", "depth"]
        read_only_fields = ["depth"]
        extra_kwargs = {"code": {"validators": []}}  # uniqueness is checked by the service's full_clean


class OrganizationFilter(filters.FilterSet):
    parent = filters.CharFilter(field_name="parent__code", label="上级组织代码")

    class Meta:
        model = Organization
        fields = ["kind", "sector", "parent"]


class OrganizationViewSet(viewsets.ModelViewSet):
    """党组织: the tree, scoped to what the caller may see."""

    serializer_class = OrganizationSerializer
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9_-]+"
    filterset_class = OrganizationFilter

    def get_queryset(self):
        return visible_orgs(self.request.user).select_related("parent").order_by("path")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        parent = data.pop("parent", None)
        require(self.request.user, Perm.MANAGE_ORGS, parent)
        serializer.instance = services.create_organization(actor=self.request.user, parent=parent, source="api", **data)

    def perform_update(self, serializer):
        org = serializer.instance
        require(self.request.user, Perm.MANAGE_ORGS, org)
        data = dict(serializer.validated_data)
        if "parent" in data and data["parent"] != org.parent:
            require(self.request.user, Perm.MANAGE_ORGS, data["parent"])
        serializer.instance = services.update_organization(actor=self.request.user, org=org, source="api", **data)

    def perform_destroy(self, instance):
        require(self.request.user, Perm.MANAGE_ORGS, instance)
        services.delete_organization(actor=self.request.user, org=instance, source="api")


class PartyGroupSerializer(serializers.ModelSerializer):
    branch = ScopedSlugRelatedField(scope=visible_orgs, slug_field="code")
    leader = ScopedPrimaryKeyRelatedField(scope=_visible_members, allow_null=True, required=False)

    class Meta:
        model = PartyGroup
        fields = ["id", "branch", "name", "leader"]
        validators = []  # (branch, name) uniqueness is checked by the service's full_clean


class PartyGroupFilter(filters.FilterSet):
    branch = filters.CharFilter(field_name="branch__code", label="党支部代码")

    class Meta:
        model = PartyGroup
        fields = ["branch"]


class PartyGroupViewSet(viewsets.ModelViewSet):
    """党小组 of the branches the caller may see."""

    serializer_class = PartyGroupSerializer
    filterset_class = PartyGroupFilter

    def get_queryset(self):
        return visible_party_groups(self.request.user).order_by("branch__path", "name")

    def perform_create(self, serializer):
        data = serializer.validated_data
        require(self.request.user, Perm.MANAGE_MEMBERS, data["branch"])
        serializer.instance = services.create_party_group(actor=self.request.user, source="api", **data)

    def perform_update(self, serializer):
        group = serializer.instance
        require(self.request.user, Perm.MANAGE_MEMBERS, group.branch)
        data = dict(serializer.validated_data)
        if data.pop("branch", group.branch) != group.branch:
            raise serializers.ValidationError({"branch": "党小组不能移到其他党支部。"})
        serializer.instance = services.update_party_group(actor=self.request.user, group=group, source="api", **data)

    def perform_destroy(self, instance):
        require(self.request.user, Perm.MANAGE_MEMBERS, instance.branch)
        services.delete_party_group(actor=self.request.user, group=instance, source="api")
