"""Issue 11, point 10: the production path cannot start with keys published in the repository, `make run`
generates its own keys, the compose health check passes under .env.example, the deploy checks are clean,
and the container/proxy wiring is what the README says."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV_FERNET = "ZGV2LW9ubHktaWQtbnVtYmVyLWtleS0wMDAwMDAwMDA="


def _fresh_keys() -> dict:
    import base64
    import secrets

    return {"SECRET_KEY": secrets.token_urlsafe(50),
            "ID_NUMBER_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "ID_NUMBER_HMAC_KEY": secrets.token_urlsafe(32)}


def _example_env() -> dict:
    env = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    return env


def _production(tmp_path, **overrides) -> dict:
    env = {"DEBUG": "false", "PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "orglife.settings",
           "ALLOWED_HOSTS": "orglife.example.gov.cn", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "ORGLIFE_VAR_DIR": str(tmp_path), **_fresh_keys()}
    env.update(overrides)
    return env


def _run(args, env):
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, cwd=str(ROOT), timeout=120)


@pytest.mark.parametrize(("name", "value"), [
    ("SECRET_KEY", "dev-only-secret-key-never-use-in-production-0123456789abcdefghij"),
    ("SECRET_KEY", "change-me-to-50-random-characters-at-least-xxxxxxxxxxxxxxxxxx"),
    ("ID_NUMBER_ENCRYPTION_KEY", DEV_FERNET),
    ("ID_NUMBER_HMAC_KEY", "dev-only-id-number-hmac-key"),
])
def test_production_refuses_the_repositorys_keys(tmp_path, name, value):
    result = _run(["-c", "import django; django.setup()"], _production(tmp_path, **{name: value}))
    assert result.returncode != 0 and name in result.stderr and "published in the repository" in result.stderr


def test_production_starts_with_generated_keys(tmp_path):
    result = _run(["-c", "import django; django.setup(); print('up')"], _production(tmp_path))
    assert result.returncode == 0 and "up" in result.stdout, result.stderr


def test_deploy_checks_are_clean_with_production_settings(tmp_path):
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production(tmp_path))
    assert result.returncode == 0, result.stderr + result.stdout


def test_the_compose_health_check_passes_under_env_example(tmp_path):
    env = {**_example_env(), **_fresh_keys(), "PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "orglife.settings",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "REDIS_URL": "", "ORGLIFE_VAR_DIR": str(tmp_path),
           "BEHIND_PROXY": "true"}
    probe = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "from scripts.healthcheck import health_request\n"
        "request = health_request()\n"
        "headers = {k: v for k, v in request.header_items()}\n"
        "response = Client().get('/healthz', headers=headers)\n"
        "print(response.status_code)\n"
        "bare = Client(raise_request_exception=False).get('/healthz', HTTP_HOST='127.0.0.1:8000')\n"
        "print(bare.status_code)\n"
    )
    result = _run(["-c", probe], env)
    assert result.returncode == 0, result.stderr
    healthy, bare = result.stdout.split()[-2:]
    assert healthy == "200" and bare == "400"  # the old probe's request: the host check refused it


def test_make_run_generates_untracked_local_keys_once(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "ORGLIFE_VAR_DIR": str(tmp_path)}
    assert _run(["scripts/local_keys.py"], env).returncode == 0
    keys = (tmp_path / "local-keys.env").read_text()
    assert "SECRET_KEY=" in keys and DEV_FERNET not in keys and "dev-only" not in keys
    assert oct((tmp_path / "local-keys.env").stat().st_mode)[-3:] == "600"
    _run(["scripts/local_keys.py"], env)
    assert (tmp_path / "local-keys.env").read_text() == keys  # generated once: the data stays readable
    tracked = subprocess.run(["git", "check-ignore", "var/local-keys.env"], cwd=ROOT, capture_output=True, text=True)
    assert tracked.returncode == 0  # ignored by git
    assert "scripts/local_keys.py" in (ROOT / "Makefile").read_text()


def test_local_keys_keep_the_development_keys_of_an_existing_embedded_database(tmp_path):
    (tmp_path / "orglife.sqlite3").write_bytes(b"")
    _run(["scripts/local_keys.py"], {"PATH": "/usr/bin:/bin", "ORGLIFE_VAR_DIR": str(tmp_path)})
    assert DEV_FERNET in (tmp_path / "local-keys.env").read_text()


def test_compose_publishes_only_the_proxy_and_the_image_is_not_root():
    compose = (ROOT / "docker-compose.yml").read_text()
    web = compose.split("\n  web:")[1].split("\n  proxy:")[0]
    assert "ports:" not in web and 'expose: ["8000"]' in web and "scripts/healthcheck.py" in web
    assert "nginx" in compose.split("\n  proxy:")[1]
    nginx = (ROOT / "deploy/nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx  # overwritten, not appended to the client's
    assert "\nUSER orglife" in (ROOT / "Dockerfile").read_text()
