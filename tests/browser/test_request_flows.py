"""Issue 14's two flows end to end in Chromium, across the three UIs (docs/rules.md §6):

(a) the platform in `request` mode: the buyer asks to cancel on the public page, the seller
    declines in the cabinet, a moderator takes and decides the dispute in admin; the buyer reads
    the decision and the note meant for them (never the store's);
(b) the seller asks in the cabinet to move the agreed date, the buyer accepts on the public page,
    and the order's ship-by date has moved.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import calendar
from marketplace import clock as platform_clock
from marketplace.models import PlatformPolicy
from orders.choices import CancelReason, Status
from orders.disputes.models import Decision, Dispute, DisputeOrigin, DisputeState, Fault
from orders.models import Order
from orders.requests.models import OrderRequest, RequestKind, RequestState
from tests.browser.conftest import PASSWORD, shoot
from tests.conftest import ready_delivery
from tests.orders.support import bring

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]

NOTE_TO_BUYER = "The store could not reach you; the order is cancelled, nobody is at fault."
NOTE_TO_STORE = "Internal: answer cancellation requests within the day next time."


def fetch(order) -> Order:
    return Order.objects.get(pk=order.pk)


def cabinet_sign_in(page, username: str) -> None:
    page.goto("/cabinet/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/cabinet/orders/")


def admin_sign_in(page, username: str, next_url: str) -> None:
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")


def test_a_buyers_cancel_request_declined_by_the_store_is_decided_by_a_moderator(
    page, live_server, place_order, seller, manager, moderator
):
    from playwright.sync_api import expect

    PlatformPolicy.objects.filter(pk=1).update(buyer_cancel_mode="request")
    calendar.forget()
    order = ready_delivery(bring(place_order, seller, Status.ACCEPTED), seller)

    # The buyer asks the store to cancel.
    page.goto(f"/o/{order.public_token}/")
    expect(page.locator("#cancel")).to_have_attribute("data-mode", "request")
    page.fill("#cancel textarea", "I found it in a shop nearby")
    page.check("#cancel input[type=checkbox]")
    page.click("#cancel button[type=submit]")
    expect(page.locator("#request-title")).to_have_text("You asked the store to cancel the order")
    asked = OrderRequest.objects.get(order=order)
    assert (asked.kind, asked.state) == (RequestKind.BUYER_CANCEL, RequestState.OPEN)

    # The seller declines in the cabinet.
    cabinet_sign_in(page, manager.username)
    page.goto(f"/cabinet/orders/{order.pk}/")
    expect(page.locator("#open-request")).to_have_attribute("data-kind", RequestKind.BUYER_CANCEL)
    expect(page.locator("#open-request")).to_contain_text("I found it in a shop nearby")
    page.fill("form[data-form=request_answer] textarea", "The parcel is packed already")
    page.click("form[data-form=request_answer] button[value=decline]")
    expect(page.locator("#request-dispute")).to_be_visible()
    shoot(page, "flow-a-cabinet-declined")
    assert OrderRequest.objects.get(pk=asked.pk).state == RequestState.DECLINED
    dispute = Dispute.objects.get(order=order)
    assert (dispute.origin, dispute.state) == (DisputeOrigin.DECLINED_REQUEST, DisputeState.OPEN)
    assert fetch(order).status == Status.ACCEPTED

    # The buyer sees the moderators are on it.
    page.goto(f"/o/{order.public_token}/")
    expect(page.locator("#dispute")).to_contain_text("The moderators are looking at it")

    # A moderator takes the dispute from the queue and decides it in admin.
    admin_sign_in(page, moderator.username, "/admin/orders/dispute/")
    expect(page.locator("#result_list")).to_contain_text(f"#{order.pk}")
    page.goto(f"/admin/orders/dispute/{dispute.pk}/change/")
    expect(page.locator("#request-thread")).to_contain_text("The parcel is packed already")
    page.click("#take-form input[type=submit]")
    expect(page.locator("#decide-form")).to_be_visible()
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.TAKEN
    page.check(f"#decide-form input[name=decision][value={Decision.CANCEL}]")
    page.select_option("#decide-form select[name=fault]", Fault.NOBODY)
    page.fill("#decide-form textarea[name=note_to_buyer]", NOTE_TO_BUYER)
    page.fill("#decide-form textarea[name=note_to_seller]", NOTE_TO_STORE)
    page.click("#decide-form input[type=submit]")
    expect(page.locator("ul.messagelist")).to_contain_text("The dispute is decided")
    shoot(page, "flow-a-admin-decided")
    decided = Dispute.objects.get(pk=dispute.pk)
    assert (decided.state, decided.decision, decided.fault) == (DisputeState.DECIDED, Decision.CANCEL, Fault.NOBODY)
    cancelled = fetch(order)
    assert (cancelled.status, cancelled.cancel_reason) == (Status.CANCELLED, CancelReason.DISPUTE_NO_FAULT)

    # The buyer reads the decision and their note, never the store's.
    page.goto(f"/o/{order.public_token}/")
    expect(page.locator("#dispute-decision")).to_contain_text("The order is cancelled.")
    expect(page.locator("#dispute-note")).to_have_text(NOTE_TO_BUYER)
    assert NOTE_TO_STORE not in page.content()
    shoot(page, "flow-a-buyer-decision")


def test_a_sellers_move_of_the_date_is_accepted_by_the_buyer(page, live_server, place_order, seller, manager):
    from playwright.sync_api import expect

    order = ready_delivery(bring(place_order, seller, Status.ACCEPTED), seller)
    old = fetch(order).ship_by
    new = old + timedelta(days=3)
    assert new > platform_clock.today()

    # The seller asks to move the agreed date in the cabinet.
    cabinet_sign_in(page, manager.username)
    page.goto(f"/cabinet/orders/{order.pk}/")
    page.click("#request-move summary")
    page.fill("form[data-form=request_move] input[name$=new_date]", new.isoformat())
    page.fill("form[data-form=request_move] textarea", "The supplier delivers on Friday")
    page.click("form[data-form=request_move] button[type=submit]")
    expect(page.locator("#open-request")).to_have_attribute("data-kind", RequestKind.MOVE_DATE)
    asked = OrderRequest.objects.get(order=order)
    assert (asked.state, asked.old_date, asked.new_date) == (RequestState.OPEN, old, new)

    # The buyer accepts on the public page.
    page.goto(f"/o/{order.public_token}/")
    expect(page.locator("#request-title")).to_contain_text("move the agreed date")
    expect(page.locator("#request")).to_contain_text("The supplier delivers on Friday")
    shoot(page, "flow-b-buyer-move-date")
    page.fill("#request-answer textarea", "Friday is fine")
    page.click("#request-accept")
    expect(page.locator("#request")).to_have_count(0)
    assert OrderRequest.objects.get(pk=asked.pk).state == RequestState.ACCEPTED
    moved = fetch(order)
    assert (moved.status, moved.ship_by) == (Status.ACCEPTED, new)

    # The cabinet shows the new date and the accepted request.
    page.goto(f"/cabinet/orders/{order.pk}/")
    expect(page.locator(f"#past-requests li[data-request='{asked.pk}']")).to_have_attribute(
        "data-state", RequestState.ACCEPTED
    )
