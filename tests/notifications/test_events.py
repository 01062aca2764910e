"""Events reach the right people once, in their language, and buyers never see seller notes."""

import pytest
from django.db import transaction

from marketplace.models import UserSettings
from notifications import delivery
from notifications.events import ROUTES, UnknownEvent
from notifications.models import OutboxMessage
from notifications.preferences import preferences_update
from notifications.rendering import render_message
from notifications.services import notify
from orders.choices import CancelReason
from orders.services import (
    order_cancel,
    order_cancel_by_buyer,
    order_cancel_by_platform,
    order_comment_add,
    order_confirm,
    order_open,
    order_ship,
    order_split,
)
from sellers.models import StoreMember
from tests.conftest import VALID_TTN, ready_delivery
from tests.notifications.fakes import counts

pytestmark = pytest.mark.django_db

SELLER_NOTE = "SELLER-ONLY-NOTE-4711"
CANCEL_NOTE = "CANCEL-COMMENT-0815"


def content(row) -> dict:
    """The message as the worker will send it."""
    return render_message(row)


def rows(**filters):
    return list(OutboxMessage.objects.filter(**filters).order_by("pk"))


def test_new_order_gives_one_email_to_the_owner_and_one_telegram_message(place_order, linked_store, channels, owner):
    esp, telegram = channels
    order = place_order()

    assert delivery.drain().sent == 3
    assert [m["To"] for m in esp.messages if "owner@example.com" in m["To"]] == ["owner@example.com"]
    assert esp.to("manager@example.com") == []
    assert len(esp.to("buyer@example.com")) == 1  # the buyer's confirmation
    assert len(esp.messages) == 2
    assert [m["chat_id"] for m in telegram.sent] == [777000111]
    assert f"№{order.pk}" in telegram.sent[0]["text"] and f"/cabinet/orders/{order.pk}/" in telegram.sent[0]["text"]
    assert telegram.sent[0]["parse_mode"] == "HTML"
    store_mail = esp.to("owner@example.com")[0]
    assert f"/cabinet/orders/{order.pk}/" in store_mail["TextBody"]
    assert f"/cabinet/orders/{order.pk}/" in store_mail["HtmlBody"]
    assert counts() == {"pending": 0, "sending": 0, "sent": 3, "failed": 0}
    assert sorted(esp.accepted.values()) == [1, 1]


def test_new_order_goes_to_the_stores_own_address_when_it_has_one(place_order, store, channels):
    esp, telegram = channels
    store.email = "orders@alpha.example"
    store.save(update_fields=["email"])
    place_order()
    delivery.drain()
    assert len(esp.to("orders@alpha.example")) == 1
    assert esp.to("owner@example.com") == []
    assert telegram.sent == []  # no chat linked


def test_buyer_links_to_the_public_page_and_seller_links_to_the_cabinet(place_order, channels):
    order = place_order()
    buyer = rows(audience="buyer")[0]
    assert f"/o/{order.public_token}/" in content(buyer)["text"]
    assert "/cabinet/" not in content(buyer)["text"] + content(buyer)["html"]


def test_a_buyer_message_never_contains_a_seller_comment(place_order, seller, channels):
    esp, _ = channels
    order = place_order()
    order_comment_add(actor=seller, order=order, text=SELLER_NOTE)
    order = order_open(actor=seller, order=order)
    order = ready_delivery(order, seller)
    order = order_confirm(actor=seller, order=order)
    order = order_cancel(actor=seller, order=order, reason=CancelReason.OTHER, comment=CANCEL_NOTE)
    delivery.drain()

    buyer_rows = rows(audience="buyer")
    assert [r.event for r in buyer_rows] == ["order_placed", "order_accepted", "order_confirmed", "order_cancelled"]
    for message in esp.to("buyer@example.com"):
        for part in ("Subject", "TextBody", "HtmlBody"):
            assert SELLER_NOTE not in message[part]
            assert CANCEL_NOTE not in message[part]
    cancelled = content(buyer_rows[-1])
    assert "Інші причини" in cancelled["text"] or "Other reasons" in cancelled["text"]
    # The store cancelled itself: it is not told about its own cancellation.
    assert rows(event="order_cancelled", audience="store") == []


def test_a_buyer_cancellation_tells_the_store_and_its_members(place_order, store, channels):
    order = place_order()
    order_cancel_by_buyer(order=order, comment="changed my mind")
    store_rows = rows(event="order_cancelled")
    assert {(r.audience, r.recipient) for r in store_rows} == {
        ("buyer", "buyer@example.com"),
        ("store", "owner@example.com"),  # the store's address (the owner's), once
        ("members", "manager@example.com"),
    }
    assert "changed my mind" in content(next(r for r in store_rows if r.audience == "store"))["text"]


