"""Sign-in, sign-out, throttled wrong passwords, password reset by e-mail, the store switcher."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from marketplace import clock as platform_clock
from marketplace.actors import Actor
from marketplace.models import UserSettings
from notifications import delivery
from notifications.models import OutboxMessage
from orders.choices import Status
from orders.models import Order
from sellers.models import StoreInvitation, StoreMember
from sellers.services import (
    RESET_PER_ADDRESS_PER_HOUR,
    RESET_PER_IP_PER_HOUR,
    invitation_link,
    store_invitation_resend,
    store_member_invite,
)
from tests.conftest import make_store, make_user
from tests.sellers.conftest import english_client

PASSWORD = "pass-12345-word"
LOGIN = reverse("cabinet:login")


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7")


@pytest.mark.django_db
def test_cabinet_leads_to_sign_in_and_root_is_the_storefront():
    client = english_client()
    response = client.get("/cabinet/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert response.status_code == 200 and "Sign in to the seller cabinet" in response.content.decode()
    # The site's root is the storefront's catalog (issue 12), open to anybody.
    root = client.get("/")
    assert root.status_code == 200 and root.resolver_match.view_name == "storefront:catalog"


def test_member_signs_in_and_lands_on_the_orders(manager, store):
    client = english_client()
    response = sign_in(client, "manager")
    assert response.status_code == 302 and response.url == reverse("cabinet:order_list")
    assert client.get(reverse("cabinet:order_list")).status_code == 200


def test_sign_in_goes_back_to_the_asked_page(manager, store, place_order):
    order = place_order()
    client = english_client()
    detail = reverse("cabinet:order_detail", args=[order.pk])
    response = client.get(detail)
    assert response.status_code == 302 and response.url == f"{LOGIN}?next={detail}"
    response = client.post(response.url, {"username": "manager", "password": PASSWORD, "next": detail})
    assert response.url == detail


def test_wrong_password_is_refused(manager, store):
    client = english_client()
    response = sign_in(client, "manager", "wrong")
    assert response.status_code == 200 and "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_wrong_passwords_lock_the_sign_in(manager, store, settings):
    client = english_client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "manager", "wrong")
    response = sign_in(client, "manager")  # even the right password now
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    other_ip = english_client().post(LOGIN, {"username": "manager", "password": PASSWORD}, REMOTE_ADDR="10.0.0.8")
    assert other_ip.status_code == 302  # the lock is per login and address


def test_sign_out_is_a_post(manager_client):
    assert manager_client.get(reverse("cabinet:logout")).status_code == 405
    response = manager_client.post(reverse("cabinet:logout"))
    assert response.status_code == 302 and response.url == LOGIN
    assert manager_client.get(reverse("cabinet:order_list")).status_code == 302


def test_password_reset_by_email(manager, store, mailoutbox, settings):
    settings.SITE_URL = "https://cabinet.example"
    settings.ALLOWED_HOSTS = ["*"]  # a forged Host reaches the view
    UserSettings.objects.create(user=manager, language="en")  # the e-mail speaks the member's language
    client = english_client()
    response = client.post(
        reverse("cabinet:password_reset"), {"email": "manager@example.com"}, HTTP_HOST="evil.example"
    )
    assert response.status_code == 302 and response.url == reverse("cabinet:password_reset_done")
    assert OutboxMessage.objects.get(event="password_reset").language == "en"
    delivery.drain()  # through the outbox: a mail service that is down only delays it
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["manager@example.com"] and "seller cabinet" in message.subject
    assert "evil.example" not in message.body  # the link is built on SITE_URL, not the request's Host
    link = re.search(r"https://cabinet\.example(/cabinet/password-reset/[^\s]+/)", message.body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session-bound URL
    response = client.post(form_url, {"new_password1": "N3w-secret-pass", "new_password2": "N3w-secret-pass"})
    assert response.status_code == 302 and response.url == reverse("cabinet:password_reset_complete")
    assert sign_in(english_client(), "manager", "N3w-secret-pass").status_code == 302
    assert client.get(link, follow=True).context["validlink"] is False  # works once


def test_password_reset_of_an_unknown_address_says_the_same(db, mailoutbox):
    response = english_client().post(reverse("cabinet:password_reset"), {"email": "nobody@example.com"})
    delivery.drain()
    assert response.url == reverse("cabinet:password_reset_done") and mailoutbox == []


def test_an_invitation_whose_email_was_lost_is_sent_again_and_gets_the_person_in(owner, store, mailoutbox):
    """A lost invitation e-mail never strands the invitee: the outbox keeps it, and the owner
    sends it again with a fresh link; the older link stops working. Asking for a password reset
    gives a pending invitee nothing (no store yet, no password)."""
    invitation = store_member_invite(actor=Actor.seller(owner), store=store, email="late@example.com")
    OutboxMessage.objects.filter(event="member_invited").update(status="failed")  # the e-mail was lost
    english_client().post(reverse("cabinet:password_reset"), {"email": "late@example.com"})
    assert not OutboxMessage.objects.filter(event="password_reset").exists()
    first_link = invitation_link(StoreInvitation.objects.get(pk=invitation.pk))
    store_invitation_resend(actor=Actor.seller(owner), invitation=invitation)
    delivery.drain()
    assert [m.to for m in mailoutbox] == [["late@example.com"]]
    link = re.search(r"https?://[^/]+(/cabinet/invitation/[^\s]+/)", mailoutbox[0].body).group(1)
    assert link not in first_link
    client = english_client()
    client.post(link, {"new_password1": "N3w-secret-pass", "new_password2": "N3w-secret-pass"})
    assert StoreMember.objects.filter(store=store, user__email="late@example.com").exists()
    assert sign_in(english_client(), "late@example.com", "N3w-secret-pass").status_code == 302


def test_an_account_without_a_password_and_store_gets_no_link(db, mailoutbox):
    user = make_user("nobody-member", email="nomember@example.com")
    user.set_unusable_password()
    user.save()
    english_client().post(reverse("cabinet:password_reset"), {"email": "nomember@example.com"})
    assert not OutboxMessage.objects.filter(event="password_reset").exists()


def test_password_reset_is_throttled_per_address_and_per_ip(manager, store):
    url = reverse("cabinet:password_reset")
    client = english_client()
    for _ in range(RESET_PER_ADDRESS_PER_HOUR):
        assert client.post(url, {"email": "manager@example.com"}, REMOTE_ADDR="10.0.0.1").status_code == 302
    response = client.post(url, {"email": "Manager@example.com"}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 429 and "already sent several links" in response.content.decode()
    assert OutboxMessage.objects.filter(event="password_reset").count() == RESET_PER_ADDRESS_PER_HOUR
    for n in range(RESET_PER_IP_PER_HOUR - RESET_PER_ADDRESS_PER_HOUR):
        client.post(url, {"email": f"other{n}@example.com"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(url, {"email": "fresh@example.com"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429 and "from your network" in response.content.decode()
    assert client.post(url, {"email": "fresh@example.com"}, REMOTE_ADDR="10.0.0.3").status_code == 302


def test_password_reset_throttle_lifts_after_an_hour(manager, store, clock):
    url = reverse("cabinet:password_reset")
    client = english_client()
    for _ in range(RESET_PER_ADDRESS_PER_HOUR):
        client.post(url, {"email": "manager@example.com"})
    assert client.post(url, {"email": "manager@example.com"}).status_code == 429
    clock.move_to(platform_clock.now() + timedelta(minutes=61))
    assert client.post(url, {"email": "manager@example.com"}).status_code == 302


def test_signed_in_user_without_a_store_is_told(db):
    user = make_user("lonely")
    client = english_client()
    client.force_login(user)
    response = client.get(reverse("cabinet:order_list"))
    assert response.status_code == 403 and "You are not a member of any store" in response.content.decode()


@pytest.fixture
def two_stores(manager, store, place_order):
    second = make_store("Gamma Shop")
    StoreMember.objects.create(store=second, user=manager, role=StoreMember.Role.MANAGER)
    return store, second


def test_store_switcher(manager_client, two_stores, place_order, offers):
    first, second = two_stores
    mine = place_order()
    response = manager_client.get(reverse("cabinet:order_list"))
    assert response.context["request"].cabinet.store == first  # by name: Alpha before Gamma
    assert 'name="store"' in response.content.decode()
    response = manager_client.post(
        reverse("cabinet:store_switch"), {"store": second.pk, "next": reverse("cabinet:offer_list")}
    )
    assert response.status_code == 302 and response.url == reverse("cabinet:offer_list")
    response = manager_client.get(reverse("cabinet:order_list"), {"tab": "all"})
    assert response.context["request"].cabinet.store == second and list(response.context["rows"]) == []
    # Opening an order of the other own store switches to it.
    manager_client.get(reverse("cabinet:order_detail", args=[mine.pk]))
    assert Order.objects.get(pk=mine.pk).status == Status.ACCEPTED
    assert manager_client.session["cabinet_store_id"] == first.pk


def test_store_switch_after_an_order_page_goes_to_the_list(manager_client, two_stores, place_order):
    first, second = two_stores
    order = place_order()
    response = manager_client.post(
        reverse("cabinet:store_switch"), {"store": second.pk, "next": reverse("cabinet:order_detail", args=[order.pk])}
    )
    assert response.url == reverse("cabinet:order_list")


def test_ukrainian_by_default_and_a_language_switch(manager, store):
    client = Client()  # no language chosen yet
    client.force_login(manager)
    assert '<html lang="uk">' in client.get(reverse("cabinet:order_list")).content.decode()
    response = client.post("/i18n/setlang/", {"language": "ru", "next": reverse("cabinet:offer_list")})
    assert response.status_code == 302 and response.url == reverse("cabinet:offer_list")
    assert '<html lang="ru">' in client.get(reverse("cabinet:offer_list")).content.decode()


def test_lockout_page_of_the_cabinet(manager, store, settings):
    """With AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html" (for the settings module)."""
    settings.AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
    client = english_client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = sign_in(client, "manager", "wrong")
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.content.decode()
