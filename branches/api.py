from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from branches import services
from branches.access import SIGNED_IN, DeclaredPermissionMixin
from branches.models import Organization
from branches.permissions import Perm
from branches.selectors import visible_orgs
from core.fields import ScopedSlugRelatedField


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


class OrganizationViewSet(DeclaredPermissionMixin, viewsets.ModelViewSet):
    """党组织: the tree, scoped to what the caller may see. Where an organization may be placed
    (a top-level one only by an administrator of the whole tree) is the service's rule."""

    required_perm = SIGNED_IN
    write_perm = Perm.MANAGE_ORGS
    serializer_class = OrganizationSerializer
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9_-]+"
    filterset_class = OrganizationFilter

    def org_of(self, obj):
        return obj

    def get_queryset(self):
        return visible_orgs(self.request.user).select_related("parent").order_by("path")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_organization(actor=self.request.user, parent=data.pop("parent", None),
                                                           source="api", **data)

    def perform_update(self, serializer):
        serializer.instance = services.update_organization(actor=self.request.user, org=serializer.instance,
                                                           source="api", **serializer.validated_data)

    def perform_destroy(self, instance):
        services.delete_organization(actor=self.request.user, org=instance, source="api")
