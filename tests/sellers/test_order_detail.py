"""The order page: opening accepts, the actions the status machine allows, buyer checks, the
call script, the journal; and each action's form with its refusals (which change nothing)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from marketplace import clock
from marketplace.formats import money
from orders.choices import CancelReason, Status
from orders.models import CallAttempt, Order, OrderComment
from orders.rules import editing_windows
from orders.services import order_cancel, order_confirm, order_open, order_pack, order_ready_for_pickup, order_ship
from sellers.cabinet.views import orders as order_views
from sellers.models import Offer
from tests.conftest import VALID_PHONE, VALID_TTN, ready_delivery
from tests.orders.deadline_support import entered_at, kyiv


def url(name: str, order) -> str:
    return reverse(f"cabinet:{name}", args=[order.pk])


def fetch(order) -> Order:
    return Order.objects.get(pk=order.pk)


def snapshot(order) -> tuple:
    """What must not change when an action is refused."""
    stored = fetch(order)
    return (
        stored.status,
        stored.delivery_method,
        stored.delivery_cost,
        stored.ship_by,
        stored.ttn,
        stored.total,
        stored.cancel_reason,
        Order.history.filter(id=order.pk).count(),
        tuple(stored.items.values_list("quantity", flat=True)),
        tuple(Offer.objects.order_by("pk").values_list("stock", flat=True)),
    )


def action_names(response) -> dict[str, bool]:
    return {row["action"].name: row["action"].available for row in response.context["action_rows"]}


@pytest.fixture
def accepted(place_order, seller):
    return order_open(actor=seller, order=place_order())


@pytest.fixture
def confirmed(accepted, seller):
    return order_confirm(actor=seller, order=ready_delivery(accepted, seller))


# --- opening -------------------------------------------------------------------------------


def test_opening_a_new_order_accepts_it_once(manager_client, place_order, manager):
    order = place_order()
    response = manager_client.get(url("order_detail", order))
    assert response.status_code == 200
    stored = fetch(order)
    assert stored.status == Status.ACCEPTED
    record = Order.history.filter(id=order.pk).latest("history_date")
    assert (record.action, record.history_user) == ("accept", manager)
    count = Order.history.filter(id=order.pk).count()
    manager_client.get(url("order_detail", order))
    assert Order.history.filter(id=order.pk).count() == count


def test_page_shows_items_buyer_delivery_payment_totals_deadline(manager_client, accepted):
    html = manager_client.get(url("order_detail", accepted)).content.decode()
    for text in (
        "Phone case",
        "Charger",
        "Iryna Buyer",
        "+380 50 123 4567",
        "Vodafone",
        "Nova Poshta",
        "Branch 12",
        "Cash on delivery",
        "999.90",
        "Time left",
    ):
        assert text in html, text


def test_page_query_count_is_bounded(manager_client, accepted, django_assert_max_num_queries):
    from marketplace.calendar import platform

    platform()
    with django_assert_max_num_queries(25):
        manager_client.get(url("order_detail", accepted))


# --- actions from the status machine -------------------------------------------------------


def test_accepted_without_terms_shows_confirm_blocked_with_the_rules(manager_client, accepted, seller):
    assert (accepted.delivery_method, accepted.delivery_branch) == ("nova_poshta", "Branch 12")  # as placed
    response = manager_client.get(url("order_detail", accepted))
    assert action_names(response) == {"confirm": False, "cancel": True}
    blocked = response.context["action_rows"][0]["action"].blocked_by
    assert "Set the delivery cost (0 for free delivery)." in blocked and "Set the ship-by date." in blocked


@pytest.mark.parametrize(
    "method, status, expected",
    [
        ("nova_poshta", Status.CONFIRMED, {"pack": True, "ship": True, "cancel": True}),
        ("pickup", Status.CONFIRMED, {"pack": True, "ready_for_pickup": True, "cancel": True}),
        ("nova_poshta", Status.IN_DELIVERY, {"cancel": True}),
        ("courier", Status.IN_DELIVERY, {"mark_received": True, "cancel": True}),
        ("pickup", Status.AWAITING_PICKUP, {"mark_received": True, "cancel": True}),
    ],
)
def test_actions_follow_the_status_machine(manager_client, place_order, seller, method, status, expected):
    order = order_open(actor=seller, order=place_order(delivery_method=method))
    order = order_confirm(actor=seller, order=ready_delivery(order, seller, method=method))
    if status == Status.IN_DELIVERY:
        kwargs = (
            {"ttn": VALID_TTN}
            if method == "nova_poshta"
            else {"courier_phone": "+380671234567", "courier_visit_at": timezone.now() + timedelta(hours=3)}
        )
        order = order_ship(actor=seller, order=order, **kwargs)
    elif status == Status.AWAITING_PICKUP:
        order = order_ready_for_pickup(actor=seller, order=order)
    response = manager_client.get(url("order_detail", order))
    assert action_names(response) == expected
    assert "hand_over" not in response.content.decode()


def test_terminal_order_offers_nothing(manager_client, accepted, seller):
    order_cancel(actor=seller, order=accepted, reason="other", comment="no")
    response = manager_client.get(url("order_detail", accepted))
    assert response.context["action_rows"] == [] and response.context["edit"] == {}
    assert response.context["call_form"] is None


# --- status actions ------------------------------------------------------------------------


def test_confirm_refused_without_terms_changes_nothing(manager_client, accepted):
    before = snapshot(accepted)
    response = manager_client.post(url("order_confirm", accepted))
    assert response.status_code == 422
    assert "Set the delivery cost" in response.content.decode()
    assert snapshot(accepted) == before
    assert response.headers["HX-Push-Url"] == url("order_detail", accepted)


def test_confirm_pack_ship(manager_client, accepted, seller):
    ready_delivery(accepted, seller)
    response = manager_client.post(url("order_confirm", accepted))
    assert response.status_code == 302 and response.url == url("order_detail", accepted)
    assert fetch(accepted).status == Status.CONFIRMED
    new_date = clock.today() + timedelta(days=4)
    manager_client.post(url("order_pack", accepted), {"pack-ship_by": new_date.isoformat()})
    assert (fetch(accepted).status, fetch(accepted).ship_by) == (Status.AWAITING_SHIPMENT, new_date)
    response = manager_client.post(url("order_ship", accepted), {"ship-ttn": "2045 0000 0000 01"})
    assert response.status_code == 302
    assert (fetch(accepted).status, fetch(accepted).ttn) == (Status.IN_DELIVERY, VALID_TTN)


def test_ship_with_a_wrong_ttn_is_refused(manager_client, confirmed):
    before = snapshot(confirmed)
    response = manager_client.post(url("order_ship", confirmed), {"ship-ttn": "12345"})
    assert response.status_code == 422
    assert "is not a valid Nova Poshta tracking number" in response.content.decode()
    assert snapshot(confirmed) == before
    response = manager_client.post(url("order_ship", confirmed), {"ship-ttn": ""})
    assert response.status_code == 422 and "This field is required." in response.content.decode()


def test_courier_ship_needs_phone_and_visit_then_mark_received(manager_client, place_order, seller):
    order = order_open(actor=seller, order=place_order(delivery_method="courier"))
    order = order_confirm(actor=seller, order=ready_delivery(order, seller, method="courier"))
    response = manager_client.post(url("order_ship", order), {"ship-courier_phone": "123"})
    assert response.status_code == 422 and fetch(order).status == Status.CONFIRMED
    visit = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    manager_client.post(
        url("order_ship", order), {"ship-courier_phone": "067 123 45 67", "ship-courier_visit_at": visit}
    )
    assert fetch(order).status == Status.IN_DELIVERY and fetch(order).courier_phone == "+380671234567"
    manager_client.post(url("order_mark_received", order), {"mark_received-confirm": "on"})
    assert fetch(order).status == Status.RECEIVED


def test_pickup_ready_then_received(manager_client, place_order, seller):
    order = order_open(actor=seller, order=place_order(delivery_method="pickup"))
    order = order_confirm(actor=seller, order=ready_delivery(order, seller, method="pickup"))
    assert manager_client.post(url("order_ship", order), {"ship-ttn": VALID_TTN}).status_code == 422
    manager_client.post(url("order_ready_for_pickup", order))
    assert fetch(order).status == Status.AWAITING_PICKUP
    manager_client.post(url("order_mark_received", order), {"mark_received-confirm": "on"})
    assert fetch(order).status == Status.RECEIVED


def test_actions_answer_405_to_get(manager_client, accepted):
    assert manager_client.get(url("order_confirm", accepted)).status_code == 405


# --- cancelling ----------------------------------------------------------------------------


def test_cancel_other_needs_a_comment(manager_client, accepted):
    before = snapshot(accepted)
    response = manager_client.post(url("order_cancel", accepted), {"cancel-reason": "other"})
    assert response.status_code == 422 and "Explain the reason in a comment." in response.content.decode()
    assert snapshot(accepted) == before
    manager_client.post(url("order_cancel", accepted), {"cancel-reason": "other", "cancel-comment": "Fraud"})
    stored = fetch(accepted)
    assert (stored.status, stored.cancel_reason, stored.cancel_comment) == (Status.CANCELLED, "other", "Fraud")


def test_cancel_unreachable_needs_two_calls_apart(manager_client, accepted, manager):
    before = snapshot(accepted)
    response = manager_client.post(url("order_cancel", accepted), {"cancel-reason": "buyer_unreachable"})
    assert response.status_code == 422 and "Log at least two calls" in response.content.decode()
    assert snapshot(accepted) == before
    now = timezone.now()
    CallAttempt.objects.create(
        order=accepted, caller=manager, outcome="no_answer", called_at=now - timedelta(minutes=20)
    )
    CallAttempt.objects.create(order=accepted, caller=manager, outcome="busy", called_at=now)
    response = manager_client.post(url("order_cancel", accepted), {"cancel-reason": "buyer_unreachable"})
    assert response.status_code == 302
    assert fetch(accepted).cancel_reason == CancelReason.BUYER_UNREACHABLE


def test_foreign_phone_warns_and_allows_unreachable_at_once(manager_client, place_order):
    order = place_order(phone="+48601234567")
    html = manager_client.get(url("order_detail", order)).content.decode()
    assert 'id="phone-warning"' in html and "not a Ukrainian operator" in html
    manager_client.post(url("order_cancel", order), {"cancel-reason": "buyer_unreachable"})
    assert fetch(order).status == Status.CANCELLED


def test_pickup_only_reasons_offered_only_at_the_pickup_point(manager_client, accepted, place_order, seller):
    form = manager_client.get(url("order_detail", accepted)).context["action_rows"][-1]["form"]
    reasons = [value for value, _label in form.fields["reason"].choices]
    assert "buyer_not_picked_up" not in reasons and "buyer_changed_mind" not in reasons
    assert (
        manager_client.post(url("order_cancel", accepted), {"cancel-reason": "buyer_not_picked_up"}).status_code == 422
    )
    order = order_open(actor=seller, order=place_order(delivery_method="pickup"))
    order = order_ready_for_pickup(
        actor=seller, order=order_confirm(actor=seller, order=ready_delivery(order, seller, method="pickup"))
    )
    form = manager_client.get(url("order_detail", order)).context["action_rows"][-1]["form"]
    assert "buyer_not_picked_up" in [value for value, _label in form.fields["reason"].choices]


def test_out_of_stock_takes_the_corrected_stock_and_asks_to_check_the_offers(manager_client, accepted, offers):
    before = snapshot(accepted)
    response = manager_client.post(url("order_cancel", accepted), {"cancel-reason": "out_of_stock"})
    assert response.status_code == 422 and "Enter the real stock" in response.content.decode()
    response = manager_client.post(
        url("order_cancel", accepted), {"cancel-reason": "out_of_stock", f"cancel-stock_{offers[1].pk}": "5"}
    )
    assert response.status_code == 422 and "covers the 1 ordered" in response.content.decode()
    assert snapshot(accepted) == before
    response = manager_client.post(
        url("order_cancel", accepted), {"cancel-reason": "out_of_stock", f"cancel-stock_{offers[1].pk}": "0"}
    )
    assert response.status_code == 302
    assert response.url == f"{reverse('cabinet:offer_list')}?check={offers[0].pk},{offers[1].pk}&order={accepted.pk}"
    assert fetch(accepted).cancel_reason == CancelReason.OUT_OF_STOCK
    assert Offer.objects.get(pk=offers[1].pk).stock == 0
    assert Offer.objects.get(pk=offers[0].pk).stock == 10  # the other item's stock came back
    page = manager_client.get(response.url)
    assert [row["offer"].pk for row in page.context["checked_rows"]] == [offers[1].pk, offers[0].pk]
    assert f"Order #{accepted.pk} was cancelled: out of stock" in page.content.decode()


# --- editing -------------------------------------------------------------------------------


def test_edit_delivery_before_shipment(manager_client, accepted):
    ship_by = clock.today() + timedelta(days=3)
    response = manager_client.post(
        url("order_delivery", accepted),
        {
            "delivery-method": "courier",
            "delivery-address": "Shevchenka 5, Lviv",
            "delivery-cost": "120",
            "delivery-ship_by": ship_by.isoformat(),
        },
    )
    assert response.status_code == 302
    stored = fetch(accepted)
    assert (stored.delivery_method, stored.delivery_address, stored.delivery_cost, stored.ship_by) == (
        "courier",
        "Shevchenka 5, Lviv",
        Decimal("120.00"),
        ship_by,
    )
    assert stored.total == stored.items_total + 120


def test_edit_delivery_after_shipment_is_refused(manager_client, confirmed, seller):
    order = order_ship(actor=seller, order=confirmed, ttn=VALID_TTN)
    response = manager_client.get(url("order_detail", order))
    assert "delivery" not in response.context["edit"]
    before = snapshot(order)
    response = manager_client.post(url("order_delivery", order), {"delivery-method": "pickup"})
    assert response.status_code == 422
    assert "Delivery can be changed only before shipment" in response.content.decode()
    assert snapshot(order) == before


def test_edit_delivery_validates_input(manager_client, accepted):
    before = snapshot(accepted)
    response = manager_client.post(
        url("order_delivery", accepted), {"delivery-method": "nova_poshta", "delivery-cost": "-5"}
    )
    assert response.status_code == 422 and snapshot(accepted) == before


def test_edit_payment(manager_client, accepted):
    manager_client.post(url("order_payment", accepted), {"payment-method": "card"})
    assert fetch(accepted).payment_method == "card"


def test_items_only_in_accepted(manager_client, confirmed):
    assert "items" not in manager_client.get(url("order_detail", confirmed)).context["edit"]
    item = confirmed.items.first()
    before = snapshot(confirmed)
    response = manager_client.post(url("order_items", confirmed), {f"items-qty_{item.pk}": "1"})
    assert response.status_code == 422 and "only while the order needs agreement" in response.content.decode()
    assert snapshot(confirmed) == before


def test_items_change_together_or_not_at_all(manager_client, accepted, offers):
    case, charger = accepted.items.order_by("pk")
    response = manager_client.post(
        url("order_items", accepted), {f"items-qty_{case.pk}": "1", f"items-qty_{charger.pk}": "3"}
    )
    assert response.status_code == 302
    assert list(accepted.items.order_by("pk").values_list("quantity", flat=True)) == [1, 3]
    assert [Offer.objects.get(pk=o.pk).stock for o in offers] == [9, 2]
    before = snapshot(accepted)
    response = manager_client.post(
        url("order_items", accepted), {f"items-qty_{case.pk}": "2", f"items-qty_{charger.pk}": "99"}
    )
    assert response.status_code == 422 and "in stock" in response.content.decode()
    assert snapshot(accepted) == before
    response = manager_client.post(
        url("order_items", accepted), {f"items-qty_{case.pk}": "0", f"items-qty_{charger.pk}": "0"}
    )
    assert response.status_code == 422 and "keeps at least one item" in response.content.decode()
    assert snapshot(accepted) == before


def test_add_item_by_sku(manager_client, accepted, offers, outsider_offer):
    response = manager_client.post(url("order_item_add", accepted), {"add_item-sku": "LAMP-1", "add_item-quantity": 1})
    assert response.status_code == 422 and "no offer with this SKU" in response.content.decode()
    manager_client.post(url("order_item_add", accepted), {"add_item-sku": "case-1", "add_item-quantity": 2})
    assert accepted.items.get(offer=offers[0]).quantity == 4


def test_split_moves_the_chosen_quantities(manager_client, accepted, offers):
    case, charger = accepted.items.order_by("pk")
    response = manager_client.post(url("order_split", accepted), {f"split-move_{case.pk}": "1"})
    assert response.status_code == 302
    new = Order.objects.get(split_from=accepted)
    assert list(new.items.values_list("offer_id", "quantity")) == [(offers[0].pk, 1)]
    assert accepted.items.get(pk=case.pk).quantity == 1
    page = manager_client.get(url("order_detail", accepted)).content.decode()
    assert f"split into #{new.pk}" in page


def test_split_refusals(manager_client, accepted):
    case, charger = accepted.items.order_by("pk")
    before = snapshot(accepted)
    response = manager_client.post(url("order_split", accepted), {})
    assert response.status_code == 422 and "Choose at least one item" in response.content.decode()
    response = manager_client.post(
        url("order_split", accepted), {f"split-move_{case.pk}": "2", f"split-move_{charger.pk}": "1"}
    )
    assert response.status_code == 422 and "Leave at least one item" in response.content.decode()
    assert snapshot(accepted) == before
    assert not Order.objects.filter(split_from=accepted).exists()


# --- buyer, call script, journal -----------------------------------------------------------


def test_poor_collaboration_history_warns(manager_client, place_order, seller, manager):
    for _ in range(2):
        order = place_order()
        CallAttempt.objects.create(
            order=order, caller=manager, outcome="no_answer", called_at=timezone.now() - timedelta(hours=1)
        )
        CallAttempt.objects.create(order=order, caller=manager, outcome="no_answer")
        order_cancel(actor=seller, order=order, reason="buyer_unreachable")
    fresh = place_order()
    html = manager_client.get(url("order_detail", fresh)).content.decode()
    assert 'id="buyer-history-warning"' in html and "2 earlier orders of this phone ended on the buyer" in html
    other = place_order(phone="+380671112233")
    assert 'id="buyer-history-warning"' not in manager_client.get(url("order_detail", other)).content.decode()


def test_call_script_is_filled_in(manager_client, accepted, seller, store):
    order = ready_delivery(accepted, seller)
    response = manager_client.get(url("order_detail", order))
    script = response.content.decode().split('id="call-script"')[1].split("</section>")[0]
    assert "My name is Mykola" in script and f"store “{store.name}”" in script
    assert "Phone case × 2, Charger × 1" in script
    assert money(Decimal("1069.90"), "en") in script  # the total with delivery
    assert "Delivery: Nova Poshta, Branch 12" in script
    assert f"{order.ship_by.day}" in script and "We will send the goods on" in script


def test_comment_via_htmx_returns_the_journal(manager_client, accepted, htmx):
    response = manager_client.post(url("order_comment", accepted), {"comment-text": "Call after 18:00"}, **htmx)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="journal">') and "Call after 18:00" in html
    assert "only the store sees this" in html
    assert OrderComment.objects.get(order=accepted).text == "Call after 18:00"
    response = manager_client.post(url("order_comment", accepted), {"comment-text": "  "}, **htmx)
    assert response.status_code == 422 and OrderComment.objects.count() == 1


def test_comment_without_htmx_redirects_to_the_journal(manager_client, accepted):
    response = manager_client.post(url("order_comment", accepted), {"comment-text": "Packed in blue box"})
    assert response.status_code == 302 and response.url.endswith("#journal")
    html = manager_client.get(url("order_detail", accepted)).content.decode()
    assert "Packed in blue box" in html


def test_call_log(manager_client, accepted, htmx, manager):
    response = manager_client.post(
        url("order_call", accepted), {"call-outcome": "busy", "call-note": "line busy"}, **htmx
    )
    assert response.status_code == 200 and "line busy" in response.content.decode()
    call = CallAttempt.objects.get(order=accepted)
    assert (call.outcome, call.caller, call.note) == ("busy", manager, "line busy")
    response = manager_client.post(url("order_call", accepted), {"call-outcome": "nonsense"}, **htmx)
    assert response.status_code == 422 and CallAttempt.objects.count() == 1


def test_timeline_shows_changes_with_who(manager_client, accepted, seller):
    ready_delivery(accepted, seller)
    response = manager_client.get(url("order_detail", accepted))
    actions = [entry.action for entry in response.context["timeline"]]
    assert actions[:3] == ["edit_delivery", "accept", "place"]
    html = response.content.decode()
    assert "Delivery changed" in html and "Seller: Mykola" in html and "70.00" in html


def test_phone_number_is_a_tel_link(manager_client, accepted):
    assert f'href="tel:{VALID_PHONE}"' in manager_client.get(url("order_detail", accepted)).content.decode()


# --- one table of actions, one view ----------------------------------------------------------------

ACTION_URLS = {
    "late_cause": "order_late_cause",
    "confirm": "order_confirm",
    "pack": "order_pack",
    "ship": "order_ship",
    "ready_for_pickup": "order_ready_for_pickup",
    "mark_received": "order_mark_received",
    "cancel": "order_cancel",
    "delivery": "order_delivery",
    "payment": "order_payment",
    "items": "order_items",
    "add_item": "order_item_add",
    "split": "order_split",
    "return_received": "order_return_received",
    "ttn": "order_ttn",
    "reorder": "order_reorder",
}


def test_every_order_action_is_one_row_of_the_table_served_by_one_view(accepted):
    assert set(order_views.ACTIONS) == set(ACTION_URLS)
    for action, name in ACTION_URLS.items():
        match = resolve(url(name, accepted))
        assert match.func is order_views.order_action_view and match.kwargs["action"] == action, name
        assert order_views.ACTIONS[action].url_name == f"cabinet:{name}"


# --- the editing windows: the page shows what the services allow ---------------------------------


@pytest.mark.parametrize(
    "status, shown",
    [
        (Status.ACCEPTED, {"items", "add_item", "delivery", "payment", "split"}),
        (Status.CONFIRMED, {"delivery", "payment", "split"}),
        (Status.IN_DELIVERY, set()),
    ],
)
def test_the_edit_forms_follow_the_editing_windows(manager_client, accepted, seller, status, shown):
    order = accepted
    if status != Status.ACCEPTED:
        order = order_confirm(actor=seller, order=ready_delivery(accepted, seller))
    if status == Status.IN_DELIVERY:
        order = order_ship(actor=seller, order=order, ttn=VALID_TTN)
    response = manager_client.get(url("order_detail", order))
    assert response.context["windows"] == editing_windows(fetch(order))
    assert set(response.context["edit"]) == shown
    note = "Items can be changed only while the order needs agreement with the buyer."
    page = with_opened_forms(response)
    assert (note in page) == (status != Status.ACCEPTED)  # open, items closed
    assert ('action="' + url("order_items", order) + '"' in page) == (status == Status.ACCEPTED)
    assert ('action="' + url("order_delivery", order) + '"' in page) == (status != Status.IN_DELIVERY)


# --- bad input gets a sentence, never a server error -----------------------------------------------


@pytest.mark.parametrize("ship_by", ["9999-12-31", "0001-01-01", "yesterday", "in-a-year"])
def test_a_ship_by_date_out_of_bounds_is_refused_on_delivery_and_pack(manager_client, accepted, seller, ship_by):
    ship_by = {
        "yesterday": (clock.today() - timedelta(days=1)).isoformat(),
        "in-a-year": (clock.today() + timedelta(days=365)).isoformat(),
    }.get(ship_by, ship_by)
    before = snapshot(accepted)
    response = manager_client.post(
        url("order_delivery", accepted),
        {
            "delivery-method": "nova_poshta",
            "delivery-branch": "Branch 1",
            "delivery-cost": "70",
            "delivery-ship_by": ship_by,
        },
    )
    assert response.status_code == 422 and snapshot(accepted) == before
    assert "ship-by date" in response.content.decode().lower()
    ready_delivery(accepted, seller)
    assert manager_client.post(url("order_confirm", accepted)).status_code == 302  # nothing bad was stored
    before = snapshot(accepted)
    response = manager_client.post(url("order_pack", accepted), {"pack-ship_by": ship_by})
    assert response.status_code == 422 and snapshot(accepted) == before


def test_a_total_the_order_cannot_hold_is_refused(manager_client, accepted, store):
    Offer.objects.create(store=store, title="Yacht", sku="YACHT", price=Decimal("9999999999.00"), stock=3)
    before = snapshot(accepted)
    response = manager_client.post(url("order_item_add", accepted), {"add_item-sku": "YACHT", "add_item-quantity": "1"})
    assert response.status_code == 422 and "The order total would exceed" in response.content.decode()
    assert snapshot(accepted) == before


def test_a_landline_is_a_ukrainian_operators_number(manager_client, place_order):
    order = place_order(phone="+380441234567")
    html = manager_client.get(url("order_detail", order)).content.decode()
    assert 'id="phone-warning"' not in html and "landline" in html
    response = manager_client.post(url("order_cancel", order), {"cancel-reason": "buyer_unreachable"})
    assert response.status_code == 422 and "Log at least two calls" in response.content.decode()
    assert fetch(order).status == Status.ACCEPTED


# --- issue 11: the order flow --------------------------------------------------------------------


def test_the_visit_that_accepts_the_order_says_so_once(manager_client, place_order):
    order = place_order()
    note = "the buyer sees that you are processing it"
    first = manager_client.get(url("order_detail", order)).content.decode()
    assert note in first and 'id="accepted-now"' in first
    assert note not in manager_client.get(url("order_detail", order)).content.decode()


def test_an_accepted_order_opened_again_says_nothing_of_accepting(manager_client, accepted):
    assert 'id="accepted-now"' not in manager_client.get(url("order_detail", accepted)).content.decode()


@pytest.mark.parametrize(
    "now, state, label",
    [
        ((2026, 11, 24, 18, 30), "excellent", "Time left:"),
        ((2026, 11, 24, 19, 0), "acceptable", "Time left:"),
        ((2026, 11, 25, 13, 0), "overdue", "Time is up"),
        ((2026, 11, 25, 13, 35), "overdue", "Overdue by 35 min"),
    ],
)
def test_the_countdown_is_coloured_by_its_boundary_on_the_page_and_the_list(
    manager_client, accepted, clock, now, state, label
):
    # `accepted`: excellent within 1 working hour, acceptable within 6: Tue 19:00 and Wed 13:00.
    order = entered_at(accepted, kyiv(2026, 11, 24, 18, 0))
    assert (order.excellent_deadline, order.acceptable_deadline) == (kyiv(2026, 11, 24, 19), kyiv(2026, 11, 25, 13))
    clock.move_to(kyiv(*now))
    html = manager_client.get(url("order_detail", order)).content.decode()
    assert f'class="deadline-box deadline-{state}"' in html and label in html
    assert "Overdue:" not in html  # one phrase, never "Overdue: overdue by …"
    listing = manager_client.get(reverse("cabinet:order_list")).content.decode()
    assert f'<span class="deadline deadline-{state}"' in listing


def test_mark_received_asks_for_confirmation(manager_client, place_order, seller):
    order = order_open(actor=seller, order=place_order(delivery_method="pickup"))
    order = order_ready_for_pickup(
        actor=seller, order=order_confirm(actor=seller, order=ready_delivery(order, seller, "pickup"))
    )
    html = manager_client.get(url("order_detail", order)).content.decode()
    assert 'name="mark_received-confirm"' in html and "this cannot be undone" in html
    before = snapshot(order)
    response = manager_client.post(url("order_mark_received", order))  # the server checks it too
    assert response.status_code == 422 and "Tick the box to confirm" in response.content.decode()
    assert snapshot(order) == before
    manager_client.post(url("order_mark_received", order), {"mark_received-confirm": "on"})
    assert fetch(order).status == Status.RECEIVED


def test_after_an_out_of_stock_cancellation_the_order_page_asks_for_new_stock(manager_client, accepted, offers):
    manager_client.post(
        url("order_cancel", accepted), {"cancel-reason": "out_of_stock", f"cancel-stock_{offers[1].pk}": "0"}
    )
    page = url("order_detail", accepted)
    html = manager_client.get(page).content.decode()
    assert 'id="restock"' in html
    assert f'action="{reverse("cabinet:offer_stock", args=[offers[1].pk])}"' in html
    assert f"check={offers[0].pk},{offers[1].pk}&amp;order={accepted.pk}" in html
    response = manager_client.post(
        reverse("cabinet:offer_stock", args=[offers[1].pk]), {f"offer-{offers[1].pk}-stock": "7", "next": page}
    )
    assert response.status_code == 302 and response.url == page
    assert Offer.objects.get(pk=offers[1].pk).stock == 7


def test_another_cancellation_asks_for_no_stock(manager_client, accepted, seller):
    order_cancel(actor=seller, order=accepted, reason=CancelReason.OTHER, comment="asked")
    assert 'id="restock"' not in manager_client.get(url("order_detail", accepted)).content.decode()


def test_an_edit_that_changes_nothing_says_so_and_writes_no_history(manager_client, accepted):
    before = snapshot(accepted)
    response = manager_client.post(
        url("order_delivery", accepted),
        {"delivery-method": "nova_poshta", "delivery-branch": "Branch 12", "delivery-cost": "", "delivery-ship_by": ""},
    )
    assert response.status_code == 422 and "Nothing changed" in response.content.decode()
    response = manager_client.post(url("order_payment", accepted), {"payment-method": accepted.payment_method})
    assert response.status_code == 422 and "Nothing changed" in response.content.decode()
    assert snapshot(accepted) == before


def test_the_nova_poshta_branch_cannot_be_blanked_on_the_page(manager_client, accepted):
    before = snapshot(accepted)
    response = manager_client.post(
        url("order_delivery", accepted),
        {"delivery-method": "nova_poshta", "delivery-branch": " ", "delivery-cost": "70"},
    )
    assert response.status_code == 422 and "branch cannot be left empty" in response.content.decode()
    assert snapshot(accepted) == before


@pytest.mark.parametrize(
    "typed, fragment", [("-2", "“-2” is too few"), ("abc", "“abc” is not a whole number"), ("1.5", "“1.5”")]
)
def test_quantity_errors_name_what_was_typed(manager_client, accepted, typed, fragment):
    case, _charger = accepted.items.order_by("pk")
    before = snapshot(accepted)
    response = manager_client.post(url("order_items", accepted), {f"items-qty_{case.pk}": typed})
    assert response.status_code == 422 and fragment in response.content.decode()
    response = manager_client.post(
        url("order_item_add", accepted), {"add_item-sku": "CASE-1", "add_item-quantity": typed}
    )
    assert response.status_code == 422 and fragment in response.content.decode()
    assert snapshot(accepted) == before


def test_split_with_a_negative_quantity_gives_one_clear_message(manager_client, accepted):
    case, _charger = accepted.items.order_by("pk")
    before = snapshot(accepted)
    response = manager_client.post(url("order_split", accepted), {f"split-move_{case.pk}": "-1"})
    assert response.status_code == 422
    errors = response.context["edit"]["split"].errors
    assert sum(len(messages) for messages in errors.values()) == 1, errors
    assert "“-1” cannot move" in response.content.decode()
    assert "Choose at least one item" not in response.content.decode()
    assert snapshot(accepted) == before


def test_shipping_with_another_orders_ttn_is_refused_on_the_page(manager_client, place_order, seller, confirmed):
    shipped = order_ship(
        actor=seller,
        order=order_confirm(actor=seller, order=ready_delivery(order_open(actor=seller, order=place_order()), seller)),
        ttn=VALID_TTN,
    )
    before = snapshot(confirmed)
    response = manager_client.post(url("order_ship", confirmed), {"ship-ttn": VALID_TTN})
    assert response.status_code == 422 and f"already on order #{shipped.pk}" in response.content.decode()
    assert snapshot(confirmed) == before


# --- one primary next step per status (issue 11) ---------------------------------------------


class ActionButtons(HTMLParser):
    """The order page's action forms: for each `data-action`, the classes of its submit buttons
    and the names of its fields."""

    def __init__(self):
        super().__init__()
        self.buttons: dict[str, list[str]] = {}
        self.fields: dict[str, set[str]] = {}
        self._stack: list[str | None] = []  # the data-action of each open form/details

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("form", "details"):
            action = attrs.get("data-action") or (self._stack[-1] if self._stack else None)
            self._stack.append(action)
            if action:
                self.buttons.setdefault(action, [])
                self.fields.setdefault(action, set())
        elif self._stack and self._stack[-1]:
            action = self._stack[-1]
            if tag == "button":
                self.buttons[action].append(attrs.get("class") or "")
            elif tag in ("input", "select", "textarea") and attrs.get("name"):
                self.fields[action].add(attrs["name"])

    def handle_endtag(self, tag):
        if tag in ("form", "details") and self._stack:
            self._stack.pop()


LAZY_GROUP = re.compile(r'<p class="lazy-form[^"]*" data-lazy-form="(\w+)"[^>]*><a href="([^"]+)">.*?</a></p>')


def with_opened_forms(response) -> str:
    """The page as the seller sees it with every <details> opened: each form group that waits
    for it replaced by what htmx gets from its link (views.orders.FORM_GROUPS)."""

    def fetched(match: re.Match) -> str:
        fragment = response.client.get(unescape(match.group(2)).split("#")[0], HTTP_HX_REQUEST="true")
        assert fragment.status_code == 200, match.group(0)
        return fragment.content.decode()

    return LAZY_GROUP.sub(fetched, response.content.decode())


def action_buttons(response) -> ActionButtons:
    parser = ActionButtons()
    parser.feed(with_opened_forms(response))
    return parser


def primary_actions(response) -> list[str]:
    parsed = action_buttons(response)
    return [name for name, classes in parsed.buttons.items() for c in classes if "primary" in c.split()]


def order_in(place_order, seller, method: str, status: Status) -> Order:
    """An order of `method` delivery brought to `status` by the seller's own steps."""
    order = order_open(actor=seller, order=place_order(delivery_method=method))
    if status == Status.ACCEPTED:
        return ready_delivery(order, seller, method=method)
    order = order_confirm(actor=seller, order=ready_delivery(order, seller, method=method))
    if status == Status.AWAITING_SHIPMENT:
        order = order_pack(actor=seller, order=order)
    elif status == Status.IN_DELIVERY:
        kwargs = (
            {"ttn": VALID_TTN}
            if method == "nova_poshta"
            else {"courier_phone": "+380671234567", "courier_visit_at": timezone.now() + timedelta(hours=3)}
        )
        order = order_ship(actor=seller, order=order, **kwargs)
    elif status == Status.AWAITING_PICKUP:
        order = order_ready_for_pickup(actor=seller, order=order)
    assert fetch(order).status == status
    return order


