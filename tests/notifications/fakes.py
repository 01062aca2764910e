"""Local fake servers for the ESP (Postmark's API, driven by anymail) and the Telegram Bot API.

Our real clients talk HTTP to them; each fake records what it accepted, keyed by the outbox
row (the `X-Outbox-Id` header of e-mails, the chat and text of Telegram messages), and can be
told how to answer the next requests (an HTTP status, a delay, a blocking hold).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter, deque

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from notifications.models import OutboxMessage

ESP_TOKEN = "test-server-token"
BOT_TOKEN = "123456:TEST-bot-token"
BOT_NAME = "MarketplaceTestBot"
WEBHOOK_SECRET = "webhook-secret-0123456789"


class FakeServer:
    """A threaded local HTTP server with a queue of scripted answers, then a default one."""

    def __init__(self):
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.no_handler_status_code = 404
        self.lock = threading.Lock()
        self.script: deque = deque()
        self.received = 0
        self.held: list = []  # bodies of the requests that were held

    def start(self):
        self.server.start()
        return self

    def reset(self) -> None:
        with self.lock:
            self.script.clear()
            self.received = 0
            self.held = []
            self._reset()

    def _reset(self) -> None:
        pass

    def stop(self):
        self.server.clear()
        if self.server.is_running():
            self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def then(self, *answers) -> None:
        """Script the next answers: an int status, ("sleep", seconds[, status]),
        ("hold", started_event, release_event, status)."""
        with self.lock:
            self.script.extend(answers)

    def _next(self):
        with self.lock:
            self.received += 1
            return self.script.popleft() if self.script else None

    def _handle(self, request: Request) -> Response:
        answer = self._next()
        if isinstance(answer, tuple) and answer[0] == "sleep":
            time.sleep(answer[1])
            answer = answer[2] if len(answer) > 2 else None
        if isinstance(answer, tuple) and answer[0] == "hold":
            _, started, release, status = answer
            self.held.append(request.get_json(silent=True))
            started.set()
            release.wait(30)
            answer = status
        return self.answer(request, answer)

    def answer(self, request, answer) -> Response:  # pragma: no cover - overridden
        raise NotImplementedError


class FakePostmark(FakeServer):
    """Postmark's /email (one message) and /email/batch (a JSON array of messages, answered by an
    array of per-message results in the same order, HTTP 200 even when some were refused)."""

    def __init__(self):
        super().__init__()
        self.server.expect_request("/email", method="POST").respond_with_handler(self._handle)
        self.server.expect_request("/email/batch", method="POST").respond_with_handler(self._handle)
        self.accepted: Counter = Counter()  # outbox id -> accepted sends
        self.messages: list[dict] = []
        self.batches: list[int] = []  # messages per /email/batch call
        self.refuse: dict[str, dict] = {}  # address -> the per-message result Postmark gives it

    def _reset(self) -> None:
        self.accepted = Counter()
        self.messages = []
        self.batches = []
        self.refuse = {}

    def answer(self, request, answer) -> Response:
        if request.headers.get("X-Postmark-Server-Token") != ESP_TOKEN:
            return Response(json.dumps({"ErrorCode": 10, "Message": "Bad token"}), 401, content_type="application/json")
        if isinstance(answer, int) and answer != 200:
            return Response(
                json.dumps({"ErrorCode": 0 if answer >= 500 else 300, "Message": "scripted failure"}),
                answer,
                content_type="application/json",
            )
        if request.path.endswith("/batch"):
            return self.answer_batch(request.get_json())
        body = request.get_json()
        with self.lock:
            self.accepted[self.outbox_id(body)] += 1
            self.messages.append(body)
        return Response(
            json.dumps(
                {
                    "To": body["To"],
                    "SubmittedAt": "2026-01-01T00:00:00Z",
                    "MessageID": str(uuid.uuid4()),
                    "ErrorCode": 0,
                    "Message": "OK",
                }
            ),
            200,
            content_type="application/json",
        )

    def answer_batch(self, bodies: list[dict]) -> Response:
        if not isinstance(bodies, list) or not 1 <= len(bodies) <= 500:
            return Response(
                json.dumps({"ErrorCode": 410, "Message": "Too many batch messages"}),
                422,
                content_type="application/json",
            )
        results = []
        with self.lock:
            self.batches.append(len(bodies))
            for body in bodies:
                refused = self.refuse.get(body["To"])
                if refused is not None:
                    results.append({"To": body["To"], "SubmittedAt": "2026-01-01T00:00:00Z", **refused})
                    continue
                self.accepted[self.outbox_id(body)] += 1
                self.messages.append(body)
                results.append(
                    {
                        "To": body["To"],
                        "SubmittedAt": "2026-01-01T00:00:00Z",
                        "MessageID": str(uuid.uuid4()),
                        "ErrorCode": 0,
                        "Message": "OK",
                    }
                )
        return Response(json.dumps(results), 200, content_type="application/json")

    @staticmethod
    def outbox_id(body: dict | list) -> int:
        """The X-Outbox-Id of a message (of a batch: of its first message)."""
        if isinstance(body, list):
            body = body[0]
        return int({h["Name"]: h["Value"] for h in body.get("Headers", [])}["X-Outbox-Id"])

    def to(self, address: str) -> list[dict]:
        return [m for m in self.messages if address in m["To"]]


class FakeTelegram(FakeServer):
    def __init__(self):
        super().__init__()
        self.server.expect_request(f"/bot{BOT_TOKEN}/sendMessage", method="POST").respond_with_handler(self._handle)
        self.server.expect_request(f"/bot{BOT_TOKEN}/setWebhook", method="POST").respond_with_handler(self._webhook)
        self.sent: list[dict] = []
        self.webhook_calls: list[dict] = []

    def _reset(self) -> None:
        self.sent = []
        self.webhook_calls = []

    def _webhook(self, request):
        self.webhook_calls.append(request.get_json())
        return Response(
            json.dumps({"ok": True, "result": True, "description": "Webhook was set"}),
            200,
            content_type="application/json",
        )

    def answer(self, request, answer) -> Response:
        if isinstance(answer, Response):
            return answer
        body = request.get_json()
        with self.lock:
            self.sent.append(body)
            message_id = len(self.sent)
        return Response(
            json.dumps(
                {
                    "ok": True,
                    "result": {"message_id": message_id, "chat": {"id": body["chat_id"]}, "text": body["text"]},
                }
            ),
            200,
            content_type="application/json",
        )


def telegram_error(status: int, description: str, **parameters) -> Response:
    body = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Response(json.dumps(body), status, content_type="application/json")


def due_now() -> int:
    """Make every waiting row due at once (instead of sleeping through the backoff)."""
    from django.utils import timezone

    return OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).update(next_attempt_at=timezone.now())


def counts() -> dict[str, int]:
    found = Counter(OutboxMessage.objects.values_list("status", flat=True))
    return {status: found.get(status, 0) for status in OutboxMessage.Status.values}
