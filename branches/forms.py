from django import forms

from branches.models import Organization
from core.forms import DateField, name_placeholders


class OrganizationForm(forms.ModelForm):
    parent_code = forms.CharField(label="上级组织代码", required=False, max_length=32,
                                  help_text="党委可以不填（作为顶级组织）。")
    founded_on = DateField(label="成立日期", required=False)
    term_start = DateField(label="本届任期开始", required=False)
    term_end = DateField(label="本届任期届满", required=False)

    class Meta:
        model = Organization
        fields = ["code", "name", "kind", "parent_code", "sector", "founded_on", "approval_document", "term_start",
                  "term_end"]

    def __init__(self, *args, scope, **kwargs):
        self.scope = scope  # organizations the user may place things under
        super().__init__(*args, **kwargs)
        name_placeholders(self)
        if self.instance.pk and self.instance.parent:
            self.initial.setdefault("parent_code", self.instance.parent.code)

    def clean_parent_code(self):
        code = self.cleaned_data["parent_code"].strip()
        if not code:
            return None
        parent = self.scope.filter(code=code).first()
        if parent is None:
            raise forms.ValidationError(f"找不到代码为“{code}”的上级组织，或您无权在其下设置组织。")
        return parent

    def clean(self):
        data = super().clean()
        if data.get("term_start") and data.get("term_end") and data["term_end"] <= data["term_start"]:
            self.add_error("term_end", "任期届满日期必须晚于任期开始日期。")
        return data

    def _post_clean(self):
        pass  # the service runs full_clean with the tree rules; don't validate twice with partial data
