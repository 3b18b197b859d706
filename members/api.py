from django.db.models import OuterRef, Subquery
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from branches import services as branch_services
from branches.access import SIGNED_IN, DeclaredPermissionMixin
from branches.models import Organization, PartyGroup
from branches.permissions import Perm
from branches.selectors import visible_orgs, visible_party_groups
from core.fields import ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField
from members import services
from members.models import IdNumberReveal, Member, Membership
from members.selectors import can_see_id_numbers, visible_members


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
    birth_year = serializers.SerializerMethodField(help_text="出生年份；无权查看完整身份证号时 birth_date 为空，只给年份")
    branch = ScopedSlugRelatedField(scope=visible_orgs, slug_field="code")
    branch_since = serializers.DateField(required=False, help_text="加入本支部日期；新建时默认为加入党组织日期")
    party_group = ScopedPrimaryKeyRelatedField(scope=visible_party_groups, allow_null=True, required=False)

    class Meta:
        model = Member
        fields = ["id", "name", "gender", "ethnicity", "birth_date", "birth_year", "id_number", "id_number_display",
                  "category",
                  "joined_on", "confirmed_on", "branch", "branch_since", "party_group", "status", "education", "job",
                  "mobile", "landline", "address", "lost_contact", "lost_contact_since", "is_mobile",
                  "mobile_destination", "mobile_since", "party_post", "probation_until", "note"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # The contract names the field `id_number`: masked unless the caller may see it. The birth date
        # is digits 7–14 of the number: whoever may not see the number gets its year only (birth_year).
        data["id_number"] = data.pop("id_number_display")
        if not can_see_id_numbers(self.context["request"].user, instance):
            data["birth_date"] = None
        return data

    def get_birth_year(self, member) -> int | None:
        return member.birth_date.year if member.birth_date else None

    @extend_schema_field(serializers.CharField())
    def get_id_number_display(self, member) -> str:
        user = self.context["request"].user
        if not can_see_id_numbers(user, member):
            return member.id_number_masked
        self.context.setdefault("revealed", []).append(member)  # logged once the response is ready
        return member.id_number

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


class MemberViewSet(DeclaredPermissionMixin, viewsets.ModelViewSet):
    """党员: the roster, scoped by role; members see only themselves. Members are never deleted.
    A PATCH that names another branch or 党小组 is a transfer (the service's rule)."""

    required_perm = SIGNED_IN
    write_perm = Perm.MANAGE_MEMBERS
    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        qs = visible_members(self.request.user).select_related("branch", "party_group")
        return with_branch_since(qs).order_by("branch__path", "name", "id")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["revealed"] = self._revealed = getattr(self, "_revealed", [])
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        revealed = getattr(self, "_revealed", None)
        if revealed and response.status_code < 400:
            services.record_id_reveals(user=request.user, members=revealed, via=IdNumberReveal.Via.API)
        return super().finalize_response(request, response, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        branch: Organization = data.pop("branch")
        self.require_write(branch)
        member = services.create_member(actor=self.request.user, branch=branch, source="api", **data)
        serializer.instance = with_branch_since(Member.objects.filter(pk=member.pk)).get()

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "branch" in data:
            self.require_write(data["branch"])  # moving a member needs the right on both branches
        member = services.update_member(actor=self.request.user, member=serializer.instance, source="api", **data)
        serializer.instance = with_branch_since(Member.objects.filter(pk=member.pk)).get()


class PartyGroupSerializer(serializers.ModelSerializer):
    branch = ScopedSlugRelatedField(scope=visible_orgs, slug_field="code")
    leader = ScopedPrimaryKeyRelatedField(scope=visible_members, allow_null=True, required=False)

    class Meta:
        model = PartyGroup
        fields = ["id", "branch", "name", "leader", "set_up_on", "dissolved_on"]
        extra_kwargs = {"set_up_on": {"required": False, "help_text": "成立日期；新建时默认为当天。各期按当期首日存在的党小组判断。"},
                        "dissolved_on": {"required": False, "help_text": "撤销日期（含当日起不再计入），未撤销为 null。"}}
        validators = []  # (branch, name) uniqueness is checked by the service's full_clean


class PartyGroupFilter(filters.FilterSet):
    branch = filters.CharFilter(field_name="branch__code", label="党支部代码")

    class Meta:
        model = PartyGroup
        fields = ["branch"]


class PartyGroupViewSet(DeclaredPermissionMixin, viewsets.ModelViewSet):
    """党小组 of the branches the caller may see (here beside the roster: a group's leader is a member)."""

    required_perm = SIGNED_IN
    write_perm = Perm.MANAGE_MEMBERS
    serializer_class = PartyGroupSerializer
    filterset_class = PartyGroupFilter

    def get_queryset(self):
        return visible_party_groups(self.request.user).order_by("branch__path", "name")

    def perform_create(self, serializer):
        data = serializer.validated_data
        self.require_write(data["branch"])
        serializer.instance = branch_services.create_party_group(actor=self.request.user, source="api", **data)

    def perform_update(self, serializer):
        group = serializer.instance
        data = dict(serializer.validated_data)
        if data.pop("branch", group.branch) != group.branch:
            raise serializers.ValidationError({"branch": "党小组不能移到其他党支部。"})
        serializer.instance = branch_services.update_party_group(actor=self.request.user, group=group, source="api",
                                                                 **data)

    def perform_destroy(self, instance):
        branch_services.delete_party_group(actor=self.request.user, group=instance, source="api")
