"""/api/v1/member-reviews/: 民主评议党员, its steps, the 民主测评 ballot (cast, tally) and 组织评定."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from branches.access import SIGNED_IN, DeclaredPermissionMixin
from branches.permissions import Perm
from branches.selectors import visible_orgs
from core.fields import ScopedSlugRelatedField
from reviews import services
from reviews.models import Grade, MemberReview, Participant
from reviews.selectors import ballot_sheet, can_view_details, tally, visible_member_reviews, voted_count

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
