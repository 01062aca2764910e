"""Bulk actions on the order list: confirm each selected order through its own service (every
order confirmed or left as it was, each result reported), only the current store's orders,
POST with the CSRF token."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from marketplace.actors import Actor
from notifications.models import OutboxMessage
from orders.choices import Status
from orders.models import Order
from orders.services import order_confirm, order_open
from tests.conftest import ready_delivery

URL = reverse("cabinet:order_bulk")
LIST = reverse("cabinet:order_list")


def fetch(order) -> Order:
    return Order.objects.get(pk=order.pk)


def said(response) -> list[tuple[str, str]]:
    """The messages this request added (earlier unread ones wait in the cookie)."""
    get_messages(response.wsgi_request)  # the storage of this request
    return [(m.level_tag, str(m)) for m in response.wsgi_request._messages._queued_messages]


def footprint(order) -> tuple:
    """What a refused confirmation must leave as it was."""
    return (
        Order.objects.filter(pk=order.pk).values().get(),
        Order.history.filter(id=order.pk).count(),
        OutboxMessage.objects.filter(order_id=order.pk).count(),
    )


def test_bulk_confirm_confirms_what_it_can_and_says_why_not_for_the_rest(manager_client, place_order, seller):
    ready = ready_delivery(order_open(actor=seller, order=place_order()), seller)
    new_ready = ready_delivery(place_order(), seller)  # agreed before opening: taken and confirmed at once
    unready = order_open(actor=seller, order=place_order())  # no delivery cost, no ship-by date
    done = order_confirm(actor=seller, order=ready_delivery(order_open(actor=seller, order=place_order()), seller))
    before = {order.pk: footprint(order) for order in (unready, done)}

    response = manager_client.post(
        URL,
        {"action": "confirm", "ids": [ready.pk, new_ready.pk, unready.pk, done.pk], "next": f"{LIST}?tab=all"},
    )

    assert response.status_code == 302 and response.url == f"{LIST}?tab=all"
    assert fetch(ready).status == Status.CONFIRMED
    assert fetch(new_ready).status == Status.CONFIRMED
    assert {order.pk: footprint(order) for order in (unready, done)} == before
    messages = said(response)
    assert ("success", f"Confirmed: #{ready.pk}, #{new_ready.pk}.") in messages
    warnings = [text for level, text in messages if level == "warning"]
    assert len(warnings) == 2
    assert warnings[0].startswith(f"Order #{unready.pk} is not confirmed: ") and "ship-by date" in warnings[0]
    assert warnings[1].startswith(f"Order #{done.pk} is not confirmed: ")


def test_a_refused_new_order_is_not_half_applied(manager_client, place_order):
    """Confirming a new order also takes it into processing; refused, it is not even accepted."""
    order = place_order()
    before = footprint(order)
    response = manager_client.post(URL, {"action": "confirm", "ids": [order.pk]})
    assert response.status_code == 302 and response.url == LIST
    assert footprint(order) == before and fetch(order).status == Status.NEW
    [(level, text)] = said(response)
    assert level == "error" and text.startswith(f"Order #{order.pk} is not confirmed: ")


def test_other_stores_ids_are_ignored(manager_client, place_order, seller, outsider_store, outsider_offer, outsider):
    mine = ready_delivery(order_open(actor=seller, order=place_order()), seller)
    theirs = place_order([(outsider_offer, 1)], target_store=outsider_store)
    theirs = ready_delivery(order_open(actor=Actor.seller(outsider), order=theirs), Actor.seller(outsider))
    before = footprint(theirs)

    response = manager_client.post(URL, {"action": "confirm", "ids": [theirs.pk, mine.pk, "x", "-3", "²"]})
    assert fetch(mine).status == Status.CONFIRMED
    assert footprint(theirs) == before
    assert said(response) == [("success", f"Confirmed: #{mine.pk}.")]

    for action in ("confirm", "print", "export"):
        response = manager_client.post(URL, {"action": action, "ids": [theirs.pk, 10**30]})
        assert response.status_code == 302 and response.url == LIST, action
        assert said(response) == [("error", "Select at least one order of this store.")]
    assert footprint(theirs) == before


def test_bulk_export_and_print_hold_only_the_selected_orders_of_the_store(
    manager_client, place_order, outsider_store, outsider_offer
):
    first, second, third = place_order(), place_order(), place_order()
    theirs = place_order([(outsider_offer, 1)], target_store=outsider_store)
    ids = [third.pk, theirs.pk, first.pk]
    export = manager_client.post(URL, {"action": "export", "ids": ids})
    assert export.status_code == 200 and export.streaming
    lines = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == [str(third.pk), str(first.pk)]

    printed = manager_client.post(URL, {"action": "print", "ids": ids})
    assert printed.status_code == 200
    assert [doc.order.pk for doc in printed.context["documents"]] == [third.pk, first.pk]
    assert second.pk not in [doc.order.pk for doc in printed.context["documents"]]
    # Reading is not opening: the printed new orders stay new.
    assert fetch(first).status == Status.NEW and fetch(third).status == Status.NEW


def test_bulk_needs_post_with_the_csrf_token(manager, store, place_order, seller):
    order = ready_delivery(order_open(actor=seller, order=place_order()), seller)
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.get(URL, {"action": "confirm", "ids": order.pk}).status_code == 405
    assert client.post(URL, {"action": "confirm", "ids": [order.pk]}).status_code == 403
    assert fetch(order).status == Status.ACCEPTED
    # With the token the page gives, it works.
    page = client.get(LIST, {"tab": "all"})
    token = page.context["csrf_token"]
    assert f'name="csrfmiddlewaretoken" value="{token}"' in page.content.decode()
    response = client.post(URL, {"action": "confirm", "ids": [order.pk], "csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302 and fetch(order).status == Status.CONFIRMED


def test_unknown_action_and_foreign_next_change_nothing(manager_client, place_order, seller):
    order = ready_delivery(order_open(actor=seller, order=place_order()), seller)
    response = manager_client.post(URL, {"action": "delete", "ids": [order.pk], "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == LIST
    assert fetch(order).status == Status.ACCEPTED
    assert said(response) == [("error", "Choose what to do with the selected orders.")]
    response = manager_client.post(
        URL, {"action": "confirm", "ids": [order.pk], "next": "//evil.example/cabinet/orders/"}
    )
    assert response.url == LIST


def test_the_list_has_a_checkbox_per_row_in_the_bulk_form(manager_client, place_order):
    first, second = place_order(), place_order()
    html = manager_client.get(LIST).content.decode()
    assert f'action="{URL}"' in html and 'id="bulk-form"' in html
    for order in (first, second):
        assert f'name="ids" value="{order.pk}" form="bulk-form"' in html
    assert 'name="action" value="confirm"' in html and 'value="print"' in html and 'value="export"' in html
    # htmx's partial answer (the filters swap the rows) keeps the checkboxes and the way back
    partial = manager_client.get(LIST, {"q": "Iryna"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="order-results")
    text = partial.content.decode()
    assert f'name="ids" value="{first.pk}" form="bulk-form"' in text
    assert 'name="next" value="/cabinet/orders/?q=Iryna" form="bulk-form"' in text
