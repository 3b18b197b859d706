"""Issue 11, point 6: brute force is locked out by username + address (not by address: offices share one
NAT), the token endpoint is rate-limited, weak passwords are refused everywhere, a password-change
page, and API tokens expire."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from members.services import provision_account
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
GOOD = "Zhibu-2026-shenghuo"


@pytest.fixture
def alice(db):
    user = UserFactory(username="alice")
    user.set_password(GOOD)
    user.save()
    return user


def _login(client, password, *, username="alice", ip="10.0.0.5"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_twenty_five_wrong_passwords_lock_out_the_right_one_too(client, alice):
    for _ in range(25):
        _login(client, "wrong-password")
    response = _login(client, GOOD)
    assert response.status_code == 429 and "登录已暂停" in response.content.decode()
    assert "_auth_user_id" not in client.session
    token = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": GOOD}, REMOTE_ADDR="10.0.0.5")
    assert token.status_code in (400, 403, 429) and "token" not in token.json()
    assert not Token.objects.filter(user=alice).exists()


def test_the_lockout_is_per_username_and_address_not_the_whole_office(client, alice):
    bob = UserFactory(username="bob")
    bob.set_password(GOOD)
    bob.save()
    for _ in range(6):
        _login(client, "wrong-password")
    assert _login(client, GOOD, username="bob").status_code == 302  # a colleague behind the same NAT
    client.logout()
    assert _login(client, GOOD, ip="10.9.9.9").status_code == 302  # alice from another address


def test_a_right_password_before_the_limit_logs_in(client, alice):
    for _ in range(3):
        _login(client, "wrong-password")
    assert _login(client, GOOD).status_code == 302


def test_the_token_endpoint_is_rate_limited(alice):
    api = APIClient()
    codes = [api.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"}, REMOTE_ADDR="10.1.1.1").status_code
             for _ in range(11)]
    assert codes[:10] == [400] * 10 and codes[10] == 429


def test_api_tokens_expire(alice, settings):
    settings.API_TOKEN_TTL_HOURS = 24
    api = APIClient()
    key = api.post("/api/v1/auth/token/", {"username": "alice", "password": GOOD}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/alerts/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        response = api.get("/api/v1/alerts/")
        assert response.status_code == 401 and "过期" in response.json()["detail"]
        fresh = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": GOOD}).json()["token"]
    assert fresh != key


@pytest.mark.parametrize("weak", ["12345678", "password", "alice2026x"])
def test_create_user_refuses_weak_passwords(db, weak):
    with pytest.raises(CommandError, match="密码"):
        call_command("create_user", "alice2026", "--password", weak)


def test_provisioning_refuses_a_common_password(db):
    with pytest.raises(ValidationError) as exc:
        provision_account(actor=None, username="carol", password="password")
    assert "password" in exc.value.message_dict


def test_the_password_change_page_validates_and_revokes_the_api_token(client, alice):
    Token.objects.create(user=alice)
    client.force_login(alice)
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    weak = client.post("/accounts/password/", {"old_password": GOOD, "new_password1": "12345678",
                                               "new_password2": "12345678"})
    assert weak.status_code == 200 and "密码" in weak.content.decode()
    new = "Xin-mima-2026-zhibu"
    done = client.post("/accounts/password/", {"old_password": GOOD, "new_password1": new, "new_password2": new})
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(new) and not Token.objects.filter(user=alice).exists()


def test_the_password_change_page_needs_a_login(client):
    assert client.get("/accounts/password/").status_code == 302


def test_a_spoofed_forwarded_address_does_not_escape_the_token_rate_limit(alice):
    api = APIClient()
    codes = [api.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"}, REMOTE_ADDR="10.2.2.2",
                      HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(11)]
    assert codes[10] == 429
