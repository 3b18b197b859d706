from django.contrib.auth.decorators import login_required  # noqa: F401
