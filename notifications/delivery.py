"""Delivery of the outbox: claim due rows, send each one, record the outcome.

Claim: in one short transaction, `SELECT … FOR UPDATE SKIP LOCKED` picks due rows (pending
ones whose time came, and `sending` ones whose claim lapsed) and an UPDATE marks them
`sending` with this worker's claim token, one more attempt, and `next_attempt_at` moved to
the end of the claim's lease. Two workers never hold the same row; a worker that dies leaves
its rows `sending` until the lease lapses, then any worker takes them over.

Send: outside any transaction, rendered from its template and context in the recipient's
language, then handed to a transport that keeps its HTTP session for the whole drain (a message
that cannot be rendered is retried with backoff, so a fixed template reaches it). E-mails to an
ESP with a batch endpoint (Postmark) go up to NOTIFICATIONS_EMAIL_BATCH_SIZE distinct messages per
call, each with its own result; everything else one message per call. Outcomes:
- sent: `status=sent` (whoever's claim it is: the message did go out), written in one UPDATE
  right after each batch call, and for single sends every NOTIFICATIONS_RECORD_SENT_EVERY
  messages and at the end of the batch;
- failure: only under our own claim — back to `pending` at the failure's retry time or the
  backoff, or `failed` when permanent or out of attempts.
A channel in trouble (down, timing out, throttling) pauses for the rest of the batch: its other
rows go back unsent, without spending an attempt.

Delivery is at-least-once. A message can go out twice when the provider accepted it but we
never learned so: the answer timed out or the connection broke after the provider took it, or
the worker died between the provider's answer and the write of `sent` (at most one batch call,
NOTIFICATIONS_EMAIL_BATCH_SIZE e-mails, or NOTIFICATIONS_RECORD_SENT_EVERY single sends go out
again); a batch call that got no answer is retried whole; also when a single send
outlives the lease (a provider that trickles its answer past HTTP_TIMEOUT per read) and another
worker takes the row over. Every e-mail carries `X-Outbox-Id` so such a duplicate can be traced.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from marketplace import clock

from .models import Channel, OutboxMessage
from .rendering import render_message
from .snapshot import Encoder
from .transports import Failure
from .transports.email import EmailTransport
from .transports.telegram import TelegramTransport

log = logging.getLogger(__name__)
Status = OutboxMessage.Status
DUE = (Status.PENDING, Status.SENDING)


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    more: bool = False  # stopped on the time budget with work left

    def add(self, other: DrainResult) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.released += other.released


def lease() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS)


def backoff(attempts: int) -> timedelta:
    """Exponential with jitter: base, 2×base, 4×base … capped."""
    base, cap = settings.NOTIFICATIONS_RETRY_BASE_SECONDS, settings.NOTIFICATIONS_RETRY_MAX_SECONDS
    seconds = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=seconds * random.uniform(0.8, 1.0))


def claim(*, limit: int, now: datetime | None = None) -> tuple[uuid.UUID, list[OutboxMessage]]:
    """Take up to `limit` due rows for this worker; returns the claim token and the rows.
    Two queries: the locked rows are read whole and the UPDATE's values set on them in memory."""
    now = now or clock.now()
    token = uuid.uuid4()
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status__in=DUE, next_attempt_at__lte=now)
            .order_by("next_attempt_at")[:limit]
        )
        if not rows:
            return token, []
        until = now + lease()
        OutboxMessage.objects.filter(pk__any=[row.pk for row in rows]).update(
            status=Status.SENDING,
            claim=token,
            claimed_at=now,
            attempts=F("attempts") + 1,
            next_attempt_at=until,
        )
    for row in rows:  # what the UPDATE wrote, under the lock that was held
        row.status, row.claim, row.claimed_at, row.next_attempt_at = Status.SENDING, token, now, until
        row.attempts += 1
    return token, sorted(rows, key=lambda row: row.pk)


def record_sent(sent: list[tuple[OutboxMessage, str]]) -> int:
    """Mark messages sent (with the provider's ids) in one UPDATE, whoever's claim they are under:
    they did go out. Plain SQL (one CASE of the ids, PostgreSQL and SQLite alike): the same CASE
    built from Django expressions cost about a millisecond of Python per row."""
    if not sent:
        return 0
    ids = [message.pk for message, _ in sent]
    meta = OutboxMessage._meta
    quote = connection.ops.quote_name
    column = {name: quote(meta.get_field(name).column) for name in _SENT_FIELDS}
    marks = ", ".join(["%s"] * len(ids))
    cases = " ".join(["WHEN %s THEN %s"] * len(ids))
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {column['status']} = %s, {column['sent_at']} = %s, "
        f"{column['provider_message_id']} = CASE {column['id']} {cases} ELSE {column['provider_message_id']} END, "
        f"{column['claim']} = NULL, {column['last_error']} = '' "
        f"WHERE {column['id']} IN ({marks}) AND {column['status']} <> %s"
    )
    params = [Status.SENT, clock.now()]
    for message, provider_id in sent:
        params += [message.pk, provider_id[:200]]
    params += [*ids, Status.SENT]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        done = cursor.rowcount
    if done != len(ids):
        log.warning("%s of outbox messages %s were already recorded as sent: they went out twice", len(ids) - done, ids)
    return done


