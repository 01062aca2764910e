"""The sign-in page's "forgot your password" form in a real browser: the request reaches the
outbox (in the member's language, on SITE_URL) and the link sets a new password in Chromium."""

from __future__ import annotations

import re

import pytest

from notifications.models import OutboxMessage
from notifications.rendering import render_message
from tests.browser.conftest import shoot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]


def test_a_member_resets_the_password_in_the_browser(page, live_server, manager, store, settings):
    from playwright.sync_api import expect

    settings.SITE_URL = live_server.url
    page.goto("/cabinet/password-reset/")
    page.fill("input[name=email]", "manager@example.com")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r".*/cabinet/password-reset/sent/$"))
    message = OutboxMessage.objects.get(event="password_reset")
    assert message.recipient == "manager@example.com"
    link = re.search(r"https?://\S+/cabinet/password-reset/\S+/", render_message(message)["text"]).group(0)
    assert link.startswith(live_server.url)

    page.goto(link)
    page.fill("input[name=new_password1]", "Br0wser-new-pass")
    page.fill("input[name=new_password2]", "Br0wser-new-pass")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r".*/cabinet/password-reset/done/$"))
    shoot(page, "password-reset-done")
    manager.refresh_from_db()
    assert manager.check_password("Br0wser-new-pass")
