"""Telegram: sending through the Bot API (a local fake), throttling, a chat that is gone,
linking a chat with a one-time deep link through the webhook, and setting the webhook."""

import json
import re
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from marketplace.actors import Actor
from marketplace.errors import NotAllowed
from notifications import delivery
from notifications.models import OutboxMessage, TelegramLinkToken
from notifications.telegram_link import telegram_link_start, telegram_unlink, token_hash
from tests.notifications.fakes import BOT_NAME, WEBHOOK_SECRET, counts, telegram_error

pytestmark = pytest.mark.django_db
CHAT = 777000111


def telegram_rows():
    return OutboxMessage.objects.filter(channel="telegram").order_by("pk")


def test_429_honours_retry_after(place_order, linked_store, channels):
    esp, telegram = channels
    place_order()
    telegram.then(telegram_error(429, "Too Many Requests: retry after 1", retry_after=1))

    before = timezone.now()
    result = delivery.drain()
    assert result.sent == 2 and result.retried == 1  # e-mails went; Telegram waits
    row = telegram_rows().get()
    assert row.status == "pending" and "429" in row.last_error
    assert before + timedelta(seconds=0.9) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=1.1)
    assert delivery.drain().sent == 0  # not before retry_after
    time.sleep(max(0.0, (row.next_attempt_at - timezone.now()).total_seconds()) + 0.05)
    assert delivery.drain().sent == 1
    assert telegram.received == 2 and [m["chat_id"] for m in telegram.sent] == [CHAT]
    assert counts() == {"pending": 0, "sending": 0, "sent": 3, "failed": 0}


@pytest.mark.parametrize(
    "status,description",
    [
        (403, "Forbidden: bot was blocked by the user"),
        (400, "Bad Request: chat not found"),
    ],
)
def test_a_gone_chat_is_unlinked_and_the_store_told_by_email(place_order, linked_store, channels, status, description):
    esp, telegram = channels
    order = place_order()
    from notifications.services import notify

    notify("deadline_excellent_passed", order=order)  # a second message waiting for the same chat
    telegram.then(telegram_error(status, description))

    delivery.drain()
    linked_store.refresh_from_db()
    assert linked_store.telegram_chat_id is None
    assert set(telegram_rows().values_list("status", flat=True)) == {"failed"}
    assert telegram.received == 1  # the second message was not tried against a gone chat
    told = esp.to("owner@example.com")
    assert any(description in m["TextBody"] and "Alpha Shop" in m["Subject"] for m in told)
    assert counts()["pending"] == 0 and counts()["sending"] == 0


def test_a_group_that_became_a_supergroup_is_followed(place_order, linked_store, channels):
    _, telegram = channels
    place_order()
    telegram.then(
        telegram_error(400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=-100123)
    )
    delivery.drain()
    linked_store.refresh_from_db()
    assert linked_store.telegram_chat_id == -100123
    assert [m["chat_id"] for m in telegram.sent] == [-100123]
    assert counts()["sent"] == 3


def test_link_start_makes_a_one_time_deep_link(store, owner, channels):
    url = telegram_link_start(actor=Actor.seller(owner), store=store)
    match = re.fullmatch(rf"https://t\.me/{BOT_NAME}\?start=([A-Za-z0-9_-]+)", url)
    assert match and len(match.group(1)) <= 64
    token = match.group(1)
    link = TelegramLinkToken.objects.get()
    assert link.token_hash == token_hash(token) and token not in link.token_hash
    assert link.expires_at > timezone.now() + timedelta(minutes=20)


def test_outsiders_cannot_link(store, outsider, channels):
    with pytest.raises(NotAllowed):
        telegram_link_start(actor=Actor.seller(outsider), store=store)


@pytest.mark.parametrize("who", ["manager", "outsider"])
def test_only_the_owner_links_or_unlinks_in_the_service(linked_store, manager, outsider, channels, who):
    """docs/rules.md §11: checked in the service, whatever the page shows."""
    actor = Actor.seller(manager if who == "manager" else outsider)
    with pytest.raises(NotAllowed):
        telegram_link_start(actor=actor, store=linked_store)
    with pytest.raises(NotAllowed):
        telegram_unlink(actor=actor, store=linked_store)
    linked_store.refresh_from_db()
    assert linked_store.telegram_chat_id == CHAT
    assert not TelegramLinkToken.objects.exists()
    assert not linked_store.history.filter(action="telegram_unlink").exists()


def test_unlink_is_in_the_store_history_with_who(linked_store, owner, channels):
    telegram_unlink(actor=Actor.seller(owner), store=linked_store)
    row = linked_store.history.latest("history_date")
    assert (row.telegram_chat_id, row.action, row.actor_kind, row.history_user) == (
        None,
        "telegram_unlink",
        "seller",
        owner,
    )


