"""A moderator decides a dispute in Django admin in a real browser (docs/rules.md §6): the queue,
the change page with the request's thread, the take and decide forms."""

from __future__ import annotations

import pytest

from orders.choices import CancelReason, Status
from orders.disputes.models import Dispute, DisputeState, Fault
from orders.models import Order
from tests.browser.conftest import PASSWORD, shoot
from tests.orders.disputes.support import confirmed_dispute

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]


def test_a_moderator_takes_and_decides_a_dispute(page, live_server, place_order, seller, moderator):
    from playwright.sync_api import expect

    dispute = confirmed_dispute(place_order, seller, thread=("We can offer another model instead.",))

    page.goto("/admin/login/?next=/admin/orders/dispute/")
    page.fill("#id_username", moderator.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#result_list")).to_be_visible()
    shoot(page, "dispute-queue")

    page.click(f"#result_list a:text-is('D{dispute.pk}')")
    expect(page.locator("#request-thread")).to_contain_text("We can offer another model instead.")
    expect(page.locator("#order-timeline")).to_be_visible()
    page.click("#take-form input[type=submit]")
    expect(page.locator(".messagelist")).to_contain_text("You took the dispute.")
    assert Dispute.objects.get(pk=dispute.pk).taken_by == moderator

    # Cancelling without naming who is at fault is refused with the service's sentence.
    page.check("#decide-form input[name=decision][value=cancel]")
    page.click("#decide-form input[type=submit]")
    expect(page.locator(".messagelist")).to_contain_text("Name who is at fault")
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.TAKEN

    page.check("#decide-form input[name=decision][value=cancel]")
    page.select_option("#decide-form select[name=fault]", Fault.SELLER)
    page.fill("#decide-form textarea[name=note_to_buyer]", "Sorry: the store cannot supply it.")
    page.fill("#decide-form textarea[name=note_to_seller]", "Say so before the buyer waits.")
    shoot(page, "dispute-decide")
    page.click("#decide-form input[type=submit]")
    expect(page.locator(".messagelist")).to_contain_text("The dispute is decided")
    shoot(page, "dispute-decided")

    saved = Dispute.objects.get(pk=dispute.pk)
    assert (saved.state, saved.fault, saved.decided_by) == (DisputeState.DECIDED, Fault.SELLER, moderator)
    order = Order.objects.get(pk=dispute.order_id)
    assert (order.status, order.cancel_reason) == (Status.CANCELLED, CancelReason.DISPUTE_SELLER_FAULT)
    expect(page.locator("#decide-form")).to_have_count(0)
