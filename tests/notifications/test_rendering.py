"""Messages keep what they say as of the event and are rendered when they go out."""

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from marketplace.formats import money
from notifications import delivery, snapshot
from notifications.models import OutboxMessage
from notifications.rendering import render_message
from orders.choices import CancelReason
from orders.services import order_cancel, order_comment_add, order_open
from tests.conftest import ready_delivery
from tests.notifications.fakes import counts, due_now

pytestmark = pytest.mark.django_db


def test_the_codec_gives_back_amounts_and_times_as_themselves():
    kyiv = ZoneInfo("Europe/Kyiv")
    value = {
        "total": Decimal("1250.50"),
        "at": datetime(2026, 11, 24, 18, 0, 5, tzinfo=kyiv),
        "by": date(2026, 12, 31),
        "items": [{"price": Decimal("0.10"), "title": 'Чохол "A"'}],
        "none": None,
        "n": 3,
        "label": CancelReason.OTHER.label,
    }
    back = json.loads(snapshot.dumps(value), cls=snapshot.Decoder)  # as the model field reads it
    assert back["total"] == Decimal("1250.50") and isinstance(back["total"], Decimal)
    assert back["at"] == value["at"] and back["at"].utcoffset() == value["at"].utcoffset()
    assert back["by"] == date(2026, 12, 31) and not isinstance(back["by"], datetime)
    assert back["items"][0] == {"price": Decimal("0.10"), "title": 'Чохол "A"'}
    assert (back["none"], back["n"], back["label"]) == (None, 3, str(CancelReason.OTHER.label))


def test_the_stored_context_round_trips_through_the_database(place_order):
    order = place_order()
    row = OutboxMessage.objects.get(audience="buyer")
    assert row.context["order"]["total"] == order.total and isinstance(row.context["order"]["total"], Decimal)
    with connection.cursor() as cursor:  # the column holds tagged JSON, not Python reprs
        cursor.execute("SELECT context FROM notifications_outboxmessage WHERE id = %s", [row.pk])
        raw = cursor.fetchone()[0]
    assert '"$decimal"' in (raw if isinstance(raw, str) else snapshot.dumps(raw))


def test_amounts_are_localised_for_the_recipient_when_rendered(place_order):
    order = place_order()
    text = render_message(OutboxMessage.objects.get(audience="buyer"))["text"]  # the buyer's language: uk
    total = money(order.total, "uk")
    assert "," in total and total.endswith("\u00a0₴") and total in text


def test_a_buyers_context_holds_nothing_seller_internal(place_order, seller):
    order = place_order()
    order_comment_add(actor=seller, order=order, text="SELLER-ONLY")
    order = order_open(actor=seller, order=order)
    order = ready_delivery(order, seller)
    order_cancel(actor=seller, order=order, reason=CancelReason.OTHER, comment="CANCEL-COMMENT")
    for row in OutboxMessage.objects.filter(audience="buyer"):
        stored = snapshot.dumps(row.context)
        assert "CANCEL-COMMENT" not in stored and "SELLER-ONLY" not in stored
        assert "buyer_phone" not in row.context["order"] and row.context["params"] == {}
        assert "/cabinet/" not in stored


def test_a_message_says_what_was_true_when_it_was_written(place_order, seller, channels):
    esp, _ = channels
    order = place_order()
    order.items.update(title="Renamed later")  # an edit after the event does not rewrite the message
    delivery.drain()
    (mail,) = esp.to("buyer@example.com")
    assert "Phone case" in mail["TextBody"] and "Renamed later" not in mail["TextBody"]


def test_a_message_that_cannot_be_rendered_waits_for_the_fix(place_order, channels):
    esp, _ = channels
    place_order()
    OutboxMessage.objects.filter(audience="buyer").update(template="no_such_template")
    result = delivery.drain()
    row = OutboxMessage.objects.get(audience="buyer")
    assert result.retried == 1 and row.status == "pending" and "TemplateDoesNotExist" in row.last_error
    assert esp.to("buyer@example.com") == []

    OutboxMessage.objects.filter(pk=row.pk).update(template="order_placed_buyer")  # the template is fixed
    due_now()
    delivery.drain()
    assert len(esp.to("buyer@example.com")) == 1 and counts()["pending"] == 0
