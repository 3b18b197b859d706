"""The client's address for the login lockout (django-axes' AXES_CLIENT_IP_CALLABLE)."""

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR; behind our own reverse proxy, the address it appended to X-Forwarded-For (the last
    entry: anything before it was written by the client and proves nothing)."""
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "") or "0.0.0.0"
