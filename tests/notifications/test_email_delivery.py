"""E-mail delivery through anymail's Postmark backend against a local fake ESP: faults,
retries, permanent refusals, and several workers draining at once."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from notifications import delivery
from notifications.models import OutboxMessage
from tests.notifications.fakes import counts, due_now

pytestmark = pytest.mark.django_db


def make_rows(n: int, *, channel="email") -> list[int]:
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                event="order_placed",
                audience="buyer",
                channel=channel,
                recipient=f"buyer{i}@example.com",
                language="en",
                dedupe_key=f"test-{i:08d}",
                next_attempt_at=now,
                template="telegram_unlinked",
                context={"store_name": f"Store {i}", "params": {"reason": f"reason {i}"}},
            )
            for i in range(n)
        ]
    )
    return list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True))


def test_esp_answers_500_then_200(place_order, channels):
    esp, _ = channels
    place_order()  # the store's and the buyer's e-mail
    esp.then(500)

    first = delivery.drain()
    assert (first.sent, first.retried, first.released) == (0, 2, 0)  # one batch call, refused: both wait
    for failed in OutboxMessage.objects.all():
        assert failed.attempts == 1 and failed.status == "pending" and "500" in failed.last_error
        assert failed.next_attempt_at > timezone.now() + timedelta(seconds=20)  # backoff, not a hot loop
    assert delivery.drain().sent == 0  # nothing is due yet

    due_now()
    assert delivery.drain().sent == 2
    assert counts() == {"pending": 0, "sending": 0, "sent": 2, "failed": 0}
    assert sorted(esp.accepted.values()) == [1, 1]  # each message accepted exactly once
    assert esp.received == 2
    assert all(m.provider_message_id for m in OutboxMessage.objects.all())
    assert esp.batches == [2]  # both e-mails in one /email/batch call (the refused call is not counted)


def test_esp_times_out(place_order, channels, settings):
    esp, _ = channels
    settings.ANYMAIL_REQUESTS_TIMEOUT = 0.3
    place_order()
    esp.then(("sleep", 0.8, 503))  # no answer in time; then the ESP's gateway gives up

    result = delivery.drain()
    assert (result.sent, result.retried, result.released) == (0, 2, 0)
    assert all("no answer" in m.last_error for m in OutboxMessage.objects.filter(attempts=1))

    due_now()
    assert delivery.drain().sent == 2
    assert counts() == {"pending": 0, "sending": 0, "sent": 2, "failed": 0}
    assert sorted(esp.accepted.values()) == [1, 1]


def test_an_answer_that_never_came_is_the_documented_duplicate(channels, settings):
    """The ESP took the message but its answer came after our timeout: at-least-once means the
    retry sends it again. The row is still sent once in our books, and X-Outbox-Id tells."""
    esp, _ = channels
    settings.ANYMAIL_REQUESTS_TIMEOUT = 0.3
    [pk] = make_rows(1)
    esp.then(("sleep", 0.8))  # then accepted, too late for us

    assert delivery.drain().retried == 1
    time.sleep(0.7)
    due_now()
    assert delivery.drain().sent == 1
    assert esp.accepted[pk] == 2
    assert OutboxMessage.objects.get(pk=pk).attempts == 2


def test_a_refused_recipient_fails_for_good_and_is_not_retried(channels):
    esp, _ = channels
    make_rows(1)
    esp.refuse["buyer0@example.com"] = {  # Postmark's per-message result in a batch answer
        "ErrorCode": 406,
        "Message": "You tried to send to a recipient that has been marked as inactive.\n"
        "Found inactive addresses: buyer0@example.com.\n"
        "Inactive recipients are ones that have generated a hard bounce or a spam "
        "complaint.",
    }
    result = delivery.drain()
    assert result.failed == 1
    row = OutboxMessage.objects.get()
    assert row.status == "failed" and "refused" in row.last_error
    due_now()
    assert delivery.drain().sent == 0


def test_transient_failures_give_up_after_the_last_attempt(channels, settings):
    esp, _ = channels
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    make_rows(1)
    esp.then(500, 500)
    delivery.drain()
    due_now()
    delivery.drain()
    assert counts() == {"pending": 0, "sending": 0, "sent": 0, "failed": 1}
    assert OutboxMessage.objects.get().attempts == 2


def test_a_claim_that_lapses_is_taken_over(channels):
    """A worker that claimed rows and died: after the lease another worker sends them."""
    esp, _ = channels
    ids = make_rows(3)
    token, claimed = delivery.claim(limit=10)
    assert len(claimed) == 3 and counts()["sending"] == 3
    assert delivery.drain().sent == 0  # the claim still holds
    OutboxMessage.objects.filter(claim=token).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert delivery.drain().sent == 3
    assert [esp.accepted[pk] for pk in ids] == [1, 1, 1]
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {2}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_migrations_data")
def test_four_workers_never_send_a_message_twice(channels, settings):
    esp, _ = channels
    settings.NOTIFICATIONS_BATCH_SIZE = 10
    ids = make_rows(300)
    results, errors = [], []

    def worker():
        try:
            results.append(delivery.drain())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.sent for r in results) == 300
    assert sum(1 for r in results if r.sent) >= 2  # the work really was shared
    assert counts() == {"pending": 0, "sending": 0, "sent": 300, "failed": 0}
    assert set(esp.accepted) == set(ids) and set(esp.accepted.values()) == {1}
    assert sum(esp.batches) == 300 and esp.received == len(esp.batches)  # claims of 10: one call each


def test_a_claim_reads_and_marks_its_rows_in_two_queries(channels, django_assert_max_num_queries):
    """The locked rows are read whole and marked in one UPDATE; the rows handed back carry what
    the UPDATE wrote (docs/benchmarks.md, bench/outbox.py)."""
    make_rows(5)
    with django_assert_max_num_queries(4):  # SELECT … FOR UPDATE SKIP LOCKED, UPDATE (+ the test's savepoint)
        token, claimed = delivery.claim(limit=10)
    assert [m.pk for m in claimed] == sorted(m.pk for m in claimed) and len(claimed) == 5
    stored = {m.pk: m for m in OutboxMessage.objects.all()}
    for message in claimed:
        row = stored[message.pk]
        assert (message.status, message.claim, message.attempts) == ("sending", token, 1)
        assert (row.status, row.claim, row.attempts) == ("sending", token, 1)
        assert message.next_attempt_at == row.next_attempt_at and message.claimed_at == row.claimed_at


def test_one_occurrence_to_several_recipients_is_rendered_once(channels, monkeypatch):
    """Rows with the same template, language and facts (a store's members, the moderators) are
    rendered once per drain; each still goes to its own address, and other facts render apart."""
    esp, _ = channels
    make_rows(4)
    OutboxMessage.objects.exclude(recipient="buyer3@example.com").update(
        context={"store_name": "Store 0", "params": {"reason": "reason 0"}}
    )
    rendered = []
    real = delivery.render_message
    monkeypatch.setattr(delivery, "render_message", lambda message: rendered.append(message.pk) or real(message))
    assert delivery.drain().sent == 4
    assert len(rendered) == 2
    assert sorted(esp.accepted.values()) == [1, 1, 1, 1]
