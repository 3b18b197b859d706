from django import forms

from branches.models import Organization, PartyGroup
from core.forms import DateField, name_placeholders
from members.models import Member


class MemberForm(forms.ModelForm):
    id_number = forms.CharField(label="公民身份号码", max_length=30)
    birth_date = DateField(label="出生日期")
    joined_on = DateField(label="加入党组织日期")
    confirmed_on = DateField(label="转为正式党员日期", required=False)
    lost_contact_since = DateField(label="失去联系日期", required=False)
    mobile_since = DateField(label="外出日期", required=False)
    probation_until = DateField(label="留党察看期至", required=False)

    class Meta:
        model = Member
        fields = ["name", "gender", "id_number", "birth_date", "ethnicity", "education", "category", "joined_on",
                  "confirmed_on", "party_group", "party_post", "job", "mobile", "landline", "address", "status",
                  "lost_contact", "lost_contact_since", "is_mobile", "mobile_destination", "mobile_since", "probation_until", "note"]

    def __init__(self, *args, branch: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_group"].queryset = branch.party_groups.order_by("name")
        name_placeholders(self)
        if self.instance.pk:
            # Moving between branches or 党小组 keeps history: that is the transfer form's job.
            del self.fields["party_group"]
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = f"当前：{self.instance.id_number_masked}。不修改请留空。"

    def _post_clean(self):
        pass  # the service validates the whole member (ID number, dates, uniqueness)


class TransferForm(forms.Form):
    to_branch_code = forms.CharField(label="转入党支部代码", max_length=32)
    party_group = forms.IntegerField(label="党小组编号（可选）", required=False)
    on = DateField(label="转接日期")

    def __init__(self, *args, scope, **kwargs):
        self.scope = scope
        super().__init__(*args, **kwargs)

    def clean_to_branch_code(self):
        code = self.cleaned_data["to_branch_code"].strip()
        branch = self.scope.filter(code=code).first()
        if branch is None:
            raise forms.ValidationError(f"找不到代码为“{code}”的党支部，或您无权管理该支部的党员。")
        return branch

    def clean(self):
        data = super().clean()
        branch, group_id = data.get("to_branch_code"), data.get("party_group")
        data["group"] = None
        if branch and group_id:
            data["group"] = branch.party_groups.filter(pk=group_id).first()
            if data["group"] is None:
                self.add_error("party_group", "该党小组不属于转入的党支部。")
        return data


class PartyGroupForm(forms.ModelForm):
    class Meta:
        model = PartyGroup
        fields = ["name", "leader", "set_up_on", "dissolved_on"]
        widgets = {"set_up_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "dissolved_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {"set_up_on": "各期按当期首日存在的党小组判断是否“已划分党小组”。"}

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = branch.members.filter(status=Member.Status.NORMAL).order_by("name")
        name_placeholders(self)
        self.fields["leader"].required = False
        self.fields["set_up_on"].required = False  # the service defaults a new group to today

    def _post_clean(self):
        pass
