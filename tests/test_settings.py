import pytest
from django.core.exceptions import ImproperlyConfigured

from orglife.env import env_bool, env_int, env_list


def test_booleans_are_parsed_strictly(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert env_bool("FLAG") is True
    monkeypatch.setenv("FLAG", "off")
    assert env_bool("FLAG", True) is False
    monkeypatch.setenv("FLAG", "treu")
    with pytest.raises(ImproperlyConfigured, match="not a boolean"):
        env_bool("FLAG")


def test_integers_and_lists(monkeypatch):
    monkeypatch.setenv("N", "12x")
    with pytest.raises(ImproperlyConfigured):
        env_int("N", 1)
    monkeypatch.setenv("HOSTS", " a.example , b.example,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_production_refuses_to_start_without_secrets():
    import subprocess
    import sys

    env = {"DEBUG": "false", "PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "orglife.settings"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True,
                            text=True, cwd=str(__import__("pathlib").Path(__file__).resolve().parent.parent))
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


