from datetime import date

from django.db import transaction
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from branches.access import SIGNED_IN, DeclaredPermissionMixin, org_or_404
from branches.permissions import Perm
from branches.selectors import branches_under, visible_orgs, visible_party_groups
from core.dates import OutOfRange, parse_day, parse_year
from core.fields import ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField
from meetings import services
from meetings.attendance import meeting_quorums, summarize
from meetings.compliance import compliance_for_branches
from meetings.models import Attendance, Kind, LeaveRequest, Meeting, QuotaRule, ResolutionItem
from meetings.periods import end_of_day
from meetings.selectors import (
    member_may_read_minutes,
    reads_whole_record,
    visible_leave_requests,
    visible_meetings,
)
from members.selectors import visible_members


class AttendanceSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="member_id", help_text="党员编号", min_value=1, max_value=2**63 - 1)
    member_name = serializers.CharField(source="member.name", read_only=True)
    status = serializers.ChoiceField(choices=Attendance.Status.choices)

    class Meta:
        model = Attendance
        fields = ["member", "member_name", "status", "reason", "late", "left_early", "category", "has_vote"]
        read_only_fields = ["category", "has_vote"]


def _count_field(**kwargs):
    return serializers.IntegerField(min_value=0, max_value=10000, error_messages={
        "min_value": "票数不能为负数。", "max_value": "票数过大。", "invalid": "票数须为整数。",
        "required": "请填写赞成票数。", "null": "请填写票数。"}, **kwargs)


class ResolutionItemSerializer(serializers.ModelSerializer):
    text = serializers.CharField(max_length=300, error_messages={
        "blank": "请填写表决事项。", "required": "请填写表决事项。", "max_length": "表决事项不超过300字。"})
    votes_for = _count_field()
    votes_against = _count_field(default=0)
    votes_abstain = _count_field(default=0)
    passed = serializers.BooleanField(read_only=True, help_text="赞成票超过应到会有表决权人数的半数")

    class Meta:
        model = ResolutionItem
        fields = ["position", "text", "votes_for", "votes_against", "votes_abstain", "base", "passed", "without_quorum"]
        read_only_fields = ["position", "base", "without_quorum"]


class KindsField(serializers.ListField):
    """Written as a list of kind codes; read from the meeting's MeetingKind rows."""

    child = serializers.ChoiceField(choices=Kind.choices)

    def to_representation(self, kinds):
        return sorted((k.kind for k in kinds.all()), key=Kind.values.index)


class MeetingSerializer(serializers.ModelSerializer):
    branch = ScopedSlugRelatedField(scope=visible_orgs, slug_field="code")
    party_group = ScopedPrimaryKeyRelatedField(scope=visible_party_groups, allow_null=True, required=False)
    kinds = KindsField(allow_empty=False)
    host = ScopedPrimaryKeyRelatedField(scope=visible_members, allow_null=True, required=False)
    recorder = ScopedPrimaryKeyRelatedField(scope=visible_members, allow_null=True, required=False)
    attendance = AttendanceSerializer(many=True, required=False,
                                      help_text="省略时（新建）全部应到人员记为出席；只需列出例外")
    status = serializers.ChoiceField(choices=Meeting.Status.choices, default=Meeting.Status.HELD)
    counts = serializers.SerializerMethodField(help_text="应到/实到/正式/预备/请假/缺席（由考勤推算）")
    quorum = serializers.SerializerMethodField(help_text="党员大会、支委会的到会人数是否过半")
    resolution_items = ResolutionItemSerializer(
        many=True, required=False,
        help_text="表决事项（仅支部党员大会、支委会）：省略时（修改）保留原有表决；赞成票超过应到会有表决权人数的半数为通过")
    confirm_without_quorum = serializers.BooleanField(
        write_only=True, required=False, default=False,
        help_text="到会有表决权的人数未过半时仍保存表决，须为 true；表决将标注“未达法定人数”")

    class Meta:
        model = Meeting
        fields = ["id", "branch", "party_group", "kinds", "status", "held_at", "ended_at", "place", "topic", "host",
                  "recorder", "lecturer", "minutes", "resolutions", "guests", "attendance", "recorded_at", "late_entry",
                  "counts", "quorum", "resolution_items", "confirm_without_quorum"]
        read_only_fields = ["recorded_at", "late_entry"]

    def to_representation(self, meeting):
        data = super().to_representation(meeting)
        user = self.context["request"].user
        if not reads_whole_record(user, meeting):  # a plain member: himself only (design: members see only themselves)
            own = getattr(getattr(user, "member", None), "pk", None)
            data["attendance"] = [row for row in data["attendance"] if row["member"] == own]
            if not member_may_read_minutes(meeting.kind_values):
                data["minutes"] = data["resolutions"] = ""
                data["resolution_items"] = []
        return data

    def validate_attendance(self, rows):
        """Member ids resolve only among the members the caller may see (one query): an id from another
        branch reads as unknown, and the answer names no one (issue 11, point 3)."""
        if any("member_id" not in row for row in rows):  # a PATCH does not make nested fields required
            raise serializers.ValidationError("每条考勤都须填写党员编号（member）。")
        ids = {row["member_id"] for row in rows}
        known = set(visible_members(self.context["request"].user).filter(pk__in=ids).values_list("pk", flat=True))
        unknown = sorted(ids - known)
        if unknown:
            raise serializers.ValidationError(f"党员编号不存在：{'、'.join(map(str, unknown))}。")
        return rows

    def get_counts(self, meeting) -> dict:
        s = summarize(meeting.attendance.all())
        return {"expected": s.expected, "present": s.present, "present_full": s.present_full,
                "present_probationary": s.present_probationary, "leave": len(s.leave), "absent": len(s.absent)}

    def get_quorum(self, meeting) -> list[dict]:
        return [{"kind": q.kind, "expected": q.expected, "present": q.present, "met": q.met,
                 "explanation": q.explanation} for q in meeting_quorums(meeting)]


