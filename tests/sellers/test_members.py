"""Members: only the owner manages them, checked in the service; the invitation goes through the
outbox and gives no access until accepted (docs/rules.md §9, §11; tests/sellers/test_invitations.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from marketplace.actors import Actor
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.models import UserSettings
from notifications import delivery
from notifications.models import OutboxMessage
from sellers.models import Store, StoreMember
from sellers.services import (
    store_member_invite,
    store_member_remove,
    store_update_email,
    store_update_language,
)

User = get_user_model()


def _state(store):
    return (
        sorted(StoreMember.objects.filter(store=store).values_list("user_id", "role")),
        User.objects.count(),
        OutboxMessage.objects.count(),
        Store.objects.filter(pk=store.pk).values_list("email", "language").get(),
    )


@pytest.mark.parametrize("who", ["manager", "outsider"])
def test_member_management_is_the_owners_in_the_service(store, manager, owner, outsider, outsider_store, who):
    actor = Actor.seller(manager if who == "manager" else outsider)
    before = _state(store)
    with pytest.raises(NotAllowed):
        store_member_invite(actor=actor, store=store, email="new@example.com")
    with pytest.raises(NotAllowed):
        store_member_remove(actor=actor, member=StoreMember.objects.get(store=store, user=manager))
    with pytest.raises(NotAllowed):
        store_update_email(actor=actor, store=store, email="x@example.com")
    with pytest.raises(NotAllowed):
        store_update_language(actor=actor, store=store, language="en")
    assert _state(store) == before


def test_a_moderator_is_no_owner_either(store, manager, moderator):
    with pytest.raises(NotAllowed):
        store_member_invite(actor=Actor.moderator(moderator), store=store, email="new@example.com")


def test_the_invitation_goes_through_the_outbox_even_when_mail_is_down(store, owner, settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.sellers.test_members.DownBackend"
    invitation = store_member_invite(actor=Actor.seller(owner), store=store, email="new@example.com")
    message = OutboxMessage.objects.get(event="member_invited")
    assert (message.recipient, message.status, message.store_id) == ("new@example.com", "pending", store.pk)
    # A pending invitation, no membership until the invitee accepts it (issue 11).
    assert invitation.is_open and not StoreMember.objects.filter(store=store, user=invitation.user).exists()
    delivery.drain()  # the mail service is down: the message waits for the next attempt
    message.refresh_from_db()
    assert message.status == "pending" and message.attempts == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
    delivery.drain()
    assert [m.to for m in mailoutbox] == [["new@example.com"]]
    assert "/cabinet/invitation/" in mailoutbox[0].body and "/cabinet/password-reset/" not in mailoutbox[0].body


def test_a_refused_invitation_writes_no_message(store, owner, manager):
    with pytest.raises(RuleViolation):
        store_member_invite(actor=Actor.seller(owner), store=store, email="manager@example.com")
    assert not OutboxMessage.objects.exists()


def test_the_invitation_is_in_the_invited_persons_language(store, owner):
    user = User.objects.create_user("known", email="known@example.com", password="x-pass-12345")
    UserSettings.objects.create(user=user, language="ru")
    store_member_invite(actor=Actor.seller(owner), store=store, email="known@example.com")
    message = OutboxMessage.objects.get(event="member_invited")
    assert message.language == "ru" and "password-reset" not in str(message.context)
    assert message.context["params"]["new_account"] is False  # they sign in with their own password


@pytest.mark.parametrize("email", ["a" * 245 + "@example.com", "b" * 140 + "@example.com"])
def test_a_too_long_address_is_refused_clearly(store, owner, email):
    with pytest.raises(RuleViolation, match="too long"):
        store_member_invite(actor=Actor.seller(owner), store=store, email=email)
    assert StoreMember.objects.filter(store=store).count() == 2 and not OutboxMessage.objects.exists()


class DownBackend:
    """An e-mail backend whose service is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("mail service is down")

    def open(self):
        pass

    def close(self):
        pass


def test_offer_stock_and_pause_are_in_history_with_who_and_why(offers, manager):
    from sellers.services import offer_set_paused, offer_update_stock

    offer = offers[0]
    offer_update_stock(actor=Actor.seller(manager), offer=offer, stock=3)
    offer_set_paused(actor=Actor.seller(manager), offer=offer, paused=True)
    rows = list(
        offer.history.order_by("history_date").values_list("stock", "paused", "action", "actor_kind", "history_user")
    )
    assert rows[-2:] == [(3, False, "edit_stock", "seller", manager.pk), (3, True, "pause", "seller", manager.pk)]


def test_hiding_a_stores_offers_is_in_its_history(store):
    from sellers.services import store_hide_offers

    store_hide_offers(actor=Actor.platform(), store=store, reason="3 or more orders expired within 30 days.")
    store.refresh_from_db()
    assert store.offers_hidden and store.offers_hidden_reason.startswith("3 or more")
    row = store.history.latest("history_date")
    assert (row.offers_hidden, row.action, row.actor_kind, row.history_user, row.history_change_reason) == (
        True,
        "hide_offers",
        "platform",
        None,
        "3 or more orders expired within 30 days.",
    )
    store_hide_offers(actor=Actor.platform(), store=store, reason="again")  # already hidden: no new row
    assert store.history.filter(action="hide_offers").count() == 1
