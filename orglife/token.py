"""POST /api/v1/auth/token/: a token for a username and password, rate-limited per client address.

It authenticates through django-axes (settings.AUTHENTICATION_BACKENDS): a username locked out after
repeated failures from an address gets no token, even with the right password (issue 11, point 6)."""

from datetime import timedelta

from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from core.auth import token_expired


class TokenView(ObtainAuthToken):
    """{username, password} → {token, expires_at}; an expired token is replaced by a new one."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        if token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        expires = token.created + timedelta(hours=settings.API_TOKEN_TTL_HOURS)
        return Response({"token": token.key, "expires_at": expires.isoformat()})
