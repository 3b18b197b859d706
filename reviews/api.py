"""/api/v1/ for the campaigns: life-meetings, rectifications, member-reviews (with ballots and tally), talks
and warning-educations. Querysets are the caller's scope (outside: 404); inside it, changes need the
branch's RECORD permission (403) unless the action is one a member takes for himself (his material,
his self-assessment, his ballot, his own talks), which the services check. Services' errors become
400/409 with Chinese messages (core.api)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from branches.access import SIGNED_IN, DeclaredPermissionMixin
from branches.permissions import Perm, has_perm
from branches.selectors import visible_orgs
from core.fields import ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField
from meetings.api import AttendanceSerializer, _marks
from meetings.models import Kind
from meetings.selectors import visible_meetings
from members.models import Member
from reviews import services
from reviews.models import (
    Grade,
    LifeMeeting,
    Material,
    MemberReview,
    Opinion,
    Participant,
    RectificationItem,
    Talk,
    WarningEducation,
)
from reviews.selectors import (
    ballot_sheet,
    can_view_details,
    life_meeting_checklist,
    talk_coverage,
    tally,
    visible_life_meetings,
    visible_member_reviews,
    visible_rectifications,
    visible_talks,
    visible_warning_educations,
    voted_count,
)


def _branch_members(branch, ids, field: str) -> dict[int, Member]:
    """Members of `branch` by id; an id outside it is "does not exist" (no probing of other branches)."""
    ids = {i for i in ids if i is not None}
    found = {m.pk: m for m in Member.objects.filter(pk__in=ids, branch=branch)}
    missing = ids - set(found)
    if missing:
        raise exceptions.ValidationError({field: [f"本支部没有编号为{'、'.join(map(str, sorted(missing)))}的党员。"]})
    return found


# --- 组织生活会 ---------------------------------------------------------------------------------------


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
        member = _branch_members(lm.branch, [member_id], "member")[member_id]
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
        members = _branch_members(lm.branch, ids, "criticisms")
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
        return _branch_members(lm.branch, [owner_id], "owner")[owner_id] if owner_id else None

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


# --- 民主评议党员 -------------------------------------------------------------------------------------


class ParticipantSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    self_assessed = serializers.SerializerMethodField()

    class Meta:
        model = Participant
        fields = ["member", "member_name", "category", "excused_reason", "self_assessed", "self_assessment", "grade",
                  "grade_note", "disposition", "follow_up", "correction_deadline", "correction_outcome",
                  "correction_note", "commended"]

    def get_self_assessed(self, p) -> bool:
        return bool(p.self_assessment)


class MemberReviewSerializer(serializers.ModelSerializer):
    branch = ScopedSlugRelatedField(scope=visible_orgs, slug_field="code")
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    ballot_status_label = serializers.CharField(source="get_ballot_status_display", read_only=True)
    participants = ParticipantSerializer(many=True, read_only=True)
    blockers = serializers.SerializerMethodField(help_text="当前环节尚未完成的事项（为空时可进入下一环节）")
    voted = serializers.SerializerMethodField(help_text="已参加网上投票的人数")

    class Meta:
        model = MemberReview
        fields = ["id", "branch", "year", "stages", "stage", "stage_label", "blockers", "excellent_share",
                  "study_summary", "mutual_summary", "meeting", "ballot_status", "ballot_status_label",
                  "ballot_opened_at", "ballot_closed_at", "voted", "voters_count", "participants",
                  "application_summary", "reported_on", "completed_at"]
        read_only_fields = ["stages", "stage", "excellent_share", "ballot_status", "ballot_opened_at", "ballot_closed_at",
                            "voters_count", "completed_at"]
        extra_kwargs = {"meeting": {"required": False}}

    def get_blockers(self, review) -> list[str]:
        return services.stage_blockers(review) if not review.is_completed else []

    def get_voted(self, review) -> int:
        return voted_count(review)

    def to_representation(self, review):
        data = super().to_representation(review)
        user = self.context["request"].user
        if not can_view_details(user, review.branch):  # a member: the steps and his own entry only
            own = getattr(user, "member", None)
            data["participants"] = [p for p in data["participants"] if own is not None and p["member"] == own.pk]
            data.pop("blockers", None)
        return data


class GradeInSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    grade = serializers.ChoiceField(choices=[("", "不评定"), *Grade.choices], allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    disposition = serializers.ChoiceField(choices=Participant.Disposition.choices, required=False, allow_blank=True,
                                          default="")
    follow_up = serializers.CharField(required=False, allow_blank=True, default="")
    correction_deadline = serializers.DateField(required=False, allow_null=True)
    commended = serializers.BooleanField(required=False, default=False)


class GradesSerializer(serializers.Serializer):
    grades = GradeInSerializer(many=True, allow_empty=False)


class CastSerializer(serializers.Serializer):
    class Vote(serializers.Serializer):
        member = serializers.IntegerField()
        grade = serializers.ChoiceField(choices=Grade.choices)

    grades = Vote(many=True, allow_empty=False)


class PaperSerializer(serializers.Serializer):
    class Count(serializers.Serializer):
        member = serializers.IntegerField()
        grade = serializers.ChoiceField(choices=Grade.choices)
        count = serializers.IntegerField(min_value=0, max_value=10000)

    counts = Count(many=True, allow_empty=False)


class SelfAssessmentSerializer(serializers.Serializer):
    member = serializers.IntegerField(required=False, help_text="默认为本人")
    text = serializers.CharField(allow_blank=True)


class ExcuseSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True, max_length=200)


class OutcomeSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=[c for c in Participant.Outcome.choices if c[0]])
    note = serializers.CharField(allow_blank=True, max_length=300)


class MemberReviewViewSet(DeclaredPermissionMixin, viewsets.ModelViewSet):
    """民主评议党员, staged: advance/reopen; the 民主测评 (open-ballot, ballots to cast from a phone,
    close-ballot, tally once closed, paper-counts); 组织评定 (grades, with the 1/3 warning); 限期改正 outcomes."""

    required_perm = SIGNED_IN  # members: their review's steps, their self-assessment and their ballot
    write_perm = Perm.RECORD
    serializer_class = MemberReviewSerializer
    filterset_fields = ["year", "stage", "ballot_status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = (visible_member_reviews(self.request.user).select_related("branch", "meeting")
              .prefetch_related("participants__member").order_by("-year", "id"))
        code = self.request.query_params.get("branch")
        return qs.filter(branch__code=code) if code else qs

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        self.require_write(data["branch"])
        serializer.instance = services.create_member_review(actor=self.request.user, branch=data["branch"],
                                                            year=data["year"], now=timezone.now(), source="api")

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k not in ("branch", "year")}
        serializer.instance = services.update_member_review(actor=self.request.user, review=serializer.instance,
                                                            now=timezone.now(), source="api", **data)

    def _fresh(self, review, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=review.pk)).data, status=code)

    def _participant_members(self, review, ids, field):
        members = {p.member_id: p.member for p in review.participants.select_related("member")}
        missing = {i for i in ids if i not in members}
        if missing:
            raise exceptions.ValidationError({field: [f"编号为{'、'.join(map(str, sorted(missing)))}的人员不是本次评议的参评党员。"]})
        return members

    @extend_schema(request=None, responses=MemberReviewSerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        return self._fresh(services.advance_review(actor=request.user, review=self.get_object(), now=timezone.now(),
                                                   source="api"))

    @extend_schema(request=None, responses=MemberReviewSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._fresh(services.reopen_review(actor=request.user, review=self.get_object(), now=timezone.now(),
                                                  source="api"))

    @extend_schema(request=None, responses=MemberReviewSerializer)
    @action(detail=True, methods=["post"], url_path="open-ballot")
    def open_ballot(self, request, pk=None):
        return self._fresh(services.open_ballot(actor=request.user, review=self.get_object(), now=timezone.now(),
                                                source="api"))

    @extend_schema(request=None, responses=MemberReviewSerializer)
    @action(detail=True, methods=["post"], url_path="close-ballot")
    def close_ballot(self, request, pk=None):
        return self._fresh(services.close_ballot(actor=request.user, review=self.get_object(), now=timezone.now(),
                                                 source="api"))

    @extend_schema(request=CastSerializer, responses=dict)
    @action(detail=True, methods=["get", "post"], write_perm=SIGNED_IN)
    def ballots(self, request, pk=None):
        """GET: the caller's ballot (whom he may grade, whom he already has; never how). POST: cast
        {grades: [{member, grade}]} — each colleague once; 409 on a repeat or a closed ballot."""
        review = self.get_object()
        member = getattr(request.user, "member", None)
        if request.method == "POST":
            body = CastSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            grades = {}
            for vote in body.validated_data["grades"]:
                if vote["member"] in grades:
                    raise exceptions.ValidationError({"grades": ["同一名党员只能选择一个等次。"]})
                grades[vote["member"]] = vote["grade"]
            cast = services.cast_ballot(actor=request.user, review=review, grades=grades)
            return Response({"cast": cast, "detail": f"已投票{cast}人。投票不记名，提交后不能修改。"},
                            status=status.HTTP_201_CREATED)
        sheet = ballot_sheet(review, member)
        return Response({"ballot_status": review.ballot_status, "can_vote": sheet.can_vote,
                         "grades": [{"value": v, "label": label} for v, label in Grade.choices],
                         "subjects": [{"member": p.member_id, "name": p.member.name, "done": p.member_id in sheet.done}
                                      for p in sheet.subjects] if sheet.can_vote else []})

    @extend_schema(responses=dict)
    @action(detail=True, methods=["get"], required_perm=Perm.VIEW)
    def tally(self, request, pk=None):
        """民主测评 results per member (online + paper), only after the ballot has closed (409 before)."""
        review = self.get_object()
        rows = tally(review)
        return Response({"ballot_closed_at": review.ballot_closed_at, "voters": review.voters_count,
                         "rows": [{"member": r.member_id, "name": r.name, **r.by_grade, "total": r.total,
                                   "online": r.online, "paper": r.paper} for r in rows.values()]})

    @extend_schema(request=PaperSerializer, responses=dict)
    @action(detail=True, methods=["post"], url_path="paper-counts")
    def paper_counts(self, request, pk=None):
        review = self.get_object()
        body = PaperSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        counts = body.validated_data["counts"]
        members = self._participant_members(review, [c["member"] for c in counts], "counts")
        n = services.enter_paper_counts(actor=request.user, review=review, source="api", counts=[
            services.PaperEntry(members[c["member"]], c["grade"], c["count"]) for c in counts])
        return Response({"entered": n}, status=status.HTTP_201_CREATED)

    @extend_schema(request=GradesSerializer, responses=dict)
    @action(detail=True, methods=["post"])
    def grades(self, request, pk=None):
        """组织评定: returns the 1/3 check (`warnings`: saved anyway, to be reviewed)."""
        review = self.get_object()
        body = GradesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rows = body.validated_data["grades"]
        members = self._participant_members(review, [g["member"] for g in rows], "grades")
        check = services.record_grades(actor=request.user, review=review, now=timezone.now(), source="api", grades=[
            services.GradeEntry(members[g["member"]], g["grade"], g["note"], g["disposition"], g["follow_up"],
                                g.get("correction_deadline"), g["commended"]) for g in rows])
        return Response({"excellent": check.excellent, "total": check.total, "share": check.share,
                         "warnings": list(check.warnings)})

    @extend_schema(request=SelfAssessmentSerializer, responses=dict)
    @action(detail=True, methods=["post"], url_path="self-assessment", write_perm=SIGNED_IN)
    def self_assessment(self, request, pk=None):
        review = self.get_object()
        body = SelfAssessmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        own = getattr(request.user, "member", None)
        member_id = body.validated_data.get("member") or (own.pk if own else None)
        if member_id is None:
            raise exceptions.ValidationError({"member": ["请指定党员。"]})
        member = self._participant_members(review, [member_id], "member")[member_id]
        services.submit_self_assessment(actor=request.user, review=review, member=member, now=timezone.now(),
                                        text=body.validated_data["text"], source="api")
        return Response({"detail": "个人自评已提交。"}, status=status.HTTP_201_CREATED)

    @extend_schema(request=ExcuseSerializer, responses=MemberReviewSerializer)
    @action(detail=True, methods=["post"])
    def excuse(self, request, pk=None):
        review = self.get_object()
        body = ExcuseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = self._participant_members(review, [body.validated_data["member"]], "member")[body.validated_data["member"]]
        services.excuse_participant(actor=request.user, review=review, member=member,
                                    reason=body.validated_data["reason"], source="api")
        return self._fresh(review)

    @extend_schema(request=OutcomeSerializer, responses=MemberReviewSerializer)
    @action(detail=True, methods=["post"], url_path="correction-outcome")
    def correction_outcome(self, request, pk=None):
        review = self.get_object()
        body = OutcomeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        member = self._participant_members(review, [data["member"]], "member")[data["member"]]
        services.record_correction_outcome(actor=request.user, review=review, member=member, outcome=data["outcome"],
                                           note=data["note"], now=timezone.now(), source="api")
        return self._fresh(review)


# --- 谈心谈话 -------------------------------------------------------------------------------------------


class TalkSerializer(serializers.ModelSerializer):
    branch = ScopedSlugRelatedField(scope=visible_orgs, slug_field="code")
    talker = serializers.IntegerField(source="talker_id")
    talker_name = serializers.CharField(source="talker.name", read_only=True)
    counterpart = serializers.IntegerField(source="counterpart_id", required=False)
    counterpart_name = serializers.CharField(source="counterpart.name", read_only=True)

    class Meta:
        model = Talk
        fields = ["id", "branch", "talker", "talker_name", "counterpart", "counterpart_name", "held_on", "place",
                  "content", "suggestions", "recorded_at"]
        read_only_fields = ["recorded_at"]
        extra_kwargs = {"content": {"required": False}}


class TalkBatchSerializer(serializers.Serializer):
    """Several talks of one talker at once: {branch, talker, held_on, place, entries: [{counterpart, content,
    suggestions, held_on?, place?}]} — or one talk as the plain resource."""

    class Entry(serializers.Serializer):
        counterpart = serializers.IntegerField()
        content = serializers.CharField(allow_blank=True)
        suggestions = serializers.CharField(required=False, allow_blank=True, default="")
        held_on = serializers.DateField(required=False)
        place = serializers.CharField(required=False, allow_blank=True, max_length=100)

    branch = serializers.CharField(help_text="党支部代码")
    talker = serializers.IntegerField()
    held_on = serializers.DateField()

    def validate_branch(self, code):
        branch = visible_orgs(self.context["request"].user).filter(code=code).first()
        if branch is None:
            raise serializers.ValidationError(f"党支部“{code}”不存在。")
        return branch
    place = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    entries = Entry(many=True, allow_empty=False)


class TalkViewSet(DeclaredPermissionMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """谈心谈话: who, with whom, when, where, main content, suggestions. POST one talk, or several of one
    talker with `entries`. `coverage` gives the year's 支委 pairs and members not yet covered."""

    required_perm = SIGNED_IN  # viewers: the branch's talks; a member: the talks he took part in
    write_perm = SIGNED_IN  # the branch records anyone's, a member his own (services.can_record_talks)
    serializer_class = TalkSerializer
    filterset_fields = ["held_on"]

    def get_queryset(self):
        qs = visible_talks(self.request.user).select_related("branch", "talker", "counterpart").order_by("-held_on", "-id")
        params = self.request.query_params
        if params.get("branch"):
            qs = qs.filter(branch__code=params["branch"])
        if params.get("year", "").isdigit():
            qs = qs.filter(held_on__year=int(params["year"]))
        return qs

    @extend_schema(request=TalkBatchSerializer, responses=TalkSerializer(many=True))
    def create(self, request, *args, **kwargs):
        batch = "entries" in request.data if hasattr(request.data, "__contains__") else False
        if batch:
            body = TalkBatchSerializer(data=request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            data = body.validated_data
            entries = data["entries"]
        else:
            body = TalkSerializer(data=request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            data = dict(body.validated_data)
            if not data.get("counterpart_id"):
                raise exceptions.ValidationError({"counterpart": ["请填写谈话对象。"]})
            data["talker"] = data.pop("talker_id")
            entries = [{"counterpart": data.pop("counterpart_id"), "content": data.pop("content", ""),
                        "suggestions": data.pop("suggestions", "")}]
        branch = data["branch"]
        members = _branch_members_or_history(branch, [data["talker"], *(e["counterpart"] for e in entries)])
        talks = services.record_talks(
            actor=request.user, branch=branch, talker=members[data["talker"]], held_on=data["held_on"],
            place=data.get("place", ""), now=timezone.now(), source="api",
            entries=[services.TalkEntry(members[e["counterpart"]], e["content"], e.get("suggestions", ""),
                                        e.get("held_on"), e.get("place")) for e in entries])
        return Response(TalkSerializer(talks, many=True, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.delete_talk(actor=self.request.user, talk=instance, now=timezone.now(), source="api")

    @extend_schema(responses=dict)
    @action(detail=False, methods=["get"])
    def coverage(self, request):
        """?branch=CODE&year=YYYY: the year's coverage (支部条例 第十九条, default reading)."""
        code, year = request.query_params.get("branch", ""), request.query_params.get("year", "")
        branch = visible_orgs(request.user).filter(code=code, kind="branch").first()
        if branch is None:
            raise exceptions.NotFound("找不到该党支部。")
        if not has_perm(request.user, Perm.VIEW, branch):
            raise exceptions.PermissionDenied("您没有查看该支部谈心谈话情况的权限。")
        today = timezone.localdate()
        if year and (not year.isdigit() or not 2000 <= int(year) <= 2100):
            raise exceptions.ValidationError({"year": [f"年度“{year}”无效。"]})
        cov = talk_coverage(branch, year=int(year) if year else today.year, at=today)
        return Response({"branch": branch.code, "year": cov.year, "required": cov.required, "complete": cov.complete,
                         "summary": cov.summary, "committee": [{"member": i, "name": n} for i, n in cov.committee],
                         "missing_pairs": [list(p) for p in cov.missing_pairs],
                         "uncovered": [{"member": i, "name": n} for i, n in cov.uncovered],
                         "members": len(cov.members), "talks": cov.talks})


def _branch_members_or_history(branch, ids) -> dict[int, Member]:
    """Members by id among those the branch has (had): the service checks membership on the talk's date."""
    ids = set(ids)
    found = {m.pk: m for m in Member.objects.filter(pk__in=ids).filter(memberships__branch=branch).distinct()}
    missing = ids - set(found)
    if missing:
        raise exceptions.ValidationError({"entries": [f"本支部没有编号为{'、'.join(map(str, sorted(missing)))}的党员。"]})
    return found


# --- 警示教育 ----------------------------------------------------------------------------------------------


class WarningEducationSerializer(serializers.ModelSerializer):
    branch = ScopedSlugRelatedField(scope=visible_orgs, slug_field="code", source="meeting.branch")
    held_at = serializers.DateTimeField(source="meeting.held_at")
    topic = serializers.CharField(source="meeting.topic", max_length=200)
    place = serializers.CharField(source="meeting.place", required=False, allow_blank=True, default="", max_length=100)
    also_kinds = serializers.ListField(child=serializers.ChoiceField(choices=Kind.choices), required=False, default=list,
                                       write_only=True)
    attendance = AttendanceSerializer(many=True, required=False, write_only=True, help_text="只需列出例外")
    form_label = serializers.CharField(read_only=True)
    present = serializers.SerializerMethodField()
    expected = serializers.SerializerMethodField()

    class Meta:
        model = WarningEducation
        fields = ["id", "meeting", "branch", "held_at", "topic", "place", "form", "form_other", "form_label", "material",
                  "reflections", "also_kinds", "attendance", "present", "expected"]
        read_only_fields = ["meeting"]

    def get_present(self, w) -> int:
        return sum(1 for a in w.meeting.attendance.all() if a.status == "present")

    def get_expected(self, w) -> int:
        return len(w.meeting.attendance.all())


class WarningEducationViewSet(DeclaredPermissionMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """警示教育: recorded as a meeting of kind warning_education with its attendance, counted against the
    yearly rule (≥ 1, target 2: see the compliance endpoint)."""

    required_perm = SIGNED_IN
    write_perm = Perm.RECORD
    serializer_class = WarningEducationSerializer

    def org_of(self, obj):
        return obj.meeting.branch

    def get_queryset(self):
        qs = (visible_warning_educations(self.request.user).select_related("meeting__branch")
              .prefetch_related("meeting__attendance").order_by("-meeting__held_at", "-id"))
        code = self.request.query_params.get("branch")
        return qs.filter(meeting__branch__code=code) if code else qs

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        meeting = data.pop("meeting")
        branch = meeting["branch"]
        self.require_write(branch)
        serializer.instance = services.record_warning_education(
            actor=self.request.user, branch=branch, held_at=meeting["held_at"], topic=meeting["topic"],
            place=meeting.get("place", ""), now=timezone.now(), attendance=_marks(data.pop("attendance", None)),
            source="api", **data)

