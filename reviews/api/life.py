"""/api/v1/life-meetings/ and /api/v1/rectifications/: 组织生活会 and its 整改清单."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from branches.access import SIGNED_IN, DeclaredPermissionMixin
from branches.permissions import Perm
from branches.selectors import visible_orgs
from core.fields import ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField
from meetings.api import AttendanceSerializer, _marks
from meetings.models import Kind
from meetings.selectors import visible_meetings
from reviews import services
from reviews.api.common import branch_members
from reviews.models import LifeMeeting, Material, Opinion, RectificationItem
from reviews.selectors import (
    can_view_details,
    life_meeting_checklist,
    visible_life_meetings,
    visible_rectifications,
)

# --- 组织生活会 ---------------------------------------------------------------------------------------


CREATE_FIELDS = {"topic", "upper_topic", "on", "study_summary", "study_on"}  # services.create_life_meeting


class OpinionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Opinion
        fields = ["id", "source", "count", "summary"]


class MaterialSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = Material
        fields = ["id", "member", "member_name", "kind", "text", "filename", "has_file", "waived_reason", "submitted_at"]

    def get_has_file(self, material) -> bool:
        return bool(material.file)


class CriticismOutSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    speaker = serializers.IntegerField(source="speaker_id")
    speaker_name = serializers.CharField(source="speaker.name")
    target = serializers.IntegerField(source="target_id", allow_null=True)
    target_name = serializers.CharField(source="target.name", default=None)
    content = serializers.CharField()


class LifeMeetingSerializer(serializers.ModelSerializer):
    branch = ScopedSlugRelatedField(scope=visible_orgs, slug_field="code")
    on = serializers.DateField(write_only=True, required=False, help_text="所属期间内的任一日期，默认今天")
    period_label = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    opinions = OpinionSerializer(many=True, read_only=True)
    materials = MaterialSerializer(many=True, read_only=True)
    criticisms = CriticismOutSerializer(many=True, read_only=True)

    class Meta:
        model = LifeMeeting
        fields = ["id", "branch", "on", "period", "period_start", "period_end", "period_label", "topic", "upper_topic",
                  "status", "status_label", "study_on", "study_summary", "opinions", "materials", "meeting",
                  "secretary_report", "criticisms", "published_on", "follow_up_on", "follow_up_note", "report_summary",
                  "report_problems", "reported_on", "completed_at"]
        read_only_fields = ["period", "period_start", "period_end", "status", "meeting", "secretary_report",
                            "published_on", "report_summary", "report_problems", "reported_on", "completed_at"]

    DETAIL_ONLY = ("opinions", "criticisms", "secretary_report", "report_summary", "report_problems")

    def to_representation(self, lm):
        data = super().to_representation(lm)
        user = self.context["request"].user
        if not can_view_details(user, lm.branch):  # a member: the campaign, and his own material only
            for name in self.DETAIL_ONLY:
                data.pop(name, None)
            own = getattr(user, "member", None)
            data["materials"] = [m for m in data["materials"] if own is not None and m["member"] == own.pk]
        return data


class MaterialInSerializer(serializers.Serializer):
    member = serializers.IntegerField(required=False, help_text="默认为本人")
    kind = serializers.ChoiceField(choices=Material.Kind.choices, default=Material.Kind.CHECK)
    text = serializers.CharField(required=False, allow_blank=True, default="")
    file = serializers.FileField(required=False)
    waived_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class CriticismInSerializer(serializers.Serializer):
    speaker = serializers.IntegerField()
    target = serializers.IntegerField(required=False, allow_null=True, help_text="空为自我批评")
    content = serializers.CharField(max_length=300)


class HoldSerializer(serializers.Serializer):
    meeting = serializers.IntegerField(required=False, allow_null=True,
                                       help_text="已记录的组织生活会会议编号；不填则新建会议记录")
    held_at = serializers.DateTimeField(required=False)
    ended_at = serializers.DateTimeField(required=False, allow_null=True)
    place = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    host = serializers.IntegerField(required=False, allow_null=True)
    recorder = serializers.IntegerField(required=False, allow_null=True)
    minutes = serializers.CharField(required=False, allow_blank=True, default="")
    also_kinds = serializers.ListField(child=serializers.ChoiceField(choices=Kind.choices), required=False, default=list)
    attendance = AttendanceSerializer(many=True, required=False, help_text="只需列出例外，其余默认出席")
    secretary_report = serializers.CharField(allow_blank=True)
    criticisms = CriticismInSerializer(many=True)


class DateSerializer(serializers.Serializer):
    published_on = serializers.DateField()


class ReportSerializer(serializers.Serializer):
    report_summary = serializers.CharField(allow_blank=True)
    report_problems = serializers.CharField(allow_blank=True)
    reported_on = serializers.DateField()


class LifeMeetingViewSet(DeclaredPermissionMixin, viewsets.ModelViewSet):
    """组织生活会: 会前准备 (opinions, materials), the meeting (hold), the 整改清单 (rectifications, publish),
    the report to the upper level (report: completes it and it counts toward the life_meeting rule)."""

    required_perm = SIGNED_IN  # members open their branch's campaign to submit their own material
    write_perm = Perm.RECORD
    serializer_class = LifeMeetingSerializer
    filterset_fields = ["status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = (visible_life_meetings(self.request.user).select_related("branch", "meeting")
              .prefetch_related("opinions", "materials__member", "criticisms__speaker", "criticisms__target")
              .order_by("-period_start", "id"))
        code = self.request.query_params.get("branch")
        return qs.filter(branch__code=code) if code else qs

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        branch = data.pop("branch")
        self.require_write(branch)
        # the later steps' fields (follow-up, report…) are set by their own actions, not at creation
        data = {k: v for k, v in data.items() if k in CREATE_FIELDS}
        serializer.instance = services.create_life_meeting(actor=self.request.user, branch=branch, now=timezone.now(),
                                                           source="api", **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("branch", None)
        data.pop("on", None)
        serializer.instance = services.update_life_meeting(actor=self.request.user, life_meeting=serializer.instance,
                                                           now=timezone.now(), source="api", **data)

    def _fresh(self, lm, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=lm.pk)).data, status=code)

    @extend_schema(request=OpinionSerializer, responses=LifeMeetingSerializer)
    @action(detail=True, methods=["post"])
    def opinions(self, request, pk=None):
        lm = self.get_object()
        body = OpinionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.add_opinion(actor=request.user, life_meeting=lm, source_kind=body.validated_data["source"],
                             count=body.validated_data["count"], summary=body.validated_data["summary"], source="api")
        return self._fresh(lm, status.HTTP_201_CREATED)

    @extend_schema(request=MaterialInSerializer, responses=MaterialSerializer)
    @action(detail=True, methods=["post"], write_perm=SIGNED_IN, parser_classes=[MultiPartParser, FormParser, JSONParser])
    def materials(self, request, pk=None):
        """A member submits his own (text or a file); the branch may submit for anyone."""
        lm = self.get_object()
        body = MaterialInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        own = getattr(request.user, "member", None)
        member_id = data.get("member") or (own.pk if own else None)
        if member_id is None:
            raise exceptions.ValidationError({"member": ["请指定党员。"]})
        member = branch_members(lm.branch, [member_id], "member")[member_id]
        material = services.submit_material(actor=request.user, life_meeting=lm, member=member, now=timezone.now(),
                                            kind=data["kind"], text=data["text"], upload=data.get("file"),
                                            waived_reason=data["waived_reason"], source="api")
        return Response(MaterialSerializer(material).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=dict)
    @action(detail=True, methods=["get"])
    def checklist(self, request, pk=None):
        lm = self.get_object()
        if not can_view_details(request.user, lm.branch):
            raise exceptions.PermissionDenied("您没有查看会前准备情况的权限。")
        c = life_meeting_checklist(lm, on=timezone.localdate())
        cov = c.coverage
        return Response({
            "ready": c.ready, "missing": c.missing, "study": c.study, "opinions": c.opinions,
            "upper_topic": c.upper_topic,
            "materials": {"expected": len(c.expected), "submitted": len(c.materials),
                          "missing": [{"member": m.pk, "name": m.name} for m in c.missing_materials]},
            "talks": {"complete": cov.complete, "summary": cov.summary, "members": len(cov.members),
                      "members_covered": cov.members_covered, "pairs": cov.pairs_total,
                      "missing_pairs": [list(p) for p in cov.missing_pairs]},
        })

    @extend_schema(request=HoldSerializer, responses=LifeMeetingSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        lm = self.get_object()
        body = HoldSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        ids = [data.get("host"), data.get("recorder")] + [c["speaker"] for c in data["criticisms"]] + [
            c.get("target") for c in data["criticisms"]]
        members = branch_members(lm.branch, ids, "criticisms")
        criticisms = [services.CriticismEntry(members[c["speaker"]], c["content"],
                                              target=members.get(c.get("target"))) for c in data.pop("criticisms")]
        fields = {k: data[k] for k in ("ended_at", "place", "minutes") if k in data}
        for name in ("host", "recorder"):
            if data.get(name):
                fields[name] = members[data[name]]
        meeting = None
        if data.get("meeting"):
            meeting = visible_meetings(request.user).filter(pk=data["meeting"], branch=lm.branch).first()
            if meeting is None:
                raise exceptions.ValidationError({"meeting": [f"本支部没有编号为{data['meeting']}的会议。"]})
        lm = services.hold_life_meeting(
            actor=request.user, life_meeting=lm, now=timezone.now(), secretary_report=data["secretary_report"],
            criticisms=criticisms, held_at=data.get("held_at"), meeting=meeting,
            also_kinds=data.get("also_kinds"), attendance=_marks(data.get("attendance")), source="api", **fields)
        return self._fresh(lm)

    @extend_schema(request=DateSerializer, responses=LifeMeetingSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        lm = self.get_object()
        body = DateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lm = services.publish_rectifications(actor=request.user, life_meeting=lm, now=timezone.now(), source="api",
                                             published_on=body.validated_data["published_on"])
        return self._fresh(lm)

    @extend_schema(request=ReportSerializer, responses=LifeMeetingSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        lm = self.get_object()
        body = ReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lm = services.submit_report(actor=request.user, life_meeting=lm, now=timezone.now(), source="api",
                                    **body.validated_data)
        return self._fresh(lm)

    @extend_schema(request=None, responses=LifeMeetingSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        lm = services.reopen_life_meeting(actor=request.user, life_meeting=self.get_object(), now=timezone.now(),
                                          source="api")
        return self._fresh(lm)


# --- 整改清单 ---------------------------------------------------------------------------------------


class RectificationSerializer(serializers.ModelSerializer):
    life_meeting = ScopedPrimaryKeyRelatedField(scope=visible_life_meetings)
    branch = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.IntegerField(source="owner_id", required=False, allow_null=True, help_text="空为党支部（班子）")
    owner_name = serializers.CharField(source="owner.name", read_only=True, default="党支部")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = RectificationItem
        fields = ["id", "life_meeting", "branch", "position", "problem", "measure", "owner", "owner_name", "deadline",
                  "status", "status_label", "completion_note", "completed_on", "published_on", "overdue"]
        read_only_fields = ["position", "published_on"]

    def get_overdue(self, item) -> bool:
        return item.overdue_on(timezone.localdate())


class RectificationViewSet(DeclaredPermissionMixin, viewsets.ModelViewSet):
    """整改清单 items: problem, measure, owner, deadline, status (not_started/in_progress/done/closed),
    completion note, publication date. Filter by life_meeting, branch (code), status, overdue."""

    required_perm = SIGNED_IN  # members read their branch's published list and the items they own
    write_perm = Perm.RECORD
    serializer_class = RectificationSerializer
    filterset_fields = ["life_meeting", "status"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        qs = (visible_rectifications(self.request.user).select_related("branch", "owner", "life_meeting")
              .order_by("life_meeting_id", "position", "id"))
        params = self.request.query_params
        if params.get("branch"):
            qs = qs.filter(branch__code=params["branch"])
        if params.get("overdue") in ("true", "1"):
            qs = qs.filter(status__in=RectificationItem.OPEN_STATUSES, deadline__lt=timezone.localdate())
        return qs

    def _owner(self, lm, data):
        owner_id = data.pop("owner_id", None)
        return branch_members(lm.branch, [owner_id], "owner")[owner_id] if owner_id else None

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        lm = data.pop("life_meeting")
        self.require_write(lm.branch)
        owner = self._owner(lm, data)
        serializer.instance = services.add_rectification(actor=self.request.user, life_meeting=lm, owner=owner,
                                                         now=timezone.now(), source="api", **data)

    def perform_update(self, serializer):
        item = serializer.instance
        data = dict(serializer.validated_data)
        data.pop("life_meeting", None)
        if "owner_id" in data:
            data["owner"] = self._owner(item.life_meeting, data)
        serializer.instance = services.update_rectification(actor=self.request.user, item=item, now=timezone.now(),
                                                            source="api", **data)

    def perform_destroy(self, instance):
        services.delete_rectification(actor=self.request.user, item=instance, source="api")
