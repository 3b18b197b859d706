"""Forms of the campaign pages. They parse what people type; the services hold the rules."""

from django import forms

from core.forms import DateField
from meetings.forms import DateTimeField
from meetings.models import Kind
from members.models import Member
from reviews.models import Grade, Material, Opinion, Participant, RectificationItem, WarningEducation
from reviews.services.life import ALSO_KINDS as LIFE_ALSO_KINDS
from reviews.services.warning import ALSO_KINDS as WARNING_ALSO_KINDS


def _members(branch):
    return branch.members.filter(status=Member.Status.NORMAL).order_by("name", "id")


class LifeMeetingForm(forms.Form):
    topic = forms.CharField(label="会议主题", max_length=200)
    upper_topic = forms.CharField(label="上级党组织确定的主题", max_length=300, required=False,
                                  help_text="上级统一确定主题时填写")


class StudyForm(forms.Form):
    study_on = DateField(label="学习研讨日期", required=False)
    study_summary = forms.CharField(label="学习研讨情况", widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text="会前学习的内容、形式和参加人员")


class OpinionForm(forms.Form):
    source = forms.ChoiceField(label="意见来源", choices=Opinion.Source.choices)
    count = forms.IntegerField(label="意见条数", min_value=0, max_value=100000)
    summary = forms.CharField(label="主要意见", widget=forms.Textarea(attrs={"rows": 2}))


