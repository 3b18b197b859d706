from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from branches.models import Organization
from branches.permissions import Perm
from branches.selectors import visible_orgs, visible_party_groups
from members import services
from members.models import Member, Membership
from members.selectors import can_see_id_numbers, visible_members
from orglife.api import require
from orglife.fields import ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField


def with_branch_since(qs):
    """Annotate the date each member joined their current branch (group changes inside it don't count)."""
    since = (
        Membership.objects.filter(member=OuterRef("pk"), branch=OuterRef("branch"))
        .exclude(reason=Membership.Reason.GROUP_CHANGE)
        .order_by("-started_on")
        .values("started_on")[:1]
    )
    return qs.annotate(branch_since=Subquery(since))


class MemberSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(write_only=True, required=False, max_length=30,
                                      help_text="公民身份号码（写入）；读取时按权限返回完整或脱敏号码")
    id_number_display = serializers.SerializerMethodField(help_text="公民身份号码（按权限脱敏）")
    branch = ScopedSlugRelatedField(scope=visible_orgs, slug_field="code")
    branch_since = serializers.DateField(required=False, help_text="加入本支部日期；新建时默认为加入党组织日期")
    party_group = ScopedPrimaryKeyRelatedField(scope=visible_party_groups, allow_null=True, required=False)

    class Meta:
        model = Member
        fields = ["id", "name", "gender", "ethnicity", "birth_date", "id_number", "id_number_display", "category",
                  "joined_on", "confirmed_on", "branch", "branch_since", "party_group", "status", "education", "job",
                  "mobile", "landline", "address", "lost_contact", "lost_contact_since", "is_mobile",
                  "mobile_destination", "party_post", "probation_until", "note"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # The contract names the field `id_number`: masked unless the caller may see it.
        data["id_number"] = data.pop("id_number_display")
        return data

    @extend_schema_field(serializers.CharField())
    def get_id_number_display(self, member) -> str:
        user = self.context["request"].user
        return member.id_number if can_see_id_numbers(user, member) else member.id_number_masked

    def validate(self, attrs):
        if self.instance is None and not attrs.get("id_number"):
            raise serializers.ValidationError({"id_number": "请填写公民身份号码。"})
        return attrs


class MemberFilter(filters.FilterSet):
    branch = filters.CharFilter(field_name="branch__code", label="党支部代码")
    name = filters.CharFilter(field_name="name", lookup_expr="icontains", label="姓名")

    class Meta:
        model = Member
        fields = ["branch", "status", "category", "party_group", "name"]


class MemberViewSet(viewsets.ModelViewSet):
    """党员: the roster, scoped by role; members see only themselves. Members are never deleted."""

    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        qs = visible_members(self.request.user).select_related("branch", "party_group")
        return with_branch_since(qs).order_by("branch__path", "name", "id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        branch: Organization = data.pop("branch")
        require(self.request.user, Perm.MANAGE_MEMBERS, branch)
        member = services.create_member(actor=self.request.user, branch=branch, source="api", **data)
        serializer.instance = with_branch_since(Member.objects.filter(pk=member.pk)).get()

    @transaction.atomic
    def perform_update(self, serializer):
        member = serializer.instance
        user = self.request.user
        require(user, Perm.MANAGE_MEMBERS, member.branch)
        data = dict(serializer.validated_data)
        to_branch = data.pop("branch", member.branch)
        group = data.pop("party_group", member.party_group)
        since = data.pop("branch_since", None)
        member = services.update_member(actor=user, member=member, source="api", **data)
        if to_branch != member.branch or group != member.party_group:
            require(user, Perm.MANAGE_MEMBERS, to_branch)
            member = services.transfer_member(actor=user, member=member, to_branch=to_branch, party_group=group,
                                              on=since or timezone.localdate(), source="api")
        serializer.instance = with_branch_since(Member.objects.filter(pk=member.pk)).get()
