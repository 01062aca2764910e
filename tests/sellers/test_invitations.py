"""Membership needs consent (issue 11, item 2): an invitation is a pending record with a signed,
expiring link; nobody gets access to a store before accepting it; an expired, revoked,
replaced, declined, used or tampered link gives none; only the owner revokes or re-sends,
checked in the service (docs/rules.md §11)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from marketplace import clock as platform_clock
from marketplace.actors import Actor
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.models import UserSettings
from notifications import delivery, rendering
from notifications.models import OutboxMessage
from sellers.models import StoreInvitation, StoreMember
from sellers.services import (
    INVITATION_DAYS,
    store_invitation_accept,
    store_invitation_resend,
    store_invitation_revoke,
    store_member_invite,
)
from tests.conftest import make_user
from tests.sellers.conftest import english_client

User = get_user_model()
PASSWORD = "pass-12345-word"  # tests.conftest.make_user
NEW_PASSWORD = "Fresh-pass-2026"


def invite(owner, store, email):
    return store_member_invite(actor=Actor.seller(owner), store=store, email=email)


def link_path(invitation) -> str:
    """The path of the link in the latest invitation e-mail of this invitation."""
    message = OutboxMessage.objects.filter(event="member_invited", recipient__iexact=invitation.email).latest("pk")
    return urlsplit(message.context["params"]["accept_url"]).path


def signed_in(user) -> Client:
    client = english_client()
    client.force_login(user)
    return client


def cabinet_stores(client) -> list[int]:
    response = client.get(reverse("cabinet:order_list"))
    if response.status_code != 200:
        return []
    return response.context["request"].cabinet.store_ids


def memberships(store, user) -> int:
    return StoreMember.objects.filter(store=store, user=user).count()


# --- no access before acceptance ------------------------------------------------------------


def test_an_invited_user_of_another_store_has_no_access_before_accepting(
    owner, store, outsider, outsider_store, place_order
):
    order = place_order()
    invitation = invite(owner, store, "OUTSIDER@example.com")
    assert invitation.user == outsider and invitation.accepted_at is None
    assert memberships(store, outsider) == 0
    client = signed_in(outsider)
    assert cabinet_stores(client) == [outsider_store.pk]  # no store switcher entry for Alpha
    assert client.get(reverse("cabinet:order_detail", args=[order.pk])).status_code == 404
    client.post(reverse("cabinet:store_switch"), {"store": store.pk})
    assert cabinet_stores(client) == [outsider_store.pk]
    page = client.get(reverse("cabinet:order_list")).content.decode()
    assert store.name not in page and order.buyer_phone not in page


def test_a_new_person_has_no_account_to_sign_in_with_before_accepting(owner, store, mailoutbox):
    invite(owner, store, "new@example.com")
    user = User.objects.get(email="new@example.com")
    assert not user.has_usable_password() and not StoreMember.objects.filter(user=user).exists()
    # The password reset gives such an account nothing either: consent comes first.
    english_client().post(reverse("cabinet:password_reset"), {"email": "new@example.com"})
    assert not OutboxMessage.objects.filter(event="password_reset").exists()


# --- acceptance -------------------------------------------------------------------------------


def test_an_existing_user_accepts_once_and_gets_access(owner, store, outsider, outsider_store, place_order):
    order = place_order()
    invitation = invite(owner, store, "outsider@example.com")
    path = link_path(invitation)
    client = signed_in(outsider)
    page = client.get(path)
    assert page.status_code == 200 and page.context["state"] == "confirm"
    assert page["Cache-Control"] and "no-store" in page["Cache-Control"]
    assert memberships(store, outsider) == 0  # opening the page changes nothing
    response = client.post(path)
    assert response.status_code == 302 and response.url == reverse("cabinet:order_list")
    member = StoreMember.objects.get(store=store, user=outsider)
    assert member.role == StoreMember.Role.MANAGER
    assert client.session["cabinet_store_id"] == store.pk
    assert client.get(reverse("cabinet:order_detail", args=[order.pk])).status_code == 200
    assert sorted(cabinet_stores(client)) == sorted([store.pk, outsider_store.pk])
    # Exactly once: the link is used up.
    again = client.post(path)
    assert again.status_code == 410 and "already been accepted" in again.content.decode()
    assert memberships(store, outsider) == 1
    assert client.get(path).status_code == 410
    # History: who invited, who accepted, when.
    rows = list(
        StoreInvitation.history.filter(id=invitation.pk)
        .order_by("history_date")
        .values_list("action", "actor_kind", "history_user")
    )
    assert rows == [("invite", "seller", owner.pk), ("accept", "seller", outsider.pk)]


def test_a_new_person_sets_a_password_and_accepts_in_one_form(owner, store, mailoutbox, settings):
    settings.SITE_URL = "https://cabinet.example"
    invitation = invite(owner, store, "New.Person@Example.com")
    delivery.drain()
    assert [m.to for m in mailoutbox] == [["new.person@example.com"]]
    body = mailoutbox[0].body
    assert "https://cabinet.example/cabinet/invitation/" in body and "password-reset" not in body
    path = link_path(invitation)
    client = english_client()
    page = client.get(path)
    assert page.context["state"] == "new_account" and "Choose a password" in page.content.decode()
    # A weak or mismatched password: a field error, nothing changes.
    bad = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": "Other-pass-2026"})
    assert bad.status_code == 422 and memberships(store, invitation.user) == 0
    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("cabinet:order_list")
    assert cabinet_stores(client) == [store.pk]  # signed in on the new store
    user = User.objects.get(pk=invitation.user_id)
    assert user.check_password(NEW_PASSWORD) and memberships(store, user) == 1
    signed = english_client().post(
        reverse("cabinet:login"), {"username": "new.person@example.com", "password": NEW_PASSWORD}
    )
    assert signed.status_code == 302


def test_an_existing_user_must_sign_in_as_the_invited_account(owner, store, outsider, outsider_store):
    invitation = invite(owner, store, "outsider@example.com")
    path = link_path(invitation)
    anonymous = english_client()
    page = anonymous.get(path)
    assert page.context["state"] == "sign_in"
    assert reverse("cabinet:login") in page.context["login_url"]
    # Nobody signed in may not take an account that has a password, nor set it.
    response = anonymous.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 403 and memberships(store, outsider) == 0
    outsider.refresh_from_db()
    assert outsider.check_password(PASSWORD)
    # Signed in as somebody else: told to sign in as the invited account; nothing changes.
    other = make_user("someone", email="someone@example.com")
    wrong = signed_in(other)
    page = wrong.get(path)
    assert page.context["state"] == "other_account" and "outsider@example.com" in page.content.decode()
    assert wrong.post(path).status_code == 403
    signed_out = wrong.post(reverse("cabinet:logout"), {"next": page.context["login_url"]})
    assert signed_out.status_code == 302 and signed_out.url == page.context["login_url"]
    assert not StoreMember.objects.filter(store=store, user__in=[other, outsider]).exists()
    # The sign-in brings the invitee back to the page, where they accept.
    client = english_client()
    signed = client.post(page.context["login_url"], {"username": "outsider", "password": PASSWORD})
    assert signed.status_code == 302 and signed.url == path
    assert client.post(path).status_code == 302 and memberships(store, outsider) == 1


def test_the_service_checks_who_accepts(owner, store, outsider, manager):
    invitation = invite(owner, store, "outsider@example.com")
    token = link_path(invitation).rstrip("/").rsplit("/", 1)[-1]
    with pytest.raises(NotAllowed):
        store_invitation_accept(token=token, user=manager)
    with pytest.raises(NotAllowed):
        store_invitation_accept(token=token, user=None, password=NEW_PASSWORD)
    assert memberships(store, outsider) == 0
    store_invitation_accept(token=token, user=outsider)
    with pytest.raises(RuleViolation, match="already been accepted"):
        store_invitation_accept(token=token, user=outsider)
    assert memberships(store, outsider) == 1


# --- links that give nothing ----------------------------------------------------------------


def _expire(invitation, clock):
    clock.move_to(platform_clock.now() + timedelta(days=INVITATION_DAYS, minutes=1))


def _revoke(invitation, clock):
    store_invitation_revoke(actor=Actor.seller(invitation.invited_by), invitation=invitation)


def _decline(invitation, clock):
    assert english_client().post(reverse("cabinet:invitation_decline", args=[_token(invitation)])).status_code == 200


def _replace(invitation, clock):
    old = link_path(invitation)
    store_invitation_resend(actor=Actor.seller(invitation.invited_by), invitation=invitation)
    assert link_path(invitation) != old
    invitation._old_path = old


def _token(invitation) -> str:
    return link_path(invitation).rstrip("/").rsplit("/", 1)[-1]


@pytest.mark.parametrize(
    ("spoil", "code", "words"),
    [
        (_expire, "expired", "expired"),
        (_revoke, "revoked", "withdrawn"),
        (_decline, "declined", "declined"),
        (_replace, "replaced", "newer invitation"),
    ],
)
@pytest.mark.parametrize("who", ["new", "existing"])
def test_an_expired_revoked_declined_or_replaced_link_gives_nothing(
    owner, store, outsider, clock, spoil, code, words, who
):
    email = "new@example.com" if who == "new" else "outsider@example.com"
    invitation = invite(owner, store, email)
    path = link_path(invitation)
    spoil(invitation, clock)
    path = getattr(invitation, "_old_path", path)
    client = english_client() if who == "new" else signed_in(outsider)
    payload = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    for response in (client.get(path), client.post(path, payload)):
        assert response.status_code == 410
        assert response.context["code"] == code and words in response.content.decode()
    user = User.objects.get(pk=invitation.user_id)
    assert memberships(store, user) == 0
    assert user.has_usable_password() == (who == "existing")  # a new person's password was not set
    assert store.pk not in cabinet_stores(client)


def test_the_expiry_is_exact(owner, store, outsider, clock):
    invitation = invite(owner, store, "outsider@example.com")
    assert invitation.expires_at == invitation.created_at + timedelta(days=INVITATION_DAYS)
    path = link_path(invitation)
    client = signed_in(outsider)
    clock.move_to(invitation.expires_at - timedelta(minutes=1))
    assert client.get(path).status_code == 200
    clock.move_to(invitation.expires_at)
    assert client.post(path).status_code == 410 and memberships(store, outsider) == 0


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature
        lambda t: "9" + t,  # the payload
        lambda t: "garbage",
        lambda t: t.rsplit(":", 1)[0],  # no signature at all
        lambda t: "W" * 4000 + ":" + "x" * 43,  # huge
        lambda t: "WzEsIngiXQ:",  # a payload with an empty signature
    ],
)
def test_a_tampered_link_gives_nothing(owner, store, outsider, mangle):
    invitation = invite(owner, store, "outsider@example.com")
    url = reverse("cabinet:invitation", args=[mangle(_token(invitation))])
    client = signed_in(outsider)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 404 and "not valid" in response.content.decode()
    assert client.post(reverse("cabinet:invitation_decline", args=[mangle(_token(invitation))])).status_code == 404
    assert memberships(store, outsider) == 0
    assert StoreInvitation.objects.get(pk=invitation.pk).is_open


def test_a_declined_invitation_gives_no_access_and_may_be_sent_anew(owner, store, outsider):
    invitation = invite(owner, store, "outsider@example.com")
    client = signed_in(outsider)
    response = client.post(reverse("cabinet:invitation_decline", args=[_token(invitation)]))
    assert response.status_code == 200 and "declined" in response.content.decode()
    assert memberships(store, outsider) == 0
    assert StoreInvitation.objects.get(pk=invitation.pk).declined_at is not None
    fresh = invite(owner, store, "outsider@example.com")
    assert fresh.pk != invitation.pk and fresh.is_open


# --- the owner's side --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "outsider", "moderator"])
def test_only_the_owner_revokes_or_resends_checked_in_the_service(owner, store, manager, outsider, moderator, who):
    invitation = invite(owner, store, "new@example.com")
    actor = (
        Actor.moderator(moderator) if who == "moderator" else Actor.seller(manager if who == "manager" else outsider)
    )
    messages = OutboxMessage.objects.count()
    with pytest.raises(NotAllowed):
        store_invitation_revoke(actor=actor, invitation=invitation)
    with pytest.raises(NotAllowed):
        store_invitation_resend(actor=actor, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.is_open and invitation.times_sent == 1 and OutboxMessage.objects.count() == messages
    store_invitation_revoke(actor=Actor.seller(owner), invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    with pytest.raises(RuleViolation, match="no longer open"):
        store_invitation_revoke(actor=Actor.seller(owner), invitation=invitation)


def test_inviting_an_invited_address_sends_the_invitation_again(owner, store, clock, mailoutbox):
    first = invite(owner, store, "new@example.com")
    old = link_path(first)
    clock.move_to(platform_clock.now() + timedelta(days=3))
    again = invite(owner, store, "NEW@example.com")
    assert again.pk == first.pk and again.times_sent == 2
    assert again.expires_at == again.sent_at + timedelta(days=INVITATION_DAYS) > first.expires_at
    assert StoreInvitation.objects.filter(store=store).count() == 1
    assert OutboxMessage.objects.filter(event="member_invited").count() == 2
    assert link_path(again) != old
    assert english_client().get(old).status_code == 410
    assert english_client().get(link_path(again)).status_code == 200


def test_an_expired_invitation_is_sent_again_on_a_new_invite(owner, store, outsider, clock):
    invitation = invite(owner, store, "outsider@example.com")
    clock.move_to(platform_clock.now() + timedelta(days=INVITATION_DAYS + 1))
    again = invite(owner, store, "outsider@example.com")
    assert again.pk == invitation.pk and again.expires_at > platform_clock.now()
    assert signed_in(outsider).post(link_path(again)).status_code == 302
    assert memberships(store, outsider) == 1


def test_the_owner_sees_pending_invitations_resends_and_revokes_them(owner_client, manager_client, store, owner, clock):
    invitation = invite(owner, store, "new@example.com")
    expired = invite(owner, store, "late@example.com")
    StoreInvitation.objects.filter(pk=expired.pk).update(expires_at=platform_clock.now() - timedelta(hours=1))
    page = owner_client.get(reverse("cabinet:store_settings"))
    assert [i.email for i in page.context["invitations"]] == ["late@example.com", "new@example.com"]
    html = page.content.decode()
    assert f'data-invitation="{invitation.pk}"' in html and "valid until" in html and "expired" in html
    assert reverse("cabinet:invitation_revoke", args=[invitation.pk]) in html
    # A manager sees no invitations and no buttons; their posts are refused.
    manager_page = manager_client.get(reverse("cabinet:store_settings")).content.decode()
    assert "data-invitation" not in manager_page
    assert manager_client.post(reverse("cabinet:invitation_revoke", args=[invitation.pk])).status_code == 403
    # Re-send: a new link, the old one gives nothing.
    old = link_path(invitation)
    response = owner_client.post(reverse("cabinet:invitation_resend", args=[invitation.pk]), follow=True)
    assert "again" in response.content.decode() and english_client().get(old).status_code == 410
    # Revoke: the link gives nothing, the invitation leaves the list.
    response = owner_client.post(reverse("cabinet:invitation_revoke", args=[invitation.pk]), follow=True)
    assert "revoked" in response.content.decode()
    assert [i.email for i in response.context["invitations"]] == ["late@example.com"]
    assert english_client().get(link_path(invitation)).status_code == 410


def test_another_stores_owner_cannot_touch_an_invitation(owner, store, outsider_client):
    invitation = invite(owner, store, "new@example.com")
    for name in ("invitation_resend", "invitation_revoke"):
        assert outsider_client.post(reverse(f"cabinet:{name}", args=[invitation.pk])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.is_open and invitation.times_sent == 1


def test_the_invite_form_says_what_happens(owner_client, store):
    response = owner_client.post(reverse("cabinet:member_invite"), {"email": "new@example.com"}, follow=True)
    assert "We sent an invitation to new@example.com" in response.content.decode()
    response = owner_client.post(reverse("cabinet:member_invite"), {"email": "new@example.com"}, follow=True)
    assert "was invited already: we sent the invitation again" in response.content.decode()
    assert not StoreMember.objects.filter(store=store, user__email="new@example.com").exists()


def test_admin_and_logs_never_show_the_link(owner, store):
    invitation = invite(owner, store, "new@example.com")
    message = OutboxMessage.objects.get(event="member_invited")
    shown = rendering.redacted(message.context)
    assert shown["params"]["accept_url"] == rendering.MASK
    assert _token(invitation) not in str(shown)


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_the_owner_is_told_when_the_invitation_is_answered(owner, store, outsider, answer):
    UserSettings.objects.update_or_create(user=owner, defaults={"language": "en"})  # told in their own language
    invitation = invite(owner, store, "outsider@example.com")
    client = signed_in(outsider)
    target = "cabinet:invitation" if answer == "accept" else "cabinet:invitation_decline"
    client.post(reverse(target, args=[_token(invitation)]))
    told = OutboxMessage.objects.filter(event="invitation_answered")
    assert [m.recipient for m in told] == [owner.email]
    message = told.get()
    assert message.context["params"]["accepted"] is (answer == "accept") and message.language == "en"
    shown = rendering.render_message(message)
    subject, text = shown["subject"], shown["text"]
    assert "outsider@example.com" in subject and ("accepted" if answer == "accept" else "declined") in subject
    assert "/cabinet/settings/" in text
    # Answered once: a second post changes nothing and tells nobody again.
    client.post(reverse(target, args=[_token(invitation)]))
    assert OutboxMessage.objects.filter(event="invitation_answered").count() == 1


def test_moderators_see_invitations_in_admin_read_only(owner, store, moderator):
    invitation = invite(owner, store, "new@example.com")
    client = signed_in(moderator)
    listing = client.get(reverse("admin:sellers_storeinvitation_changelist"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "new@example.com" in body and "waiting for an answer" in body
    page = client.get(reverse("admin:sellers_storeinvitation_change", args=[invitation.pk]))
    assert page.status_code == 200 and invitation.nonce not in page.content.decode()
    # No edits from admin: consent goes through the invitee's link only.
    client.post(reverse("admin:sellers_storeinvitation_change", args=[invitation.pk]), {"email": "x@example.com"})
    invitation.refresh_from_db()
    assert invitation.email == "new@example.com"
    assert client.get(reverse("admin:sellers_storeinvitation_add")).status_code == 403
