"""/api/v1/talks/ (谈心谈话 and coverage) and /api/v1/warning-educations/ (警示教育)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from branches.access import SIGNED_IN, DeclaredPermissionMixin
from branches.permissions import Perm, has_perm
from branches.selectors import visible_orgs
from core.fields import ScopedSlugRelatedField
from meetings.api import AttendanceSerializer, _marks
from meetings.models import Kind
from members.models import Member
from reviews import services
from reviews.models import Talk, WarningEducation
from reviews.selectors import talk_coverage, visible_talks, visible_warning_educations

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
