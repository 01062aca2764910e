"""Shared pieces of the browser tests: Debian's Chromium driven by Playwright against
pytest-django's live server, and screenshots under var/screenshots/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test are sync.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PASSWORD = "pass-12345-word"  # tests.conftest.make_user


@pytest.fixture
def page(live_server):
    """A fresh Chromium per test, started after the test database is set up and stopped before
    it is torn down: while Playwright's event loop runs in this thread, Django hands out other
    connection objects, and the test database's teardown must see the original one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900})
        # The cabinet speaks Ukrainian unless the user picked a language: pick English.
        context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        context.set_default_timeout(10_000)
        yield context.new_page()
        context.close()
        browser.close()
        connections.close_all()  # the ones the test opened inside Playwright's loop context


def shoot(page, name: str, **kwargs) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, **kwargs)
