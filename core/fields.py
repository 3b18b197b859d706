from rest_framework import serializers


class ScopedSlugRelatedField(serializers.SlugRelatedField):
    """A slug (e.g. organization code) resolved only among what the requesting user may see.

    Outside the scope reads as "does not exist", so an API client cannot probe other branches.
    """

    def __init__(self, scope, **kwargs):
        self.scope = scope
        kwargs.setdefault("queryset", None)
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    def __init__(self, scope, **kwargs):
        self.scope = scope
        kwargs.setdefault("queryset", None)
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)