def update(text: str, chat_id: int = CHAT, **extra) -> str:
    return json.dumps(
        {
            "update_id": 1,
            "message": {
                "message_id": 5,
                "text": text,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "O", "language_code": "en"},
                **extra,
            },
        }
    )


def post_update(client, body: str, secret: str = WEBHOOK_SECRET):
    return client.post(
        reverse("notifications:telegram_webhook"),
        data=body,
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": secret},
    )


def test_webhook_binds_the_chat_and_says_so(client, store, owner, channels):
    _, telegram = channels
    token = telegram_link_start(actor=Actor.seller(owner), store=store).split("start=")[1]
    response = post_update(client, update(f"/start {token}"))
    assert response.status_code == 200
    store.refresh_from_db()
    assert store.telegram_chat_id == CHAT
    delivery.drain()
    assert [m["chat_id"] for m in telegram.sent] == [CHAT] and "Alpha Shop" in telegram.sent[0]["text"]

    # The token is spent: a second use binds nothing and gets a short answer.
    store.telegram_chat_id = None
    store.save(update_fields=["telegram_chat_id"])
    assert post_update(client, update(f"/start {token}", chat_id=42)).status_code == 200
    store.refresh_from_db()
    assert store.telegram_chat_id is None
    assert OutboxMessage.objects.filter(event="telegram_link_invalid", recipient="42").count() == 1


def test_an_expired_token_binds_nothing(client, store, owner, channels):
    token = telegram_link_start(actor=Actor.seller(owner), store=store).split("start=")[1]
    TelegramLinkToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert post_update(client, update(f"/start {token}")).status_code == 200
    store.refresh_from_db()
    assert store.telegram_chat_id is None


@pytest.mark.parametrize(
    "body,secret",
    [
        ("{{{ not json", WEBHOOK_SECRET),
        (json.dumps([1, 2, 3]), WEBHOOK_SECRET),
        (
            json.dumps({"update_id": 1, "message": {"text": "/start TOKEN", "chat": {"id": "777", "type": "private"}}}),
            WEBHOOK_SECRET,
        ),
        (
            json.dumps({"update_id": True, "message": {"text": "/start TOKEN", "chat": {"id": 7, "type": "private"}}}),
            WEBHOOK_SECRET,
        ),
        (update("/start not a token!"), WEBHOOK_SECRET),
        (update("/start@SomeOtherBot TOKEN"), WEBHOOK_SECRET),
        (update("hello"), WEBHOOK_SECRET),
        (update("/start TOKEN"), "wrong-secret"),
        (update("/start TOKEN"), ""),
    ],
)
def test_webhook_ignores_anything_else_and_still_answers_200(client, store, owner, channels, body, secret):
    token = telegram_link_start(actor=Actor.seller(owner), store=store).split("start=")[1]
    body = body.replace("TOKEN", token)
    assert post_update(client, body, secret=secret).status_code == 200
    store.refresh_from_db()
    assert store.telegram_chat_id is None
    assert OutboxMessage.objects.count() == 0
    assert TelegramLinkToken.objects.get().used_at is None


def test_webhook_accepts_start_addressed_to_this_bot_in_a_group(client, store, owner, channels):
    token = telegram_link_start(actor=Actor.seller(owner), store=store).split("start=")[1]
    body = json.dumps(
        {"update_id": 9, "message": {"text": f"/start@{BOT_NAME} {token}", "chat": {"id": -4001, "type": "group"}}}
    )
    assert post_update(client, body).status_code == 200
    store.refresh_from_db()
    assert store.telegram_chat_id == -4001


def test_webhook_is_csrf_exempt(store, owner, channels):
    from django.test import Client

    token = telegram_link_start(actor=Actor.seller(owner), store=store).split("start=")[1]
    strict = Client(enforce_csrf_checks=True)
    assert post_update(strict, update(f"/start {token}")).status_code == 200
    store.refresh_from_db()
    assert store.telegram_chat_id == CHAT


def test_unlink_by_hand_fails_what_waits_for_the_chat(place_order, linked_store, channels):
    place_order()
    assert telegram_unlink(actor=Actor.seller(linked_store.owner()), store=linked_store)
    linked_store.refresh_from_db()
    assert linked_store.telegram_chat_id is None
    assert telegram_rows().get().status == "failed"
    assert not OutboxMessage.objects.filter(event="telegram_unlinked").exists()  # the store did it itself


def test_set_webhook_command(channels, settings):
    _, telegram = channels
    settings.SITE_URL = "https://market.example"
    call_command("telegram_set_webhook")
    assert telegram.webhook_calls == [
        {
            "url": "https://market.example/telegram/webhook/",
            "secret_token": WEBHOOK_SECRET,
            "allowed_updates": ["message"],
            "drop_pending_updates": False,
        }
    ]
