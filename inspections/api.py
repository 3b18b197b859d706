"""/api/v1/alerts/: read-only, scoped to the caller's organizations (design.md field names)."""

from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from branches.access import SIGNED_IN, DeclaredPermissionMixin
from branches.selectors import visible_orgs
from inspections.models import Alert
from inspections.selectors import visible_alerts


class AlertSerializer(serializers.ModelSerializer):
    org = serializers.SlugRelatedField(slug_field="code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True, default=None)

    class Meta:
        model = Alert
        fields = ["id", "kind", "org", "org_name", "member", "member_name", "level", "opened_at", "closed_at",
                  "explanation", "period_start", "period_end", "months", "rule", "close_reason"]
        read_only_fields = fields


class AlertFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Alert.Kind.choices, label="类型")
    org = filters.CharFilter(method="filter_org", label="党组织代码（含下级）")
    open = filters.BooleanFilter(field_name="closed_at", lookup_expr="isnull", label="未关闭")

    class Meta:
        model = Alert
        fields = ["kind", "org", "open"]

    def filter_org(self, qs, name, value):
        org = visible_orgs(self.request.user).filter(code=value).first()
        return qs.filter(org.subtree_filter(prefix="org__")) if org else qs.none()


class AlertViewSet(DeclaredPermissionMixin, viewsets.ReadOnlyModelViewSet):
    """督导预警: opened and closed by the daily scanners; filter by kind, org (subtree) and open."""

    required_perm = SIGNED_IN  # the queryset is the scope: alerts of organizations the caller may view

    serializer_class = AlertSerializer
    filterset_class = AlertFilter

    def get_queryset(self):
        return visible_alerts(self.request.user).select_related("org", "member").order_by("-opened_at", "-id")