class MeetingFilter(filters.FilterSet):
    branch = filters.CharFilter(field_name="branch__code", label="党支部代码")
    kind = filters.ChoiceFilter(field_name="kinds__kind", choices=Kind.choices, label="会议类型")
    held_after = filters.DateFilter(field_name="held_at", lookup_expr="date__gte", label="召开日期不早于")
    held_before = filters.DateFilter(field_name="held_at", lookup_expr="date__lte", label="召开日期不晚于")

    class Meta:
        model = Meeting
        fields = ["branch", "status", "kind", "party_group", "late_entry"]


def _marks(rows) -> dict[int, services.Mark] | None:
    if rows is None:
        return None
    return {row["member_id"]: services.Mark(row["status"], row.get("reason", ""), row.get("late", False),
                                            row.get("left_early", False)) for row in rows}


class MeetingViewSet(DeclaredPermissionMixin, viewsets.ModelViewSet):
    """会议记录 with nested attendance. Held meetings count toward the period they were held in."""

    required_perm = SIGNED_IN  # members read their own branch's meetings
    write_perm = Perm.RECORD
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return (visible_meetings(self.request.user).select_related("branch", "party_group")
                .prefetch_related("kinds", "attendance__member", "resolution_items").order_by("-held_at", "-id").distinct())

    def _save(self, serializer, meeting=None):
        data = dict(serializer.validated_data)
        branch = data.pop("branch", meeting.branch if meeting else None)
        self.require_write(branch)
        kinds = data.pop("kinds", meeting.kind_values if meeting else [])
        attendance = _marks(data.pop("attendance", None))
        items = data.pop("resolution_items", None)
        votes = None if items is None else [services.Vote(i["text"], i["votes_for"], i.get("votes_against", 0),
                                                          i.get("votes_abstain", 0)) for i in items]
        confirm = data.pop("confirm_without_quorum", False)
        wanted = data.pop("status", Meeting.Status.HELD)
        now = timezone.now()
        if meeting is None and wanted == Meeting.Status.PLANNED:
            fields = {k: data[k] for k in ("party_group", "place") if k in data}
            return services.plan_meeting(actor=self.request.user, branch=branch, kinds=kinds, held_at=data["held_at"],
                                         topic=data["topic"], now=now, source="api", **fields)
        if meeting is not None:  # PATCH: start from what is recorded
            for name in services.MEETING_FIELDS:
                data.setdefault(name, getattr(meeting, name))
        return services.record_meeting(actor=self.request.user, branch=branch, kinds=kinds, now=now,
                                       attendance=attendance, votes=votes, confirm_without_quorum=confirm,
                                       meeting=meeting, source="api", **data)

    def perform_create(self, serializer):
        serializer.instance = self._save(serializer)

    @transaction.atomic
    def perform_update(self, serializer):
        serializer.instance = self._save(serializer, meeting=serializer.instance)

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        return self._fresh(response)

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        return self._fresh(response)

    def _fresh(self, response):
        """Re-read the saved meeting so kinds and attendance in the answer are what was stored."""
        meeting = self.get_queryset().get(pk=response.data["id"])
        response.data = self.get_serializer(meeting).data
        return response


class LeaveRequestSerializer(serializers.ModelSerializer):
    meeting = ScopedPrimaryKeyRelatedField(scope=visible_meetings)
    member = serializers.PrimaryKeyRelatedField(read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = LeaveRequest
        fields = ["id", "member", "member_name", "meeting", "reason", "status", "requested_at", "decided_at",
                  "decision_note"]
        read_only_fields = ["status", "requested_at", "decided_at", "decision_note"]


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="审批意见")