class MaterialForm(forms.Form):
    member = forms.ModelChoiceField(label="党员", queryset=None, required=False, empty_label="（本人）")
    kind = forms.ChoiceField(label="材料类型", choices=Material.Kind.choices)
    text = forms.CharField(label="材料内容", widget=forms.Textarea(attrs={"rows": 5}), required=False)
    file = forms.FileField(label="或上传文件", required=False,
                           help_text="PDF、Word、WPS、ODT、TXT 或图片，不超过 10 MB")
    waived_reason = forms.CharField(label="不能提交的原因", max_length=200, required=False,
                                    help_text="因病、外出等不能提交时填写")

    def __init__(self, *args, branch, on_behalf: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if on_behalf:
            self.fields["member"].queryset = _members(branch)
            self.fields["member"].required = True
            self.fields["member"].empty_label = "（请选择）"
        else:
            del self.fields["member"]
            del self.fields["waived_reason"]


class HoldForm(forms.Form):
    held_at = DateTimeField(label="开始时间")
    ended_at = DateTimeField(label="结束时间", required=False)
    place = forms.CharField(label="地点", max_length=100, required=False)
    host = forms.ModelChoiceField(label="主持人", queryset=None, required=False, empty_label="（未指定）")
    recorder = forms.ModelChoiceField(label="记录人", queryset=None, required=False, empty_label="（未指定）")
    also_kinds = forms.MultipleChoiceField(label="同时计为", required=False, widget=forms.CheckboxSelectMultiple,
                                           choices=[(k, Kind(k).label) for k in LIFE_ALSO_KINDS],
                                           help_text="组织生活会一般以党员大会、支委会或党小组会形式召开")
    absent = forms.ModelMultipleChoiceField(label="缺席或请假人员", queryset=None, required=False,
                                            widget=forms.CheckboxSelectMultiple,
                                            help_text="其余应到人员记为出席；已批准的请假自动记为请假")
    secretary_report = forms.CharField(label="书记报告及对照检查", widget=forms.Textarea(attrs={"rows": 4}),
                                       help_text="书记首先报告支部工作、查摆问题并作对照检查")
    minutes = forms.CharField(label="会议记录", widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("host", "recorder", "absent"):
            self.fields[name].queryset = _members(branch)
        self.members = list(_members(branch))

    def criticisms(self) -> list[tuple[int | None, int | None, str]]:
        """(speaker id, target id or None, content) for each filled row of the 批评与自我批评 table."""
        rows = []
        for i in range(int(self.data.get("criticism-rows", 0) or 0)):
            speaker, target = self.data.get(f"speaker-{i}", ""), self.data.get(f"target-{i}", "")
            content = self.data.get(f"content-{i}", "").strip()
            if speaker or content:
                rows.append((int(speaker) if speaker.isdigit() else None, int(target) if target.isdigit() else None,
                             content))
        return rows


class RectificationForm(forms.Form):
    problem = forms.CharField(label="问题", widget=forms.Textarea(attrs={"rows": 2}))
    measure = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(label="责任人", queryset=None, required=False, empty_label="党支部（班子）")
    deadline = DateField(label="完成时限")

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _members(branch)


class RectificationStatusForm(forms.Form):
    status = forms.ChoiceField(label="整改状态", choices=RectificationItem.Status.choices)
    completion_note = forms.CharField(label="完成情况说明", max_length=2000, required=False)


class DateOnlyForm(forms.Form):
    day = DateField(label="日期")


class ReportForm(forms.Form):
    report_summary = forms.CharField(label="会议总体情况", widget=forms.Textarea(attrs={"rows": 3}))
    report_problems = forms.CharField(label="查摆的主要问题", widget=forms.Textarea(attrs={"rows": 3}))
    reported_on = DateField(label="报告日期")


class FollowUpForm(forms.Form):
    follow_up_on = DateField(label="回头看日期")
    follow_up_note = forms.CharField(label="回头看情况", widget=forms.Textarea(attrs={"rows": 2}))


class ReviewTextForm(forms.Form):
    text = forms.CharField(label="情况", widget=forms.Textarea(attrs={"rows": 3}))


class MutualForm(forms.Form):
    meeting = forms.ModelChoiceField(label="评议会议", queryset=None, required=False, empty_label="（请选择）",
                                     help_text="已召开、勾选了“民主评议党员”的党员大会或党小组会")
    mutual_summary = forms.CharField(label="党员互评情况", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings
        self.fields["meeting"].label_from_instance = lambda m: f"{m.held_at:%Y-%m-%d} {m.topic}"


class SelfAssessmentForm(forms.Form):
    text = forms.CharField(label="个人自评", widget=forms.Textarea(attrs={"rows": 8}),
                           help_text="对照党员标准和入党誓词，总结一年来的表现，查找不足，明确努力方向")


class ApplicationForm(forms.Form):
    application_summary = forms.CharField(label="结果运用（表彰、激励、帮助和处置）", required=False,
                                          widget=forms.Textarea(attrs={"rows": 3}))
    reported_on = DateField(label="报上级党组织备案日期", required=False)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="限期改正结果", choices=[c for c in Participant.Outcome.choices if c[0]])
    note = forms.CharField(label="处理说明", max_length=300)


class TalkBatchForm(forms.Form):
    talker = forms.ModelChoiceField(label="谈话人", queryset=None, empty_label="（请选择）")
    held_on = DateField(label="谈话日期")
    place = forms.CharField(label="地点", max_length=100, required=False)

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["talker"].queryset = _members(branch)
        self.members = list(_members(branch))

    ROWS = 6

    def entries(self) -> list[tuple[int | None, str, str]]:
        """(counterpart id, content, suggestions) for each filled row."""
        rows = []
        for i in range(self.ROWS):
            who = self.data.get(f"counterpart-{i}", "")
            content, suggestions = self.data.get(f"content-{i}", "").strip(), self.data.get(f"suggestions-{i}", "").strip()
            if who or content:
                rows.append((int(who) if who.isdigit() else None, content, suggestions))
        return rows


class WarningEducationForm(forms.Form):
    held_at = DateTimeField(label="开展时间")
    topic = forms.CharField(label="主题", max_length=200)
    place = forms.CharField(label="地点", max_length=100, required=False)
    form = forms.ChoiceField(label="形式", choices=WarningEducation.Form.choices)
    form_other = forms.CharField(label="其他形式说明", max_length=100, required=False)
    material = forms.CharField(label="案例或教育材料", max_length=300,
                               help_text="警示教育片名称、典型案例、教育基地名称等")
    reflections = forms.CharField(label="心得体会", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    also_kinds = forms.MultipleChoiceField(label="同时计为", required=False, widget=forms.CheckboxSelectMultiple,
                                           choices=[(k, Kind(k).label) for k in WARNING_ALSO_KINDS])
    absent = forms.ModelMultipleChoiceField(label="缺席人员", queryset=None, required=False,
                                            widget=forms.CheckboxSelectMultiple,
                                            help_text="其余应到人员记为出席；已批准的请假自动记为请假")

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["absent"].queryset = _members(branch)


GRADE_CHOICES = [("", "—"), *Grade.choices]
DISPOSITION_CHOICES = Participant.Disposition.choices
