from django import forms

# What people type: 2021-07-01, 2021/7/1, 2021年7月1日, 2021.7.1 (Django's zh_Hans list is broken, stack-notes §8).
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y%m%d"]


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        kwargs.setdefault("error_messages", {"invalid": "请输入有效日期，例如 2021-07-01 或 2021年7月1日。"})
        super().__init__(**kwargs)


def apply_service_errors(form: forms.Form, exc, *, fields: dict[str, str] | None = None) -> None:
    """Attach a service's ValidationError to the form: field errors where they belong (`fields` maps a
    service's field name to the form's), the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            field = (fields or {}).get(field, field)
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


def name_placeholders(form: forms.Form) -> None:
    """A select's blank choice says what to choose (“请选择党小组”), not Django's “---------”."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and field.empty_label == "---------":
            field.empty_label = f"请选择{field.label}"
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            field.choices = [(value, f"请选择{field.label}" if value == "" and label == "---------" else label)
                             for value, label in field.choices]
