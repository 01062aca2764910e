"""Linking a store's Telegram chat through a deep link with a one-time, expiring token;
unlinking it by hand or when the chat is gone; reading the bot's `/start` updates strictly."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace import clock
from marketplace.actors import Actor, ActorKind
from marketplace.errors import NotAllowed, ServiceError
from marketplace.history import stamp
from sellers.models import Store, StoreMember

from .models import Channel, OutboxMessage, TelegramLinkToken
from .services import notify

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
START_RE = re.compile(r"^/start(?:@([A-Za-z0-9_]{1,64}))?(?:[ \t]+([A-Za-z0-9_-]{1,64}))?[ \t]*$")
MAX_UPDATE_BYTES = 64 * 1024


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_owner(actor: Actor, store_id: int) -> None:
    """Linking and unlinking the store's chat is the owner's (docs/rules.md §11), checked here
    whatever the page showed; the platform unlinks a chat that is gone."""
    if actor.kind == ActorKind.PLATFORM:
        return
    user = actor.user
    if (
        actor.kind != ActorKind.SELLER
        or user is None
        or not user.is_active
        or not StoreMember.objects.filter(store_id=store_id, user=user, role=StoreMember.Role.OWNER).exists()
    ):
        raise NotAllowed(_("Only the store's owner may link or unlink its Telegram chat."))


def telegram_link_start(*, actor: Actor, store: Store) -> str:
    """A deep link `https://t.me/<bot>?start=<token>` for this store; the token is used once and
    expires (TELEGRAM_LINK_TTL_MINUTES). Earlier unused links of the store stop working."""
    if not settings.TELEGRAM_BOT_TOKEN or not settings.TELEGRAM_BOT_NAME:
        raise ServiceError(_("Telegram notifications are not available on this platform."), code="telegram_off")
    if actor.kind == ActorKind.PLATFORM:
        raise NotAllowed(_("Only the store's owner may link or unlink its Telegram chat."))
    token = secrets.token_urlsafe(32)  # 43 characters of [A-Za-z0-9_-], 256 random bits
    now = clock.now()
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk)
        _check_owner(actor, store.pk)
        TelegramLinkToken.objects.filter(store=store, used_at__isnull=True).delete()
        TelegramLinkToken.objects.create(
            store=store,
            created_by=actor.user,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + timedelta(minutes=settings.TELEGRAM_LINK_TTL_MINUTES),
        )
    return f"https://t.me/{settings.TELEGRAM_BOT_NAME}?start={token}"


def telegram_link_complete(*, chat_id: int, token: str, language: str = "") -> Store | None:
    """The bot got `/start <token>` from `chat_id`: bind the chat to the token's store and say so
    in the chat. An unknown, used or expired token gets a short answer in the chat instead."""
    now = clock.now()
    with transaction.atomic():
        link = (
            (
                TelegramLinkToken.objects.select_for_update()
                .select_related("store")
                .filter(token_hash=token_hash(token))
                .first()
            )
            if TOKEN_RE.fullmatch(token)
            else None
        )
        if link is None or link.used_at is not None or link.expires_at <= now:
            # One answer per chat and hour at most, whatever is sent to the bot.
            notify("telegram_link_invalid", chat_id=chat_id, language=language, occurrence=f"{chat_id}:{now:%Y%m%d%H}")
            return None
        store = Store.objects.select_for_update().get(pk=link.store_id)
        link.used_at, link.chat_id = now, chat_id
        link.save(update_fields=["used_at", "chat_id"])
        store.telegram_chat_id = chat_id
        stamp(store, Actor(ActorKind.SELLER, link.created_by), "telegram_link")
        store.save(update_fields=["telegram_chat_id"])
        notify("telegram_linked", store=store, occurrence=link.pk)
    return store


def telegram_unlink(*, actor: Actor, store: Store, reason: str = "") -> bool:
    """Stop sending to the store's chat: the owner, or the platform when the chat blocked the
    bot or is gone (`reason`; the store is told by e-mail). Messages still waiting for that chat
    are failed."""
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store.pk)
        _check_owner(actor, store.pk)
        chat_id = store.telegram_chat_id
        if chat_id is None:
            return False
        store.telegram_chat_id = None
        stamp(store, actor, "telegram_unlink", reason)
        store.save(update_fields=["telegram_chat_id"])
        if not Store.objects.filter(telegram_chat_id=chat_id).exists():
            _fail_waiting(chat_id, reason or "chat unlinked")
        if reason:
            notify("telegram_unlinked", store=store, reason=reason, occurrence=clock.now().isoformat())
    return True


def telegram_chat_gone(*, chat_id: int, reason: str) -> int:
    """Telegram says the chat blocked the bot or no longer exists: unlink it from every store."""
    count = 0
    for store in Store.objects.filter(telegram_chat_id=chat_id):
        count += telegram_unlink(actor=Actor.platform(), store=store, reason=reason)
    _fail_waiting(chat_id, reason)
    return count


def telegram_chat_migrated(*, old_chat_id: int, new_chat_id: int) -> int:
    """A group became a supergroup: its stores follow it to the new chat id."""
    with transaction.atomic():
        count = Store.objects.filter(telegram_chat_id=old_chat_id).update(telegram_chat_id=new_chat_id)
        OutboxMessage.objects.filter(
            channel=Channel.TELEGRAM, recipient=str(old_chat_id), status=OutboxMessage.Status.PENDING
        ).update(recipient=str(new_chat_id))
    return count


def _fail_waiting(chat_id: int, reason: str) -> None:
    OutboxMessage.objects.filter(
        channel=Channel.TELEGRAM, recipient=str(chat_id), status=OutboxMessage.Status.PENDING
    ).update(status=OutboxMessage.Status.FAILED, last_error=f"chat unlinked: {reason}"[:2000])


@dataclass(frozen=True)
class StartCommand:
    chat_id: int
    token: str  # '' when /start came without a token
    language: str


def parse_start(body: bytes) -> StartCommand | None:
    """A `/start [token]` message from a Bot API update, or None for anything else.

    Strict: a JSON object with an integer update_id and a message whose chat has an integer
    id and whose text is exactly `/start`, `/start <token>` or `/start@<this bot> <token>`."""
    if len(body) > MAX_UPDATE_BYTES:
        return None
    try:
        update = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(update, dict) or not _is_int(update.get("update_id")):
        return None
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    chat, text = message.get("chat"), message.get("text")
    if not isinstance(chat, dict) or not _is_int(chat.get("id")) or not isinstance(text, str):
        return None
    if chat.get("type") not in {"private", "group", "supergroup"}:
        return None
    match = START_RE.fullmatch(text.strip())
    if match is None:
        return None
    bot, token = match.groups()
    if bot and settings.TELEGRAM_BOT_NAME and bot.lower() != settings.TELEGRAM_BOT_NAME.lower():
        return None
    sender = message.get("from")
    language = sender.get("language_code") if isinstance(sender, dict) else None
    language = language[:2] if isinstance(language, str) and language[:2] in dict(settings.LANGUAGES) else ""
    return StartCommand(chat_id=chat["id"], token=token or "", language=language)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
