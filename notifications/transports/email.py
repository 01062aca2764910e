"""E-mail through Django's configured backend: an ESP through django-anymail in production,
the console in `make run`. One connection (and so one HTTP session) per drain. With Postmark
every message goes through its batch endpoint (transports/postmark.py: up to
NOTIFICATIONS_EMAIL_BATCH_SIZE distinct messages per call, on anymail's backend and settings);
other backends send one message per call through Django's mail API."""

from __future__ import annotations

import smtplib

import requests
from anymail.backends.postmark import EmailBackend as PostmarkEmailBackend
from anymail.exceptions import AnymailAPIError, AnymailError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives, get_connection

from . import Failure
from .http import pin_environment
from .postmark import BATCH_LIMIT, TRANSIENT_STATUSES, PostmarkBatch


class EmailTransport:
    def __init__(self):
        self.connection = None
        self.batch: PostmarkBatch | None = None

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None
                self.batch = None

    def open(self) -> None:
        if self.connection is not None:
            return
        self.connection = get_connection()
        if isinstance(self.connection, PostmarkEmailBackend):
            self.batch = PostmarkBatch(self.connection)  # opens the backend's session on first use
            return
        self.connection.open()
        session = getattr(self.connection, "session", None)  # anymail's HTTP-API backends
        if isinstance(session, requests.Session):
            pin_environment(session, getattr(self.connection, "api_url", "") or "https://")

    def batch_limit(self) -> int:
        """How many messages one call may carry: 1 unless the ESP has a batch endpoint."""
        try:
            self.open()
        except Exception:  # misconfigured: send() says so for each message
            return 1
        return min(settings.NOTIFICATIONS_EMAIL_BATCH_SIZE, BATCH_LIMIT) if self.batch is not None else 1

    def send_many(self, items: list[tuple[object, dict]]) -> list[str | Failure]:
        """Send outbox rows rendered as `content` in one call (at most `batch_limit()` of them):
        per row the provider's message id ('' when it gives none) or its Failure."""
        self.open()
        if self.batch is None:
            outcomes: list[str | Failure] = []
            for message, content in items:
                try:
                    outcomes.append(self.send(message, content))
                except Failure as failure:
                    outcomes.append(failure)
            return outcomes
        return self.batch.send(items)

    def send(self, message, content: dict) -> str:
        """Send one outbox row rendered as `content` ({subject, text, html}); return the
        provider's message id ('' when it gives none)."""
        self.open()
        if self.batch is not None:
            [outcome] = self.batch.send([(message, content)])
            if isinstance(outcome, Failure):
                raise outcome
            return outcome
        email = EmailMultiAlternatives(
            subject=content["subject"],
            body=content["text"],
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"X-Outbox-Id": str(message.pk)},
            connection=self.connection,
        )
        if content.get("html"):
            email.attach_alternative(content["html"], "text/html")
        try:
            email.send()
        except (AnymailRecipientsRefused, AnymailInvalidAddress, smtplib.SMTPRecipientsRefused) as exc:
            raise Failure(f"recipient refused: {exc}", permanent=True) from exc
        except AnymailAPIError as exc:
            status = exc.status_code
            if status is None or status >= 500 or status in TRANSIENT_STATUSES:
                self.close()  # a fresh session next time: the old one may hold a broken connection
                raise Failure(f"ESP unavailable ({status or 'no answer'}): {_short(exc)}", pause_channel=True) from exc
            raise Failure(f"ESP refused the message ({status}): {_short(exc)}", permanent=True) from exc
        except ImproperlyConfigured as exc:
            raise Failure(f"e-mail is not configured: {exc}", pause_channel=True) from exc
        except AnymailError as exc:
            raise Failure(f"ESP error: {_short(exc)}", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise Failure(f"mail server unavailable: {exc}", pause_channel=True) from exc
        status = getattr(email, "anymail_status", None)
        return (status.message_id or "") if status is not None and isinstance(status.message_id, str) else ""


def _short(exc: Exception, limit: int = 500) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + "…"
