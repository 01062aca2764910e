"""The invitation page in a real browser (issue 11, item 2): a new person opens the link from the
e-mail, chooses a password and accepts in one form; an existing user signs in from the page and
accepts. Chromium sends an Origin header with every POST (Django's test client sends none), so
only a browser shows that the CSRF check passes."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from marketplace.actors import Actor
from notifications.models import OutboxMessage
from sellers.models import StoreInvitation, StoreMember
from sellers.services import store_member_invite
from tests.browser.conftest import PASSWORD, shoot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]

NEW_PASSWORD = "Fresh-pass-2026"


def invitation_path(owner, store, email: str) -> str:
    store_member_invite(actor=Actor.seller(owner), store=store, email=email)
    message = OutboxMessage.objects.filter(event="member_invited").latest("pk")
    return urlsplit(message.context["params"]["accept_url"]).path


def test_a_new_person_sets_a_password_and_accepts(page, live_server, owner, store):
    from playwright.sync_api import expect

    path = invitation_path(owner, store, "new.person@example.com")
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.headers.get("origin")))

    page.goto(path)
    expect(page.locator("#invitation")).to_have_attribute("data-state", "new_account")
    expect(page.locator("#invitation h1")).to_contain_text(store.name)
    shoot(page, "invitation-new-person")
    assert not StoreMember.objects.filter(store=store, user__email="new.person@example.com").exists()

    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("#accept button[type=submit]")
    page.wait_for_url("**/cabinet/orders/")
    expect(page.locator(".store-switch, .brand").first).to_be_visible()

    member = StoreMember.objects.select_related("user").get(store=store, user__email="new.person@example.com")
    assert member.role == StoreMember.Role.MANAGER and member.user.check_password(NEW_PASSWORD)
    assert StoreInvitation.objects.get(store=store, email="new.person@example.com").accepted_at is not None
    # Our own origin went with the POST (not "null"): the CSRF check passed in a real browser.
    assert posts and all(origin == live_server.url for origin in posts), posts

    # The link is used up: opening it again gives a page that says so, and nothing more.
    response = page.goto(path)
    assert response.status == 410
    expect(page.locator("#invitation-closed")).to_have_attribute("data-code", "used")


def test_an_existing_user_signs_in_from_the_page_and_accepts(page, live_server, owner, store, outsider, outsider_store):
    from playwright.sync_api import expect

    path = invitation_path(owner, store, "outsider@example.com")
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.headers.get("origin")))

    page.goto(path)
    expect(page.locator("#invitation")).to_have_attribute("data-state", "sign_in")
    page.click("#invitation a.button.primary")
    page.fill("#id_username", outsider.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"**{path}")
    expect(page.locator("#invitation")).to_have_attribute("data-state", "confirm")
    assert not StoreMember.objects.filter(store=store, user=outsider).exists()  # signing in is no consent
    shoot(page, "invitation-existing-user")

    page.click("#accept button[type=submit]")
    page.wait_for_url("**/cabinet/orders/")
    assert StoreMember.objects.get(store=store, user=outsider).role == StoreMember.Role.MANAGER
    assert posts and all(origin == live_server.url for origin in posts), posts
