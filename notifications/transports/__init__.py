"""Transports send one outbox message, rendered by the caller, and say how a failure should be treated."""

from __future__ import annotations

from datetime import datetime


class Failure(Exception):
    """A send that did not go through.

    permanent: retrying cannot help (bad address, refused recipient); the row fails now.
    retry_at: the earliest moment to try again (e.g. Telegram's retry_after), else backoff.
    pause_channel: the service itself is in trouble (down, timing out, throttling us): the other
        messages of this channel in the same batch wait instead of hammering it.
    chat_gone: the Telegram chat blocked the bot or no longer exists: unlink it.
    migrate_to: the Telegram group became a supergroup with this id.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_at: datetime | None = None,
        pause_channel: bool = False,
        chat_gone: bool = False,
        migrate_to: int | None = None,
    ):
        super().__init__(message)
        self.permanent = permanent or chat_gone
        self.retry_at = retry_at
        self.pause_channel = pause_channel
        self.chat_gone = chat_gone
        self.migrate_to = migrate_to