@pytest.mark.parametrize(
    "method, status, primary, secondary",
    [
        ("courier", Status.ACCEPTED, "confirm", set()),
        ("courier", Status.CONFIRMED, "pack", {"ship"}),
        ("courier", Status.AWAITING_SHIPMENT, "ship", set()),
        ("courier", Status.IN_DELIVERY, "mark_received", set()),
        ("nova_poshta", Status.ACCEPTED, "confirm", set()),
        ("nova_poshta", Status.CONFIRMED, "pack", {"ship"}),
        ("nova_poshta", Status.AWAITING_SHIPMENT, "ship", set()),
        ("pickup", Status.ACCEPTED, "confirm", set()),
        ("pickup", Status.CONFIRMED, "pack", {"ready_for_pickup"}),
        ("pickup", Status.AWAITING_SHIPMENT, "ready_for_pickup", set()),
        ("pickup", Status.AWAITING_PICKUP, "mark_received", set()),
    ],
)
def test_each_open_status_shows_one_primary_next_action(
    manager_client, place_order, seller, method, status, primary, secondary
):
    order = order_in(place_order, seller, method, status)
    response = manager_client.get(url("order_detail", order))
    assert primary_actions(response) == [primary]
    parsed = action_buttons(response)
    # The machine's allowed set is unchanged: the rest are shown, as secondary buttons.
    assert set(parsed.buttons) == {primary, *secondary, "cancel"}
    for name in secondary:
        assert parsed.buttons[name] == ["secondary"], name
    # Cancelling is always there, never primary, and last.
    assert parsed.buttons["cancel"] == ["danger"]
    rows = [row["action"] for row in response.context["action_rows"]]
    assert [a.name for a in rows if a.primary] == [primary]
    assert rows[0].name == primary and rows[-1].name == "cancel"


