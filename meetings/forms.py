from django import forms
from django.utils import timezone

from core.forms import DateField
from meetings.models import Attendance, Exemption, Kind
from meetings.services import Mark
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

    def __init__(self, *args, branch, roster, **kwargs):
        super().__init__(*args, **kwargs)
        self.roster = roster
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

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = branch.members.filter(status=Member.Status.NORMAL).order_by("name")


def default_held_at():
    return timezone.localtime().replace(minute=0, second=0, microsecond=0)