def test_status_messages_for_the_buyer(place_order, seller, channels):
    esp, _ = channels
    order = place_order()
    order = order_open(actor=seller, order=order)
    order = ready_delivery(order, seller)
    order = order_confirm(actor=seller, order=order)
    order = order_ship(actor=seller, order=order, ttn=VALID_TTN)
    delivery.drain()
    shipped = [m for m in esp.to("buyer@example.com") if VALID_TTN in m["TextBody"]]
    assert len(shipped) == 1


def test_split_tells_the_buyer_about_both_orders(place_order, seller, channels):
    order = place_order()
    order = order_open(actor=seller, order=order)
    item = order.items.first()
    new = order_split(actor=seller, order=order, quantities={item.pk: 1})
    message = rows(event="order_split")[0]
    assert f"№{new.pk}" in content(message)["text"] and f"/o/{new.public_token}/" in content(message)["text"]


def test_expiry_tells_buyer_store_members_and_moderators_once(place_order, moderator, channels):
    order = place_order()
    order = order_cancel_by_platform(order=order, reason=CancelReason.PROCESSING_TIME_EXPIRED)
    # The sweep may also emit the expiry under the buyer's event name: still one message.
    assert notify("order_expired", order=order) == 0
    assert {(r.audience, r.recipient) for r in rows(event="order_expired")} == {("buyer", "buyer@example.com")}
    assert {(r.audience, r.recipient) for r in rows(event="orders_expired")} == {
        ("store", "owner@example.com"),
        ("members", "manager@example.com"),
    }
    assert {(r.audience, r.recipient) for r in rows(event="orders_expired_platform")} == {
        ("moderators", "mod@example.com")
    }
    buyer = content(rows(event="order_expired")[0])["text"]
    # "The same goods elsewhere": the storefront's search for each item, without this store.
    assert f"/?q=Phone+case%3B+Charger&exclude_store={order.store.slug}" in buyer
    assert "/search" not in buyer
    store = content(rows(event="orders_expired", audience="store")[0])["text"]
    assert f"#{order.pk}" in store and f"/cabinet/orders/{order.pk}/" in store
    assert rows(event="order_cancelled") == []


def test_a_sweep_batch_of_expiries_gives_one_list_per_store_and_one_to_moderators(place_order, moderator, channels):
    from orders.sweep import sweep
    from tests.orders.deadline_support import entered_at, kyiv

    orders = [entered_at(place_order(), kyiv(2026, 11, 24, 18, 0)) for _ in range(3)]
    assert sweep(now=kyiv(2026, 11, 25, 10, 0)).expired == 3
    assert len(rows(event="order_expired")) == 3  # one per buyer
    (store_list,) = rows(event="orders_expired", audience="store")
    (moderators_list,) = rows(event="orders_expired_platform")
    for order in orders:
        assert f"#{order.pk}" in content(store_list)["text"] and f"#{order.pk}" in content(moderators_list)["text"]


def test_a_long_expiry_list_names_the_first_orders_and_links_to_the_rest(
    place_order, offers, moderator, channels, monkeypatch
):
    from notifications import services
    from orders.sweep import sweep
    from tests.orders.deadline_support import entered_at, kyiv

    monkeypatch.setattr(services, "EXPIRED_LIST_LIMIT", 2)
    orders = [entered_at(place_order(lines=[(offers[0], 1)]), kyiv(2026, 11, 24, 18, 0)) for _ in range(3)]
    assert sweep(now=kyiv(2026, 11, 25, 10, 0)).expired == 3
    (store_list,) = rows(event="orders_expired", audience="store")
    (moderators_list,) = rows(event="orders_expired_platform")
    store_mail, moderators_mail = content(store_list), content(moderators_list)
    for mail, list_url in ((store_mail, "/cabinet/orders/?tab=cancelled"), (moderators_mail, "cancel_reason__in=")):
        assert "3" in mail["subject"]  # the count is of all of them
        assert f"#{orders[0].pk}" in mail["text"] and f"#{orders[1].pk}" in mail["text"]
        assert f"#{orders[2].pk}" not in mail["text"] + mail["html"]
        assert list_url in mail["text"], mail["text"]
        assert list_url.replace("&", "&amp;") in mail["html"]
    assert len(store_list.context["params"]["orders"]) == 2 and store_list.context["params"]["more"] == 1


