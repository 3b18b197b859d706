"""API tokens that expire (issue 11, point 6); orglife.token issues them."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_expired(token: Token, *, now=None) -> bool:
    return token.created <= (now or timezone.now()) - timedelta(hours=settings.API_TOKEN_TTL_HOURS)


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed("令牌已过期，请重新获取（POST /api/v1/auth/token/）。")
        return user, token
