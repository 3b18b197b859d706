from django import forms
from django.utils import timezone

from core.forms import DateField
from meetings.models import Attendance, Exemption, Kind
from meetings.services import Mark, Vote
from members.models import Member

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M",
                          "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M"]


class DateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATETIME_INPUT_FORMATS)
        kwargs.setdefault("error_messages", {"invalid": "请输入有效的日期和时间，例如 2026-05-08 09:00。"})
        super().__init__(**kwargs)


class MeetingForm(forms.Form):
    kinds = forms.MultipleChoiceField(label="会议类型", choices=Kind.choices, widget=forms.CheckboxSelectMultiple,
                                      error_messages={"required": "请至少选择一种会议类型。"},
                                      help_text="一次会议可同时计为多种（如主题党日结合党员大会、党课）。")
    party_group = forms.ModelChoiceField(label="党小组", queryset=None, required=False, empty_label="不限党小组（全支部）")
    held_at = DateTimeField(label="开始时间")
    ended_at = DateTimeField(label="结束时间", required=False)
    place = forms.CharField(label="地点", max_length=100, required=False)
    topic = forms.CharField(label="会议主题", max_length=200)
    host = forms.ModelChoiceField(label="主持人", queryset=None, required=False, empty_label="请选择主持人")
    recorder = forms.ModelChoiceField(label="记录人", queryset=None, required=False, empty_label="请选择记录人")
    lecturer = forms.CharField(label="党课主讲人", max_length=50, required=False)
    guests = forms.CharField(label="列席人员", max_length=300, required=False)
    minutes = forms.CharField(label="会议记录", widget=forms.Textarea(attrs={"rows": 6}), required=False)
    resolutions = forms.CharField(label="决议事项", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    confirm_without_quorum = forms.BooleanField(
        label="确认未达法定人数仍保存表决", required=False,
        help_text="到会有表决权的人数未过半时，表决结果须经确认才能保存，并在记录和记录册中标注。")

    BLANK_VOTES = 3  # empty rows offered for new resolutions (the page works without JavaScript)

    def __init__(self, *args, branch, roster, votes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roster = roster
        self.vote_rows = [*votes, *([None] * self.BLANK_VOTES)]
        self.fields["party_group"].queryset = branch.party_groups.order_by("name")
        for name in ("host", "recorder"):
            self.fields[name].queryset = branch.members.filter(status=Member.Status.NORMAL).order_by("name")

    def attendance_marks(self) -> dict[int, Mark]:
        """The exceptions ticked on the roster: anyone not absent, on leave, late or leaving early is present."""
        marks = {}
        for member in self.roster:
            status = self.data.get(f"att-{member.pk}", Attendance.Status.PRESENT)
            reason = self.data.get(f"reason-{member.pk}", "").strip()
            late, early = bool(self.data.get(f"late-{member.pk}")), bool(self.data.get(f"early-{member.pk}"))
            if status != Attendance.Status.PRESENT or reason or late or early:
                marks[member.pk] = Mark(status, reason, late, early)
        return marks


    def vote_inputs(self) -> tuple[list[Vote], list[str]]:
        """The resolution rows filled in (a row with neither text nor counts is skipped), and the
        Chinese errors of counts that are not whole numbers; what was typed is kept on the page."""
        votes, errors = [], []
        for i in range(len(self.vote_rows)):
            text = self.data.get(f"vote-text-{i}", "").strip()
            raw = [self.data.get(f"vote-{key}-{i}", "").strip() for key in ("for", "against", "abstain")]
            if not text and not any(raw):
                continue
            try:
                counts = [int(n) if n else 0 for n in raw]
            except ValueError:
                errors.append(f"表决事项“{text or i + 1}”：票数须为整数。")
                continue
            votes.append(Vote(text, *counts))
        return votes, errors


class PlanForm(forms.Form):
    kinds = MeetingForm.base_fields["kinds"]
    party_group = forms.ModelChoiceField(label="党小组", queryset=None, required=False, empty_label="不限党小组（全支部）")
    held_at = DateTimeField(label="开始时间")
    place = forms.CharField(label="地点", max_length=100, required=False)
    topic = forms.CharField(label="会议主题", max_length=200)

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_group"].queryset = branch.party_groups.order_by("name")


class LeaveForm(forms.Form):
    reason = forms.CharField(label="请假事由", max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请填写请假事由。"})


class ExemptionForm(forms.Form):
    member = forms.ModelChoiceField(label="党员", queryset=None, required=False,
                                    help_text="不选则为整个党支部申请（由上级党组织审批）。")
    reason = forms.ChoiceField(label="原因", choices=Exemption.Reason.choices)
    detail = forms.CharField(label="说明", max_length=300, required=False)
    starts_on = DateField(label="开始日期")
    ends_on = DateField(label="结束日期")
    upper_consent_on = DateField(label="上级党组织同意不计入表决基数日期", required=False,
                                 help_text="仅病休（不能表达意志）、外派出国半年以上、年老体弱卧床等情形，经上级党组织同意后，"
                                           "表决时可不计入应到会有表决权的党员；未填写的仍计入。")
    upper_consent_ref = forms.CharField(label="上级党组织同意文号或说明", max_length=200, required=False)

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = branch.members.filter(status=Member.Status.NORMAL).order_by("name")


class VoteConsentForm(forms.Form):
    consent_on = DateField(label="上级党组织同意日期", error_messages={"required": "请填写上级党组织同意日期。"})
    reference = forms.CharField(label="文号或说明", max_length=200, error_messages={
        "required": "请填写上级党组织同意的文号或说明。", "max_length": "文号或说明不超过200字。"})


def default_held_at():
    return timezone.localtime().replace(minute=0, second=0, microsecond=0)
