"""Database constraints spell their allowed values out (a class Meta cannot see the model's nested
choices classes); this keeps each such list equal to the choices it guards."""

from django.apps import apps
from django.db.models import CheckConstraint, Q


def _in_lists(q: Q):
    for child in q.children:
        if isinstance(child, Q):
            yield from _in_lists(child)
        elif child[0].endswith("__in"):
            yield child[0].removesuffix("__in"), child[1]


def test_every_check_constraint_on_a_choice_field_lists_exactly_its_choices():
    checked = 0
    for model in apps.get_models():
        if model._meta.app_label not in {"core", "branches", "members", "meetings", "reviews", "inspections"}:
            continue
        for constraint in model._meta.constraints:
            if not isinstance(constraint, CheckConstraint):
                continue
            for field_name, values in _in_lists(constraint.condition):
                field = model._meta.get_field(field_name)
                if field.choices:
                    assert sorted(values) == sorted(v for v, _ in field.flatchoices), (model, constraint.name)
                    checked += 1
    assert checked >= 10
