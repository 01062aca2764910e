"""The Telegram Bot API over HTTP: a small client (timeouts, one session) and the transport
that sends outbox rows and classifies the Bot API's answers."""

from __future__ import annotations

from datetime import timedelta

import requests
from django.conf import settings

from marketplace import clock

from . import Failure
from .http import pin_environment

# Descriptions of answers that mean the chat is gone for good: unlink it and tell the store.
CHAT_GONE = (
    "bot was blocked by the user",
    "chat not found",
    "bot was kicked",
    "user is deactivated",
    "group chat was deleted",
    "bot is not a member",
    "have no rights to send",
    "need administrator rights",
)


class TelegramError(Exception):
    def __init__(
        self, description: str, *, status: int | None, retry_after: int | None = None, migrate_to: int | None = None
    ):
        super().__init__(description)
        self.description = description
        self.status = status
        self.retry_after = retry_after
        self.migrate_to = migrate_to


class TelegramClient:
    """Calls Bot API methods; raises TelegramError with the API's description and parameters."""

    def __init__(self, *, token: str | None = None, api_url: str | None = None, timeout: float | None = None):
        self.token = token if token is not None else settings.TELEGRAM_BOT_TOKEN
        self.api_url = (api_url or settings.TELEGRAM_API_URL).rstrip("/")
        self.timeout = timeout if timeout is not None else settings.HTTP_TIMEOUT
        self.session = pin_environment(requests.Session(), self.api_url)

    def close(self) -> None:
        self.session.close()

    def call(self, method: str, **params) -> dict | bool | list:
        if not self.token:
            raise TelegramError("TELEGRAM_BOT_TOKEN is not set", status=None)
        url = f"{self.api_url}/bot{self.token}/{method}"
        try:
            response = self.session.post(url, json=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TelegramError(f"{type(exc).__name__}: no answer from the Bot API", status=None) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise TelegramError(f"HTTP {response.status_code}: not a Bot API answer", status=response.status_code)
        if body.get("ok") is True and response.status_code == 200:
            return body.get("result")
        parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
        retry_after = parameters.get("retry_after")
        migrate_to = parameters.get("migrate_to_chat_id")
        raise TelegramError(
            str(body.get("description") or f"HTTP {response.status_code}"),
            status=int(body.get("error_code") or response.status_code),
            retry_after=retry_after if isinstance(retry_after, int) and retry_after >= 0 else None,
            migrate_to=migrate_to if isinstance(migrate_to, int) else None,
        )

    def send_message(self, chat_id: int | str, text: str, *, parse_mode: str | None = "HTML") -> int:
        params = {"chat_id": int(chat_id), "text": text, "link_preview_options": {"is_disabled": True}}
        if parse_mode:
            params["parse_mode"] = parse_mode
        result = self.call("sendMessage", **params)
        return int(result["message_id"]) if isinstance(result, dict) and "message_id" in result else 0


class TelegramTransport:
    def __init__(self):
        self.client = None

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def send(self, message, content: dict) -> str:
        """Send one outbox row rendered as `content` ({text, parse_mode})."""
        if self.client is None:
            self.client = TelegramClient()
        try:
            return str(
                self.client.send_message(message.recipient, content["text"], parse_mode=content.get("parse_mode"))
            )
        except TelegramError as exc:
            raise classify(exc) from exc


def classify(exc: TelegramError) -> Failure:
    description, status = exc.description, exc.status
    lowered = description.lower()
    if status == 429:
        wait = max(1, exc.retry_after or 1)
        return Failure(
            f"Telegram 429: {description}", retry_at=clock.now() + timedelta(seconds=wait), pause_channel=True
        )
    if exc.migrate_to is not None:
        return Failure(f"Telegram: {description}", migrate_to=exc.migrate_to)
    if status in (400, 403) and any(marker in lowered for marker in CHAT_GONE):
        return Failure(f"Telegram {status}: {description}", chat_gone=True)
    if status is None or status >= 500 or status in (401, 404):
        # No answer, the API's own trouble, or a bad token (the API answers 401/404): try later.
        return Failure(f"Telegram {status or 'unavailable'}: {description}", pause_channel=True)
    return Failure(f"Telegram {status}: {description}", permanent=True)
