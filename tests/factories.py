"""Factories that go through the services, so test data obeys the same rules as real data."""

import itertools
from datetime import date

import factory
from django.contrib.auth import get_user_model

from branches import services as branch_services
from branches.models import Organization
from members import idnumber
from members import services as member_services

_seq = itertools.count(1)


def valid_id_number(*, birth_date: date = date(1985, 6, 15), gender: str = "male", region: str = "110101") -> str:
    """A GB 11643-valid number, unique per call (the 3-digit sequence keeps the gender parity)."""
    n = next(_seq)
    seq = (n * 2 + (1 if gender == "male" else 0)) % 1000
    return idnumber.make_valid(f"{region}{birth_date:%Y%m%d}{seq:03d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pass12345")


def make_org(code: str, *, kind: str = Organization.Kind.BRANCH, parent: Organization | None = None,
             name: str | None = None, **fields) -> Organization:
    return branch_services.create_organization(actor=None, parent=parent, code=code, name=name or f"组织{code}",
                                               kind=kind, **fields)


def make_member(branch: Organization, *, name: str = "张三", gender: str = "male", birth_date: date = date(1985, 6, 15),
                category: str = "full", joined_on: date = date(2010, 7, 1), confirmed_on: date | None = None,
                **fields):
    if category == "full" and confirmed_on is None:
        confirmed_on = date(joined_on.year + 1, joined_on.month, joined_on.day)
    return member_services.create_member(
        actor=None, branch=branch, id_number=fields.pop("id_number", None) or valid_id_number(birth_date=birth_date, gender=gender),
        name=name, gender=gender, birth_date=birth_date, category=category, joined_on=joined_on,
        confirmed_on=confirmed_on if category == "full" else None, **fields)
