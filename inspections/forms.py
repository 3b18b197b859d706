from django import forms

from core.forms import DATE_INPUT_FORMATS
from inspections.models import FlagAction


class FlagActionForm(forms.Form):
    kind = forms.ChoiceField(label="事项", choices=FlagAction.Kind.choices)
    happened_on = forms.DateField(label="日期", input_formats=DATE_INPUT_FORMATS,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    by_whom = forms.CharField(label="谈话人或会议", max_length=100, required=False)
    notes = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="谈话情况、正当理由（如重病住院、因公外派）或支部大会的研究决定。")