def test_the_primary_ship_step_asks_what_the_delivery_needs(manager_client, place_order, seller):
    courier = order_in(place_order, seller, "courier", Status.AWAITING_SHIPMENT)
    fields = action_buttons(manager_client.get(url("order_detail", courier))).fields["ship"]
    assert {"ship-courier_phone", "ship-courier_visit_at"} <= fields and "ship-ttn" not in fields
    carrier = order_in(place_order, seller, "nova_poshta", Status.AWAITING_SHIPMENT)
    fields = action_buttons(manager_client.get(url("order_detail", carrier))).fields["ship"]
    assert "ship-ttn" in fields and "ship-courier_phone" not in fields


def test_a_carrier_in_delivery_has_no_primary_step(manager_client, place_order, seller):
    """The carrier hands the parcel over; the seller may only cancel, which is never primary."""
    order = order_in(place_order, seller, "nova_poshta", Status.IN_DELIVERY)
    response = manager_client.get(url("order_detail", order))
    assert primary_actions(response) == []
    assert action_buttons(response).buttons == {"cancel": ["danger"]}


def test_a_blocked_next_step_is_not_primary_and_nothing_else_takes_its_place(manager_client, accepted):
    response = manager_client.get(url("order_detail", accepted))  # confirm waits for the terms
    assert primary_actions(response) == []
    assert [(a.name, a.primary) for a in (row["action"] for row in response.context["action_rows"])] == [
        ("confirm", False),
        ("cancel", False),
    ]