_SENT_FIELDS = ("id", "status", "sent_at", "provider_message_id", "claim", "last_error")


def record_failure(message: OutboxMessage, token: uuid.UUID, failure: Failure) -> str:
    """Write a failed attempt under our claim; returns the row's new status."""
    from . import telegram_link  # the chat services notify() in turn

    now = clock.now()
    error = str(failure)[:2000]
    mine = OutboxMessage.objects.filter(pk=message.pk, claim=token, status=Status.SENDING)
    if failure.migrate_to is not None and message.channel == Channel.TELEGRAM:
        telegram_link.telegram_chat_migrated(old_chat_id=int(message.recipient), new_chat_id=failure.migrate_to)
        mine.update(
            status=Status.PENDING,
            recipient=str(failure.migrate_to),
            next_attempt_at=now,
            attempts=F("attempts") - 1,
            claim=None,
            last_error=error,
        )
        return Status.PENDING
    if failure.chat_gone and message.channel == Channel.TELEGRAM:
        telegram_link.telegram_chat_gone(chat_id=int(message.recipient), reason=str(failure))
    if failure.permanent or message.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        mine.update(status=Status.FAILED, claim=None, last_error=error)
        log.warning("Outbox message %s failed for good: %s", message.pk, error)
        return Status.FAILED
    retry_at = failure.retry_at or now + backoff(message.attempts)
    mine.update(status=Status.PENDING, claim=None, next_attempt_at=retry_at, last_error=error)
    message.next_attempt_at = retry_at
    return Status.PENDING


def release(messages: list[OutboxMessage], token: uuid.UUID, *, at: datetime) -> int:
    """Give claimed rows back unsent, without spending their attempt."""
    return OutboxMessage.objects.filter(pk__in=[m.pk for m in messages], claim=token, status=Status.SENDING).update(
        status=Status.PENDING,
        claim=None,
        next_attempt_at=at,
        attempts=F("attempts") - 1,
    )


