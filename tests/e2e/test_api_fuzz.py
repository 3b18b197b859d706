"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis): every operation, all
phases (examples, coverage, fuzzing, stateful), positive and negative data, as an administrator and
as a branch secretary, against a live server on PostgreSQL. No answer may be a 5xx (design: "never a
500 for any input"; issue 11).

Bounded and reproducible: a fixed seed, FUZZ_MAX_EXAMPLES examples per operation (default 2) and a
time budget of FUZZ_MAX_SECONDS per role (default 110 s, so both roles stay under 5 minutes). The
coverage phase alone generates ~7,500 cases and took 6 minutes per role on the shared 2-core machine;
the budget cuts it there, in the seed's order. Raise both for a longer hunt:
`FUZZ_MAX_EXAMPLES=20 FUZZ_MAX_SECONDS=3600 make test PYTEST_ARGS=tests/e2e/test_api_fuzz.py`.
One worker: with two threads, Python 3.11's `ast.parse` (Hypothesis describing a filter lambda) raced
and schemathesis itself crashed ("AST constructor recursion depth mismatch"), failing the run at random."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from meetings import services as meeting_services
from tests.factories import make_member

SEED = 20261201
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "2"))
MAX_SECONDS = int(os.environ.get("FUZZ_MAX_SECONDS", "110"))
CONFIG = Path(__file__).with_name("schemathesis.toml")
ST = Path(sys.executable).with_name("st")


@pytest.fixture
def records(tree, secretary_a):
    """Something for the fuzzer to find: members, a held and a planned meeting of branch A."""
    now = timezone.now()
    for name in ("甲", "乙", "丙"):
        make_member(tree["a"], name=name)
    meeting_services.record_meeting(actor=secretary_a, branch=tree["a"], kinds=["branch_assembly"],
                                    held_at=now - timedelta(days=2), topic="学习会", now=now)
    meeting_services.plan_meeting(actor=secretary_a, branch=tree["a"], kinds=["theme_day"],
                                  held_at=now + timedelta(days=3), topic="主题党日", now=now)


def _fuzz(live_server, user, tmp_path) -> subprocess.CompletedProcess:
    token = Token.objects.create(user=user)
    report = tmp_path / f"{user.username}.xml"
    return subprocess.run(
        [str(ST), "--config-file", str(CONFIG), "run", f"{live_server.url}/api/schema/", "--header", f"Authorization: Token {token.key}",
         "--checks", "not_a_server_error", "--seed", str(SEED), "--max-examples", str(MAX_EXAMPLES),
         "--max-time", str(MAX_SECONDS), "--workers", "1", "--request-timeout", "30", "--no-shrink", "--exclude-path", "/api/v1/auth/token/",
         "--report", "junit", "--report-junit-path", str(report)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "NO_COLOR": "1"},
        cwd=tmp_path)  # schemathesis keeps a cache in ./.schemathesis: not in the repository


@pytest.mark.parametrize("who", ["admin_user", "secretary_a"])
def test_the_api_answers_no_5xx_under_schemathesis(live_server, records, request, who, tmp_path):
    user = request.getfixturevalue(who)
    result = _fuzz(live_server, user, tmp_path)
    tail = (result.stdout + result.stderr)[-6000:]
    assert "Server error" not in result.stdout and "API Operations" in result.stdout, tail
    # A non-zero exit is a failed check, unless schemathesis only reported its own crash while generating
    # a case ("Runtime Error": CPython 3.11's ast.parse inside Hypothesis); those cases never reached the API.
    assert result.returncode == 0 or ("Runtime Error" in result.stdout and "Failures:" not in result.stdout), tail
