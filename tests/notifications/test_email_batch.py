"""E-mail through Postmark's batch endpoint (notifications/transports/postmark.py) against the fake
ESP: distinct messages in one call, per-message results, sent marks written once per call."""

import pytest
from django.core import mail

from notifications import delivery
from notifications.models import OutboxMessage
from tests.notifications.fakes import counts, due_now
from tests.notifications.test_email_delivery import make_rows

pytestmark = pytest.mark.django_db

INACTIVE = {
    "ErrorCode": 406,
    "Message": "You tried to send to a recipient that has been marked as inactive.\n"
    "Found inactive addresses: buyer2@example.com.\n"
    "Inactive recipients are ones that have generated a hard bounce or a spam complaint.",
}


def test_distinct_messages_go_in_one_call_and_a_refused_recipient_fails_alone(channels):
    esp, _ = channels
    ids = make_rows(5)
    esp.refuse["buyer2@example.com"] = INACTIVE

    result = delivery.drain()
    assert (result.sent, result.failed, result.retried) == (4, 1, 0)
    assert esp.batches == [5] and esp.received == 1  # one call for five different messages
    refused = OutboxMessage.objects.get(recipient="buyer2@example.com")
    assert refused.status == "failed" and "refused" in refused.last_error
    sent = OutboxMessage.objects.exclude(pk=refused.pk)
    assert all(m.status == "sent" and m.provider_message_id for m in sent)
    assert set(esp.accepted) == set(ids) - {refused.pk} and set(esp.accepted.values()) == {1}
    # each message is its own: its address, its subject and its X-Outbox-Id
    assert {(m["To"], esp.outbox_id(m)) for m in esp.messages} == {(m.recipient, m.pk) for m in sent}
    assert len({m["Subject"] for m in esp.messages}) == 4

    due_now()
    assert delivery.drain().sent == 0  # the refused one is not retried


def test_an_error_code_in_an_accepted_call_fails_only_that_message(channels):
    esp, _ = channels
    make_rows(3)
    esp.refuse["buyer1@example.com"] = {"ErrorCode": 300, "Message": "Invalid 'To' address: 'buyer1@example.com'."}
    result = delivery.drain()
    assert (result.sent, result.failed) == (2, 1)
    assert counts() == {"pending": 0, "sending": 0, "sent": 2, "failed": 1}


def test_calls_carry_at_most_the_batch_size(channels, settings):
    esp, _ = channels
    settings.NOTIFICATIONS_EMAIL_BATCH_SIZE = 2
    make_rows(5)
    assert delivery.drain().sent == 5
    assert esp.batches == [2, 2, 1]
    assert set(esp.accepted.values()) == {1}


def test_a_batch_is_claimed_and_marked_sent_in_three_queries(channels, django_assert_max_num_queries):
    """Claim (SELECT … FOR UPDATE SKIP LOCKED, UPDATE), one call, one UPDATE of the sent marks
    whatever the count (docs/benchmarks.md, outbox), then the empty claim that ends the drain."""
    esp, _ = channels
    make_rows(40)
    with django_assert_max_num_queries(8) as captured:  # + two savepoints and releases of the claims
        assert delivery.drain(batch_size=50).sent == 40
    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 2  # the claim's and the sent marks' (not one per message, nor per 10)
    assert esp.batches == [40]
    assert counts()["sent"] == 40
    assert len(set(OutboxMessage.objects.values_list("provider_message_id", flat=True))) == 40


def test_other_backends_still_send_one_message_per_call(channels, settings):
    """Only Postmark has the batch path; any other backend goes through Django's mail API."""
    esp, _ = channels
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ids = make_rows(3)
    assert delivery.drain().sent == 3
    assert esp.received == 0
    assert sorted(int(m.extra_headers["X-Outbox-Id"]) for m in mail.outbox) == ids
