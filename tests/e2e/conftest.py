"""Browser journeys: Debian's Chromium driven by Playwright (no browser download), one browser per session.

Playwright's sync API runs an event loop in this thread, so Django's async-safety check must be
relaxed for these tests only (stack-notes §7).
"""

import importlib
import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(autouse=True)
def _default_policy(transactional_db):
    """Transactional tests end with a flush that also empties the rows data migrations wrote (the
    default policy); put them back before each browser test with the migrations' own functions."""
    from django.apps import apps

    for module in ("branches.migrations.0003_default_policy_values", "meetings.migrations.0002_default_quota_rules",
                   "meetings.migrations.0005_campaign_rules", "meetings.migrations.0007_i12_rule_article_text",
                   "meetings.migrations.0007_i15_counted_kinds", "meetings.migrations.0011_merge_issue_12",
                   "reviews.migrations.0002_campaign_policy_values",
                   "inspections.migrations.0002_scanner_policy_values"):
        importlib.import_module(module).seed(apps, None)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(executable):
        pytest.fail("找不到 Chromium：请安装 Debian 的 chromium 软件包（make test 以 root 运行会自动安装）。")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized page (members use phones)."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def login(page, username, password="pass12345"):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