class Sender:
    """The transports of one drain, each opened on first use and closed at the end. Messages of
    one occurrence to several recipients (a store's members, the moderators) share template,
    language and facts: they are rendered once per drain (RENDERED_KEEP renders kept)."""

    RENDERED_KEEP = 64

    def __init__(self):
        self.transports = {Channel.EMAIL.value: EmailTransport(), Channel.TELEGRAM.value: TelegramTransport()}
        self.rendered: dict[tuple, dict] = {}

    def content(self, message: OutboxMessage) -> dict:
        facts = json.dumps(message.context, cls=Encoder, sort_keys=True, separators=(",", ":"))
        key = (message.template, message.language, message.audience, message.channel, facts)
        content = self.rendered.get(key)
        if content is None:
            content = render_message(message)
            if len(self.rendered) >= self.RENDERED_KEEP:
                self.rendered.clear()
            self.rendered[key] = content
        return content

    def send(self, message: OutboxMessage) -> str:
        return self.transports[message.channel].send(message, self.content(message))

    def batch_limit(self, channel: str) -> int:
        """Messages of `channel` one provider call may carry (1 without a batch endpoint)."""
        limit = getattr(self.transports[channel], "batch_limit", None)
        return limit() if limit is not None else 1

    def send_many(self, messages: list[OutboxMessage]) -> list[str | Failure]:
        """One provider call for messages of one channel: per message its provider id or Failure.
        A message that cannot be rendered gets its Failure and stays out of the call."""
        outcomes: list[str | Failure | None] = [None] * len(messages)
        items, positions = [], []
        for position, message in enumerate(messages):
            try:
                items.append((message, self.content(message)))
            except Exception as exc:  # a broken template or context: retried with backoff, never lost
                log.exception("Rendering outbox message %s raised", message.pk)
                outcomes[position] = Failure(f"{type(exc).__name__}: {exc}")
            else:
                positions.append(position)
        if items:
            for position, outcome in zip(positions, self.transports[messages[0].channel].send_many(items), strict=True):
                outcomes[position] = outcome
        return outcomes

    def close(self) -> None:
        for transport in self.transports.values():
            try:
                transport.close()
            except Exception:  # closing a broken session must not hide the drain's result
                log.exception("Closing the %s transport failed", transport)

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class BatchDelivery:
    """Sends one claimed batch; sent outcomes are written every NOTIFICATIONS_RECORD_SENT_EVERY
    messages and at the end, failures right away."""

    def __init__(self, token: uuid.UUID, batch: list[OutboxMessage], sender: Sender):
        self.token, self.batch, self.sender = token, batch, sender
        self.result = DrainResult()
        seconds = lease().total_seconds()
        # Stop starting sends while a send could still outlive the claim's lease.
        self.stop_at = time.monotonic() + seconds - min(settings.HTTP_TIMEOUT + 5, seconds / 2)
        self.paused: dict[str, datetime] = {}  # channel -> when its rows may go again
        self.gone_chats: set[str] = set()
        self.sent: list[tuple[OutboxMessage, str]] = []

    def calls(self) -> list[list[OutboxMessage]]:
        """The batch cut into provider calls: e-mails in groups of the transport's batch limit
        (Postmark's batch endpoint), the rest one message per call."""
        email = [m for m in self.batch if m.channel == Channel.EMAIL]
        limit = self.sender.batch_limit(Channel.EMAIL) if email else 1
        groups = [email[k : k + limit] for k in range(0, len(email), limit)] if limit > 1 else [[m] for m in email]
        return groups + [[m] for m in self.batch if m.channel != Channel.EMAIL]

    def run(self) -> DrainResult:
        try:
            calls = self.calls()
            for index, call in enumerate(calls):
                if index and time.monotonic() > self.stop_at:  # the first call always goes: progress
                    rest = [message for later in calls[index:] for message in later]
                    self.result.released += release(rest, self.token, at=clock.now())
                    break
                if len(call) == 1:
                    self.one(call[0])
                else:
                    self.many(call)
        finally:
            self.flush()  # also when something unforeseen raised: what went out is recorded
        return self.result

    def many(self, call: list[OutboxMessage]) -> None:
        """Several e-mails in one provider call; each outcome is its own (a refused recipient fails
        alone), and the sent ones are recorded in one UPDATE right after the call."""
        channel = call[0].channel
        if channel in self.paused:
            self.result.released += release(call, self.token, at=self.paused[channel])
            return
        for message, outcome in zip(call, self.sender.send_many(call), strict=True):
            if isinstance(outcome, Failure):
                self.failed(message, outcome)
                if outcome.pause_channel:
                    self.paused[channel] = outcome.retry_at or message.next_attempt_at
            else:
                self.sent.append((message, outcome))
                self.result.sent += 1
        self.flush()

    def one(self, message: OutboxMessage) -> None:
        if message.channel in self.paused:
            self.result.released += release([message], self.token, at=self.paused[message.channel])
            return
        if message.channel == Channel.TELEGRAM and message.recipient in self.gone_chats:
            self.failed(message, Failure("chat unlinked: Telegram refused an earlier message", permanent=True))
            return
        try:
            provider_id = self.sender.send(message)
        except Failure as failure:
            self.failed(message, failure)
            if failure.pause_channel:
                self.paused[message.channel] = failure.retry_at or message.next_attempt_at
            if failure.chat_gone:
                self.gone_chats.add(message.recipient)
        except Exception as exc:  # a bug or an unforeseen error: retried with backoff, never lost
            log.exception("Sending outbox message %s raised", message.pk)
            self.failed(message, Failure(f"{type(exc).__name__}: {exc}"))
        else:
            self.sent.append((message, provider_id))
            self.result.sent += 1
            if len(self.sent) >= settings.NOTIFICATIONS_RECORD_SENT_EVERY:
                self.flush()

    def failed(self, message: OutboxMessage, failure: Failure) -> None:
        if record_failure(message, self.token, failure) == Status.FAILED:
            self.result.failed += 1
        else:
            self.result.retried += 1

    def flush(self) -> None:
        record_sent(self.sent)
        self.sent = []


def deliver_batch(token: uuid.UUID, batch: list[OutboxMessage], sender: Sender) -> DrainResult:
    return BatchDelivery(token, batch, sender).run()


def drain(
    *, batch_size: int | None = None, time_budget: float | None = None, max_messages: int | None = None
) -> DrainResult:
    """Send what is due, batch after batch, until nothing is due or the time budget is spent."""
    batch_size = batch_size or settings.NOTIFICATIONS_BATCH_SIZE
    started = time.monotonic()
    result = DrainResult()
    with Sender() as sender:
        while True:
            if time_budget is not None and time.monotonic() - started >= time_budget:
                result.more = True
                break
            limit = batch_size if max_messages is None else min(batch_size, max_messages - result.sent)
            if limit <= 0:
                break
            token, batch = claim(limit=limit)
            if not batch:
                break
            result.add(deliver_batch(token, batch, sender))
    return result
