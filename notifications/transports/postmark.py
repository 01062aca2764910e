"""Postmark's batch endpoint (`POST /email/batch`, up to 500 distinct messages per call) for the outbox.

Why our own small client: anymail batches only one message to many recipients (merge data, and for
Postmark only with a server template); it sends distinct messages one HTTP call each, and builds each
payload through Django's `EmailMessage` and the stdlib header parser — as much CPU as the POST itself
(docs/benchmarks.md, outbox). Anymail stays the integration: its Postmark backend is what
EMAIL_BACKEND names, and this client takes from that backend instance its settings (server token,
API URL, message stream, timeout), its HTTP session and its IDNA encoder, and parses with anymail's
own parser every address that is not a plain one. When Postmark is the configured ESP every e-mail
goes through here (one message is a batch of one): one code path for the provider.

The answer is one result per message, in order; each is classified alone (a refused recipient fails
only its own row). A failure of the call itself (no answer, throttling, the service's errors) is the
same failure for every message of the call.
"""

from __future__ import annotations

import json
import re

import requests
from anymail.exceptions import AnymailInvalidAddress
from anymail.utils import parse_address_list
from django.conf import settings

from . import Failure
from .http import pin_environment

BATCH_LIMIT = 500  # messages per call (Postmark's limit; 50 MB per call is far off for our e-mails)
# An addr-spec anymail would hand on unchanged: ASCII, no display name, nothing to quote or encode.
_PLAIN = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_INACTIVE = re.compile(r"inactive addresses:\s*(.*)\.\s*Inactive recipients", re.MULTILINE)
_RECIPIENT_ERROR = re.compile(r"^(Invalid|Error\s+parsing)\s+'(To|Cc|Bcc)'", re.IGNORECASE)
# Answers to the call worth another try: throttling, timeouts, authentication (an operator fixes a
# wrong token; messages must not be lost meanwhile) and the service's own errors (>= 500).
TRANSIENT_STATUSES = {401, 403, 408, 409, 425, 429}


class PostmarkBatch:
    """Sends rendered outbox rows through anymail's Postmark backend's settings and session."""

    def __init__(self, backend):
        self.backend = backend
        self.url = backend.api_url + "email/batch"
        self.headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-Postmark-Server-Token": backend.server_token,
        }
        self.sender = self.address(settings.DEFAULT_FROM_EMAIL)  # parsed once, not per message

    def address(self, text: str) -> str:
        """The address as anymail's Postmark payload writes it."""
        if _PLAIN.fullmatch(text):
            return text
        parsed = parse_address_list([text])
        if len(parsed) != 1:
            raise AnymailInvalidAddress(f"Expected one address, got {text!r}")
        return parsed[0].format(idna_encode=self.backend.idna_encode)

    def payload(self, message, content: dict) -> dict:
        data = {
            "From": self.sender,
            "To": self.address(message.recipient),
            "Subject": content["subject"],
            "Headers": [{"Name": "X-Outbox-Id", "Value": str(message.pk)}],
            "TextBody": content["text"],
        }
        if content.get("html"):
            data["HtmlBody"] = content["html"]
        if self.backend.message_stream is not None:
            data["MessageStream"] = self.backend.message_stream
        return data

    def send(self, items: list[tuple[object, dict]]) -> list[str | Failure]:
        """One call for `items` ((outbox row, rendered content), at most BATCH_LIMIT): per item the
        provider's message id, or the Failure of that item."""
        outcomes: list[str | Failure | None] = [None] * len(items)
        bodies, positions = [], []
        for position, (message, content) in enumerate(items):
            try:
                bodies.append(self.payload(message, content))
            except AnymailInvalidAddress as exc:
                outcomes[position] = Failure(f"recipient refused: {exc}", permanent=True)
            else:
                positions.append(position)
        if bodies:
            for position, outcome in zip(positions, self.post(bodies), strict=True):
                outcomes[position] = outcome
        return outcomes

    def session(self) -> requests.Session:
        if self.backend.session is None:  # first use, or closed after a broken call
            self.backend.open()
            pin_environment(self.backend.session, self.backend.api_url)
        return self.backend.session

    def post(self, bodies: list[dict]) -> list[str | Failure]:
        session = self.session()
        try:
            # UTF-8 as it is (requests' json= would write every Cyrillic letter as a 6-byte escape)
            data = json.dumps(bodies, ensure_ascii=False).encode()
            response = session.post(self.url, data=data, headers=self.headers, timeout=self.backend.timeout)
        except requests.RequestException as exc:
            self.backend.close()  # a fresh session next time: the old one may hold a broken connection
            return [Failure(f"ESP unavailable (no answer): {type(exc).__name__}", pause_channel=True)] * len(bodies)
        status = response.status_code
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if status >= 500 or status in TRANSIENT_STATUSES:
            self.backend.close()
            failure = Failure(f"ESP unavailable ({status}): {_short(answer or response.text)}", pause_channel=True)
            return [failure] * len(bodies)
        if status == 200 and isinstance(answer, list) and len(answer) == len(bodies):
            return [result(body, one) for body, one in zip(bodies, answer, strict=True)]
        if status == 422 and isinstance(answer, dict) and "ErrorCode" in answer:
            return [result(body, answer) for body in bodies]  # the call was refused as a whole
        if status == 200:  # accepted, but not an answer we can read: the messages may have gone out
            failure = Failure(f"ESP gave an unreadable answer: {_short(answer or response.text)}", pause_channel=True)
            return [failure] * len(bodies)
        failure = Failure(f"ESP refused the message ({status}): {_short(answer or response.text)}", permanent=True)
        return [failure] * len(bodies)


def result(body: dict, one) -> str | Failure:
    """One message's result in the batch answer: its MessageID or why Postmark did not take it
    (classified as anymail's Postmark backend does)."""
    if not isinstance(one, dict) or "Message" not in one:
        return Failure(f"ESP gave an unreadable answer for this message: {_short(one)}", pause_channel=True)
    code, text = one.get("ErrorCode", 0), str(one["Message"])
    if code == 0:
        inactive = _INACTIVE.search(text)
        if inactive and _addr_spec(body["To"]) in {a.strip().lower() for a in inactive.group(1).split(",")}:
            return Failure(f"recipient refused: {_short(text)}", permanent=True)
        return str(one.get("MessageID") or "")
    if code == 406 or (code == 300 and _RECIPIENT_ERROR.match(text)):
        return Failure(f"recipient refused: {_short(text)}", permanent=True)
    return Failure(f"ESP refused the message (code {code}): {_short(text)}", permanent=True)


def _addr_spec(address: str) -> str:
    return address.rsplit("<", 1)[-1].rstrip(">").strip().lower()


def _short(value, limit: int = 500) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit] + "…"
