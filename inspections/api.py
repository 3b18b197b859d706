"""/api/v1/alerts/ (read-only, scoped to the caller's organizations) and /api/v1/orgs/{code}/dashboard/
(design.md field names)."""

from datetime import date

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from branches.access import SIGNED_IN, DeclaredPermissionMixin, org_or_404
from branches.permissions import Perm
from branches.selectors import visible_orgs
from core.db import replica_reads
from inspections import services
from inspections.dashboard import BadParameter, dashboard_for, parse_year_at
from inspections.models import Alert, AlertComment
from inspections.selectors import visible_alerts


class AlertCommentSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()
    author_org = serializers.SlugRelatedField(slug_field="code", read_only=True)
    text = serializers.CharField(max_length=1000, error_messages={"blank": "请填写督办意见。", "required": "请填写督办意见。"})

    class Meta:
        model = AlertComment
        fields = ["id", "text", "author_name", "author_org", "created_at"]
        read_only_fields = ["id", "author_name", "author_org", "created_at"]

    def get_author_name(self, comment) -> str:
        author = comment.author
        return (author.get_full_name() or author.username) if author else ""


class AlertSerializer(serializers.ModelSerializer):
    org = serializers.SlugRelatedField(slug_field="code", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True, default=None)

    class Meta:
        model = Alert
        fields = ["id", "kind", "org", "org_name", "member", "member_name", "level", "state_label", "opened_at",
                  "closed_at", "explanation", "period_start", "period_end", "months", "rule", "close_reason"]
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
    write_perm = Perm.INSPECT  # 督办 comments: the upper level that inspects the alert's organization

    serializer_class = AlertSerializer
    filterset_class = AlertFilter

    def get_queryset(self):
        return visible_alerts(self.request.user).select_related("org", "member").order_by("-opened_at", "-id")

    def org_of(self, obj):
        return obj.org

    @extend_schema(request=AlertCommentSerializer, responses=AlertCommentSerializer(many=True))
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=None)
    def comments(self, request, pk=None):
        """督办意见: read by whoever sees the alert (the branch too); added by the upper level (Perm.INSPECT)."""
        alert = self.get_object()
        if request.method == "POST":
            data = AlertCommentSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            comment = services.add_supervision_comment(actor=request.user, alert=alert, text=data.validated_data["text"],
                                                       now=timezone.now(), source="api")
            return Response(AlertCommentSerializer(comment).data, status=201)
        comments = alert.comments.select_related("author", "author_org")
        return Response(AlertCommentSerializer(comments, many=True).data)


class KindSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="会议类型（all_activities：组织生活合计）")
    label = serializers.CharField()
    periods = serializers.IntegerField(help_text="截至 at 已结束的期数（不含免于要求、不适用）")
    met = serializers.IntegerField(help_text="其中已完成（含补记完成）")
    met_late = serializers.IntegerField(help_text="其中补记完成")
    late = serializers.IntegerField(help_text="其中补记期内")
    overdue = serializers.IntegerField(help_text="其中已逾期")
    rate = serializers.FloatField(allow_null=True, help_text="met ÷ periods；periods 为 0 时为 null")


class ChildSerializer(serializers.Serializer):
    code = serializers.CharField(source="org.code")
    name = serializers.CharField(source="org.name")
    kind = serializers.CharField(source="org.kind")
    branches = serializers.IntegerField(source="figures.branches")
    compliant_branches = serializers.IntegerField(source="figures.compliant_branches")
    overdue = serializers.IntegerField(source="figures.overdue")
    rate = serializers.FloatField(source="figures.rate", allow_null=True)
    rank = serializers.IntegerField(allow_null=True, help_text="仅在上级开启排名时给出")


class MonthSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    overdue_branches = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    org = serializers.CharField(source="org.code")
    org_name = serializers.CharField(source="org.name")
    year = serializers.IntegerField()
    at = serializers.DateField()
    branches = serializers.IntegerField(source="figures.branches")
    members = serializers.IntegerField(source="figures.members")
    compliant_branches = serializers.IntegerField(source="figures.compliant_branches")
    attendance_rate = serializers.FloatField(source="figures.attendance_rate", allow_null=True,
                                             help_text="出席 ÷（出席 + 请假 + 缺席），本年度截至 at 已召开的会议")
    rate = serializers.FloatField(source="figures.rate", allow_null=True, help_text="全部类型合计的完成率")
    kinds = KindSerializer(many=True)
    alerts = serializers.DictField(child=serializers.IntegerField(), help_text="截至 at 未关闭的预警数，按类型")
    six_month_flags = serializers.IntegerField(help_text="连续六个月未参加组织生活、需支部大会研究的党员标记")
    terms_due = serializers.IntegerField(help_text="换届到期提醒")
    children = ChildSerializer(many=True)
    months = MonthSerializer(many=True)
    ranking = serializers.BooleanField(help_text="上级是否开启了排名")
    source = serializers.CharField(help_text="rollup：读取汇总；live：按 at 即时计算")
    as_of = serializers.DateField(allow_null=True, help_text="汇总的评估日期")


class DashboardView(DeclaredPermissionMixin, APIView):
    """督导看板: a 党委/党总支 (or a branch) and its subtree, for `year` as it stood at the end of `at`."""

    required_perm = Perm.VIEW

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="年度，默认为 at 所在年度"),
                    OpenApiParameter("at", date, description="按该日结束时的情况统计，默认为今天")],
        responses=DashboardSerializer,
    )
    def get(self, request, code):
        with replica_reads():
            org = org_or_404(request.user, code, self.required_perm)
            try:
                year, at = parse_year_at(request.query_params.get("year"), request.query_params.get("at"),
                                         today=timezone.localdate())
            except BadParameter as exc:
                raise exceptions.ValidationError({exc.field: [exc.message]}) from None
            return Response(dashboard_payload(dashboard_for(org, year=year, at=at)))


def dashboard_payload(dash) -> dict:
    """The answer, built directly (DashboardSerializer documents it): a district has hundreds of children,
    and field-by-field serializers cost more than the dashboard's SQL."""
    fig = dash.figures
    return {
        "org": dash.org.code, "org_name": dash.org.name, "year": dash.year, "at": dash.at.isoformat(),
        "branches": fig.branches, "members": fig.members, "compliant_branches": fig.compliant_branches,
        "attendance_rate": fig.attendance_rate, "rate": fig.rate,
        "kinds": [{"kind": k.kind, "label": k.label, "periods": k.periods, "met": k.met, "met_late": k.met_late,
                   "late": k.late, "overdue": k.overdue, "rate": k.rate} for k in dash.kinds],
        "alerts": dash.alerts, "six_month_flags": dash.six_month_flags, "terms_due": dash.terms_due,
        "children": [{"code": c.org.code, "name": c.org.name, "kind": c.org.kind, "branches": c.figures.branches,
                      "compliant_branches": c.figures.compliant_branches, "overdue": c.figures.overdue,
                      "rate": c.figures.rate, "rank": c.rank} for c in dash.children],
        "months": dash.months, "ranking": dash.ranking, "source": dash.source,
        "as_of": dash.as_of.isoformat() if dash.as_of else None,
    }