class LeaveRequestViewSet(DeclaredPermissionMixin, viewsets.ModelViewSet):
    """请假: a member asks for an upcoming meeting; the branch (or the 党小组长) approves or rejects.
    Who may ask (only for oneself) and who may decide are the services' rules."""

    required_perm = SIGNED_IN
    write_perm = SIGNED_IN
    serializer_class = LeaveRequestSerializer
    filterset_fields = ["status", "meeting"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return visible_leave_requests(self.request.user).select_related("member", "meeting").order_by("-requested_at")

    def perform_create(self, serializer):
        member = getattr(self.request.user, "member", None)
        if member is None:
            raise exceptions.ValidationError({"member": ["您的账号未关联党员信息，不能请假。"]})
        serializer.instance = services.request_leave(actor=self.request.user, member=member, now=timezone.now(),
                                                     source="api", **serializer.validated_data)

    def _decide(self, request, approve: bool):
        leave = self.get_object()
        decision = DecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        leave = services.decide_leave(actor=request.user, leave=leave, approve=approve, now=timezone.now(),
                                      note=decision.validated_data.get("note", ""), source="api")
        return Response(self.get_serializer(leave).data)

    @extend_schema(request=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, approve=True)

    @extend_schema(request=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, approve=False)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        leave = services.cancel_leave(actor=request.user, leave=self.get_object(), now=timezone.now(), source="api")
        return Response(self.get_serializer(leave).data)


class JudgedBySerializer(serializers.Serializer):
    on = serializers.DateField(help_text="据以判断的日期（该期首日）")
    party_groups = serializers.IntegerField(help_text="当日存在的党小组数")
    full_members = serializers.IntegerField(help_text="当日正式党员人数（按组织关系记录）")
    members = serializers.IntegerField(help_text="当日党员人数")


class RuleStateSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    party_group = serializers.IntegerField(source="party_group_id", allow_null=True)
    party_group_name = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    required = serializers.IntegerField()
    held = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    explanation = serializers.CharField()
    article = serializers.CharField()
    held_on_time = serializers.SerializerMethodField(
        help_text="其中在该期补记期截止前录入的次数（仅当已达要求且有补记时给出，否则为 null）")
    judged_by = serializers.SerializerMethodField(
        help_text="有适用条件的规则（是否划分党小组、是否设支部委员会）据以判断的事实：该期首日的党小组数与正式党员数；"
                  "无条件的规则为 null")

    def get_held_on_time(self, state) -> int | None:
        return state.on_time

    @extend_schema_field(JudgedBySerializer(allow_null=True))
    def get_judged_by(self, state):
        facts = state.facts
        if facts is None or state.rule.condition == QuotaRule.Condition.ALWAYS:
            return None
        return {"on": state.period_start.isoformat(), "party_groups": facts.group_count,
                "full_members": facts.full_member_count, "members": facts.member_count}


class BranchComplianceSerializer(serializers.Serializer):
    branch = serializers.CharField()
    branch_name = serializers.CharField()
    rules = RuleStateSerializer(many=True)


class CompliancePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class ComplianceView(DeclaredPermissionMixin, APIView):
    """Every branch in the subtree with each rule-period of the year, evaluated as it stood on `at`."""

    required_perm = Perm.VIEW

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="年度，默认为 at 所在年度"),
                    OpenApiParameter("at", date, description="按该日结束时的情况评估，默认为现在")],
        responses=BranchComplianceSerializer(many=True),
    )
    def get(self, request, code):
        org = org_or_404(request.user, code, self.required_perm)
        now = self._at(request.query_params.get("at"))
        year = self._year(request.query_params.get("year"), default=timezone.localdate(now).year)
        branches = branches_under(org).order_by("path")
        paginator = CompliancePagination()
        page = paginator.paginate_queryset(branches, request, view=self)
        evaluated = compliance_for_branches(page, year=year, now=now)
        rows = [{"branch": b.code, "branch_name": b.name, "rules": evaluated.get(b.pk, [])} for b in page]
        return paginator.get_paginated_response(BranchComplianceSerializer(rows, many=True).data)

    @staticmethod
    def _at(raw):
        if not raw:
            return timezone.now()
        try:
            return end_of_day(parse_day(raw, today=timezone.localdate()))
        except OutOfRange as exc:
            raise exceptions.ValidationError({"at": [str(exc)]}) from None

    @staticmethod
    def _year(raw, *, default: int) -> int:
        try:
            return parse_year(raw, today=timezone.localdate(), default=default)
        except OutOfRange as exc:
            raise exceptions.ValidationError({"year": [str(exc)]}) from None