def test_a_second_notify_of_the_same_occurrence_writes_nothing(place_order):
    order = place_order()
    before = OutboxMessage.objects.count()
    assert notify("order_placed", order=order) == 0
    assert OutboxMessage.objects.count() == before


def test_reminders_go_to_the_store_contacts(place_order, linked_store, channels):
    order = place_order()
    notify("deadline_warning", order=order, deadline=order.created_at)
    notify("deadline_excellent_passed", order=order)
    notify("pickup_reminder", order=order)
    for event in ("deadline_warning", "deadline_excellent_passed", "pickup_reminder"):
        assert {(r.channel, r.recipient) for r in rows(event=event)} == {
            ("email", "owner@example.com"),
            ("telegram", "777000111"),
        }


def test_offers_hidden_tells_the_owner_and_the_moderators(store, moderator, channels):
    store.offers_hidden_reason = "3 or more orders expired within 30 days."
    notify("store_offers_hidden", store=store, occurrence="hidden-1")
    assert {(r.audience, r.recipient) for r in rows(event="store_offers_hidden")} == {
        ("owner", "owner@example.com"),
        ("moderators", "mod@example.com"),
    }
    assert "3 or more orders expired" in content(rows(audience="owner")[0])["text"]


def test_preferences_switch_channels_off(place_order, linked_store, owner, manager, channels):
    owner_member = StoreMember.objects.get(user=owner)
    manager_member = StoreMember.objects.get(user=manager)
    preferences_update(owner_member, {"new_orders": {"telegram": False}})
    preferences_update(manager_member, {"cancellations": {"email": False}})
    order = place_order()
    assert {r.channel for r in rows(event="order_placed", audience="store")} == {"email"}
    order_cancel_by_buyer(order=order)
    assert rows(event="order_cancelled", audience="members") == []


def test_messages_are_written_with_the_change_and_sent_only_after_commit(
    place_order, channels, django_capture_on_commit_callbacks
):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            place_order()
            raise RuntimeError("the change is rolled back")
    assert OutboxMessage.objects.count() == 0
    with django_capture_on_commit_callbacks() as callbacks:
        place_order()
    assert OutboxMessage.objects.count() == 2
    assert len(callbacks) == 1  # the kick, after commit


def test_a_store_event_names_its_occurrence_instead_of_falling_back_to_the_day(store, moderator, channels):
    """Two restrictions the same day are two occurrences: the key is what the caller names, never the date."""
    with pytest.raises(ValueError, match="occurrence="):
        notify("store_offers_hidden", store=store)
    assert notify("store_offers_hidden", store=store, occurrence="hidden@10:00") == 2
    assert notify("store_offers_hidden", store=store, occurrence="hidden@10:00") == 0
    assert notify("store_offers_hidden", store=store, occurrence="hidden@15:00") == 2
    assert len(rows(event="store_offers_hidden", audience="owner")) == 2


def test_unknown_events_are_refused():
    with pytest.raises(UnknownEvent):
        notify("order_teleported")


def test_every_route_has_its_templates():
    from django.template.loader import get_template

    for route in ROUTES:
        get_template(f"notifications/{route.template}.subject.txt")
        get_template(f"notifications/{route.template}.txt")
        if "email" in route.channels:
            get_template(f"notifications/{route.template}.html")


@pytest.mark.parametrize(
    "language,subject",
    [
        ("uk", "Ваше замовлення №{n} оформлено"),
        ("ru", "Ваш заказ №{n} оформлен"),
        ("en", "Your order #{n} is placed"),
    ],
)
def test_the_buyer_reads_their_language(place_order, language, subject):
    order = place_order(buyer_language=language)
    assert content(rows(audience="buyer")[0])["subject"] == subject.format(n=order.pk)


def test_members_read_their_own_language_and_the_store_its_own(place_order, store, manager, channels):
    store.email, store.language = "orders@alpha.example", "ru"
    store.save(update_fields=["email", "language"])
    UserSettings.objects.create(user=manager, language="en")
    order = place_order()
    order_cancel_by_buyer(order=order)
    by_recipient = {r.recipient: r for r in rows(event="order_cancelled")}
    assert content(by_recipient["orders@alpha.example"])["subject"].startswith("Заказ №")
    assert content(by_recipient["manager@example.com"])["subject"].startswith("Order #")
    assert content(by_recipient["owner@example.com"])["subject"].startswith("Замовлення №")


def test_one_delivery_kick_per_transaction(place_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            for _ in range(3):
                place_order()
    assert OutboxMessage.objects.count() == 6
    assert len(callbacks) == 1
