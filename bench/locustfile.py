"""Load run for bench/dashboard.py: upper-level users reading dashboards (pages and API), users opening
branch pages and meeting lists, and a secretary now and then logging a meeting, against gunicorn.

    locust -f bench/locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:8711

DASHBOARD_BENCH_TARGETS names a JSON file written by bench/dashboard.py: organization codes to visit.
"""

import json
import os
import random
from datetime import UTC, datetime, timedelta

from locust import HttpUser, between, task

TARGETS = json.loads(open(os.environ["DASHBOARD_BENCH_TARGETS"], encoding="utf-8").read())  # noqa: SIM115


class _SignedIn(HttpUser):
    """Signed in with a session bench/dashboard.py opened beforehand (PBKDF2 logins of 50 users at once
    would measure password hashing, not the pages). gunicorn runs with DEBUG off, so Django marks its
    cookies Secure; the bench speaks plain HTTP on 127.0.0.1, says it is HTTPS behind a proxy
    (X-Forwarded-Proto, as nginx would) and sends the cookies itself."""

    abstract = True
    wait_time = between(2, 6)  # a person reads a dashboard or a branch page for a few seconds before the next click
    username = ""

    def get(self, path: str, name: str):
        """A GET that counts as failed when it does not answer 200 itself (a redirect to the login page
        would otherwise measure the login page)."""
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {path}")

    def _send_cookies(self):
        cookies = {c.name: c.value for c in self.client.cookies}
        cookies["sessionid"] = TARGETS["sessions"][self.username]
        self.client.headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())

    def on_start(self):
        self.secure_host = self.host.replace("http://", "https://")
        self.client.headers["X-Forwarded-Proto"] = "https"
        self._send_cookies()
        with self.client.get("/", name="home", catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"{self.username} is not signed in: {response.status_code}")
        self._send_cookies()  # now with the csrftoken the page set


class UpperLevel(_SignedIn):
    """A 市委 viewer: the city's and the districts' dashboards, the page and the API."""

    weight = 2
    username = "city_viewer"

    @task(2)
    def city_dashboard_api(self):
        self.get(f"/api/v1/orgs/{TARGETS['root']}/dashboard/", "API dashboard: city")

    @task(1)
    def city_dashboard_page(self):
        self.get(f"/orgs/{TARGETS['root']}/dashboard/", "page dashboard: city")

    @task(2)
    def district_dashboard(self):
        code = random.choice(TARGETS["districts"])
        self.get(f"/orgs/{code}/dashboard/", "page dashboard: district")

    @task(2)
    def general_branch_dashboard(self):
        code = random.choice(TARGETS["general_branches"])
        self.get(f"/api/v1/orgs/{code}/dashboard/", "API dashboard: 党总支")


class BranchReader(_SignedIn):
    """Someone with the whole tree in scope opening branch pages and meeting lists."""

    weight = 2
    username = "admin"

    @task(2)
    def branch_page(self):
        self.get(f"/orgs/{random.choice(TARGETS['branches'])}/", "page branch")

    @task(2)
    def meeting_list(self):
        self.get(f"/orgs/{random.choice(TARGETS['branches'])}/meetings/", "page meeting list")

    @task(1)
    def branch_dashboard(self):
        self.get(f"/orgs/{random.choice(TARGETS['branches'])}/dashboard/", "page dashboard: branch")


class Secretary(_SignedIn):
    """A branch secretary reading the own branch, now and then logging a meeting through the API (the
    rollup refreshes on commit)."""

    weight = 1
    username = "secretary_a"

    @task(4)
    def own_branch(self):
        self.get(f"/orgs/{TARGETS['own_branch']}/", "page branch")

    @task(1)
    def log_meeting(self):
        held = datetime.now(UTC) - timedelta(hours=random.randint(2, 200))
        self.client.post("/api/v1/meetings/", json={
            "branch": TARGETS["own_branch"], "kinds": ["theme_day"], "held_at": held.isoformat(), "topic": "压测主题党日",
        }, headers={"X-CSRFToken": self.client.cookies.get("csrftoken", ""),
                    "Referer": self.secure_host + "/"}, name="API log a meeting")
