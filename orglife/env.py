"""Strict parsing of settings from environment variables.

A misspelt boolean or an unparsable number stops the process at start-up instead of silently
falling back to a default (healthchecks `hc/settings.py` does the same with `envbool`).
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false, 1/0, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def load_env_file(path) -> None:
    """KEY=VALUE lines (comments and blanks skipped) as defaults under the real environment."""
    try:
        with open(path, encoding="utf-8") as env_file:
            lines = env_file.read().splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip())


def require_production_secrets(*, known_public: set[str], **secrets: str) -> None:
    """With DEBUG false every secret must be set, and none may be one published in the repository."""
    missing = [name for name, value in secrets.items() if not value]
    if missing:
        raise ImproperlyConfigured(f"{missing[0]} must be set when DEBUG is false (missing: {', '.join(missing)})")
    public = [name for name, value in secrets.items() if value in known_public]
    if public:
        raise ImproperlyConfigured(f"{', '.join(public)} is a development or example value published in the "
                                   "repository; generate a new one (README, Security) when DEBUG is false")
    if len(secrets.get("SECRET_KEY", "x" * 50)) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters when DEBUG is false")
