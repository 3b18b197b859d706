"""What the campaign endpoints share."""

from rest_framework import exceptions

from members.models import Member


def branch_members(branch, ids, field: str) -> dict[int, Member]:
    """Members of `branch` by id; an id outside it is "does not exist" (no probing of other branches)."""
    ids = {i for i in ids if i is not None}
    found = {m.pk: m for m in Member.objects.filter(pk__in=ids, branch=branch)}
    missing = ids - set(found)
    if missing:
        raise exceptions.ValidationError({field: [f"本支部没有编号为{'、'.join(map(str, sorted(missing)))}的党员。"]})
    return found
