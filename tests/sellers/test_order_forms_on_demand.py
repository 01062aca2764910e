"""The order page's editing forms come when the seller opens them (issue 16): a page view renders
none of the widgets in its closed <details>; each group is one htmx GET away (and a plain link
without JavaScript), decided by the same `order_forms` as the actions; a refused form comes back
open in the page. The timeline reads three tables, a fourth only for a parcel."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.choices import Status
from orders.models import CallAttempt, Order
from orders.selectors import order_timeline
from orders.services import order_comment_add, order_confirm, order_open, order_ship
from sellers.cabinet.views.orders import FORM_GROUPS
from tests.conftest import VALID_TTN, ready_delivery

HTMX = {"HTTP_HX_REQUEST": "true"}
# Each group's form and a field of it, as the fragment renders them.
GROUP_FORMS = {
    "cancel": ("order_cancel", 'name="cancel-reason"'),
    "items": ("order_items", 'name="items-qty_'),
    "delivery": ("order_delivery", 'name="delivery-method"'),
    "payment": ("order_payment", 'name="payment-method"'),
    "split": ("order_split", 'name="split-move_'),
    "ttn": ("order_ttn", 'name="ttn-ttn"'),
    "late_cause": ("order_late_cause", 'name="late_cause-cause"'),  # tests/orders/test_late_causes.py
    "reorder": ("order_reorder", 'name="reorder-discount_kind"'),  # tests/orders/reorders/
}


def page_url(order) -> str:
    return reverse("cabinet:order_detail", args=[order.pk])


def form_url(order, group: str) -> str:
    return reverse("cabinet:order_form", args=[order.pk]) + f"?form={group}"


@pytest.fixture
def accepted(place_order, seller, offers):
    return order_open(actor=seller, order=place_order([(offers[0], 2), (offers[1], 1)]))


@pytest.fixture
def shipped(accepted, seller):
    order = order_confirm(actor=seller, order=ready_delivery(accepted, seller))
    return order_ship(actor=seller, order=order, ttn=VALID_TTN)


def test_the_page_renders_no_closed_form_and_links_each_group(manager_client, accepted):
    html = manager_client.get(page_url(accepted)).content.decode()
    for group in ("cancel", "items", "delivery", "payment", "split"):
        _action, field = GROUP_FORMS[group]
        assert field not in html, group
        assert f'hx-get="{form_url(accepted, group)}"' in html, group
        assert f'href="{form_url(accepted, group)}#edit-{group}"' in html, group  # without JavaScript
    assert 'name="comment-text"' in html and 'name="call-outcome"' in html  # the journal's forms stay


@pytest.mark.parametrize("group", ["cancel", "items", "delivery", "payment", "split"])
def test_each_group_is_one_htmx_get_away_and_its_form_posts(manager_client, accepted, group):
    action, field = GROUP_FORMS[group]
    fragment = manager_client.get(form_url(accepted, group), **HTMX)
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert f'action="{reverse(f"cabinet:{action}", args=[accepted.pk])}"' in html and field in html
    assert "csrfmiddlewaretoken" in html and "<html" not in html
    if group == "items":
        assert f'action="{reverse("cabinet:order_item_add", args=[accepted.pk])}"' in html


def test_the_fragments_form_reaches_its_action(manager_client, accepted):
    fragment = manager_client.get(form_url(accepted, "payment"), **HTMX).content.decode()
    assert 'value="card"' in fragment
    response = manager_client.post(reverse("cabinet:order_payment", args=[accepted.pk]), {"payment-method": "card"})
    assert response.status_code == 302 and Order.objects.get(pk=accepted.pk).payment_method == "card"


def test_without_javascript_the_link_opens_the_page_with_the_group(manager_client, accepted):
    response = manager_client.get(form_url(accepted, "delivery"))
    html = response.content.decode()
    assert response.status_code == 200 and 'id="order-status"' in html  # the whole page
    assert '<details class="edit" id="edit-delivery" open>' in html and 'name="delivery-method"' in html
    assert 'name="cancel-reason"' not in html  # the other groups still wait


def test_a_refused_form_comes_back_open_in_the_page(manager_client, accepted):
    response = manager_client.post(
        reverse("cabinet:order_delivery", args=[accepted.pk]), {"delivery-method": "nova_poshta", "delivery-cost": "-5"}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert '<details class="edit" id="edit-delivery" open>' in html and 'name="delivery-cost"' in html


def test_the_groups_follow_what_the_order_takes_now(manager_client, shipped):
    """In delivery nothing may be edited any more but the tracking number, and cancelling."""
    for group in ("items", "delivery", "payment", "split"):
        response = manager_client.get(form_url(shipped, group), **HTMX)
        assert response.status_code == 200 and response.headers["HX-Refresh"] == "true", group
        assert GROUP_FORMS[group][1] not in response.content.decode()
    for group in ("cancel", "ttn"):
        assert GROUP_FORMS[group][1] in manager_client.get(form_url(shipped, group), **HTMX).content.decode()
    html = manager_client.get(page_url(shipped)).content.decode()
    assert f'hx-get="{form_url(shipped, "ttn")}"' in html and f'hx-get="{form_url(shipped, "delivery")}"' not in html


def test_an_unknown_group_is_404_and_another_method_405(manager_client, accepted):
    assert set(FORM_GROUPS) == set(GROUP_FORMS)
    assert manager_client.get(form_url(accepted, "nonsense"), **HTMX).status_code == 404
    assert manager_client.get(reverse("cabinet:order_form", args=[accepted.pk])).status_code == 404
    assert manager_client.post(form_url(accepted, "delivery"), **HTMX).status_code == 405


def test_a_terminal_orders_page_links_no_group(manager_client, accepted, seller):
    from orders.services import order_cancel

    order = order_cancel(actor=seller, order=accepted, reason="other", comment="test")
    assert order.status == Status.CANCELLED
    assert "data-lazy-form" not in manager_client.get(page_url(order)).content.decode()


def _timeline_queries(order) -> int:
    with CaptureQueriesContext(connection) as queries:
        order_timeline(order)
    return len(queries)


def test_the_timeline_reads_three_tables_and_the_tracking_events_only_for_a_parcel(place_order, seller, shipped):
    from orders.services import order_call_log

    order_comment_add(actor=seller, order=Order.objects.get(pk=shipped.pk), text="Agreed the branch")
    order_call_log(actor=seller, order=Order.objects.get(pk=shipped.pk), outcome="busy", note="line busy")
    assert _timeline_queries(Order.objects.get(pk=shipped.pk)) == 4  # it has a tracking number
    entries = order_timeline(Order.objects.get(pk=shipped.pk))
    notes = [(e.kind, e.text, e.seller_only) for e in entries if e.kind in ("comment", "call")]
    assert notes == [("comment", "Agreed the branch", True), ("call", "line busy", True)]
    call = next(e for e in entries if e.kind == "call")
    assert call.action == str(CallAttempt.Outcome.BUSY.label) and call.actor
    assert _timeline_queries(order_open(actor=seller, order=place_order())) == 3
