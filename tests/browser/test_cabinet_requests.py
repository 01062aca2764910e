"""The cabinet's request panel in a real browser (issue 14 item 7): headless Chromium through
Playwright against the live server. A seller asks from the order page to move the agreed date
(the buyer's accept is the buyer page's test); a seller declines a buyer's cancellation request
(request mode), which passes it to the moderators; the panel and the requests tab fit a 360 px
phone. Screenshots go to var/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import calendar
from marketplace.actors import Actor
from marketplace.models import PlatformPolicy
from orders.choices import Status
from orders.models import Dispute, OrderRequest
from orders.requests.models import RequestKind, RequestState
from orders.requests.services import request_open
from tests.browser.conftest import PASSWORD, shoot
from tests.conftest import ready_delivery
from tests.orders.support import bring

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]

# The page's width fits the phone's: nothing scrolls sideways.
FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def sign_in(page, username: str) -> None:
    page.goto("/cabinet/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/cabinet/orders/")


@pytest.fixture
def order(place_order, seller):
    return ready_delivery(bring(place_order, seller, Status.ACCEPTED), seller)


def test_a_seller_asks_to_move_the_agreed_date(page, manager, order):
    from playwright.sync_api import expect

    sign_in(page, manager.username)
    page.goto(f"/cabinet/orders/{order.pk}/")
    page.click("#request-move summary")
    new_date = order.ship_by + timedelta(days=3)
    page.fill("#id_request_move-new_date", new_date.isoformat())
    page.fill("#id_request_move-message", "The supplier delivers on Friday")
    page.click("#request-move button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("asked to agree to the new date")
    panel = page.locator("#open-request")
    expect(panel).to_have_attribute("data-kind", "move_date")
    expect(panel).to_contain_text("The supplier delivers on Friday")
    expect(page.locator("#request-expires")).to_contain_text("2 d 0 h")
    expect(page.locator("#follow-up-from")).to_contain_text("possible from 14:00")
    expect(page.locator("#request-move")).to_have_count(0)  # one open request per order
    request = OrderRequest.objects.get(order=order)
    assert (request.kind, request.state, request.old_date, request.new_date) == (
        RequestKind.MOVE_DATE,
        RequestState.OPEN,
        order.ship_by,
        new_date,
    )
    shoot(page, "cabinet-request-move-date")

    # The thread: a message to the buyer appears in it.
    page.fill("#id_request_message-text", "Or we can send a similar model today")
    page.click("form[data-form=request_message] button[type=submit]")
    expect(page.locator(".request-thread")).to_contain_text("Or we can send a similar model today")


def test_a_seller_asks_to_cancel_by_agreement_from_the_form_that_comes_on_opening(page, manager, order):
    """The ask waits in a closed <details>: opening it fetches the form (htmx), which then posts
    to the request's action; the other ask's form is never fetched."""
    from playwright.sync_api import expect

    sign_in(page, manager.username)
    page.goto(f"/cabinet/orders/{order.pk}/")
    expect(page.locator("#request-cancel [data-lazy-form=request_cancel]")).to_have_count(1)
    expect(page.locator("#id_request_cancel-ground")).to_have_count(0)
    page.click("#request-cancel summary")
    page.select_option("#id_request_cancel-ground", "duplicate")
    page.fill("#id_request_cancel-message", "You ordered twice, we keep the other one")
    expect(page.locator("#request-move [data-lazy-form=request_move]")).to_have_count(1)  # still waiting
    page.click("form[data-form=request_cancel] button[type=submit]")
    panel = page.locator("#open-request")
    expect(panel).to_have_attribute("data-kind", RequestKind.SELLER_CANCEL)
    expect(panel).to_contain_text("You ordered twice, we keep the other one")
    expect(page.locator("#request-cancel")).to_have_count(0)  # one open request per order
    request = OrderRequest.objects.get(order=order)
    assert (request.kind, request.state, request.ground) == (RequestKind.SELLER_CANCEL, RequestState.OPEN, "duplicate")


def test_a_seller_declines_a_buyers_cancellation_request(page, manager, order):
    from playwright.sync_api import expect

    PlatformPolicy.objects.filter(pk=1).update(buyer_cancel_mode="request")
    calendar.forget()
    request = request_open(actor=Actor.buyer(), order=order, kind=RequestKind.BUYER_CANCEL, message="Found it cheaper")

    sign_in(page, manager.username)
    page.click("nav.mainnav a[href='/cabinet/requests/']")
    expect(page.locator("nav.tabs a[data-tab=store] .count")).to_have_text("1")
    page.click(f"tr[data-order='{order.pk}'] a.order-link")
    panel = page.locator("#open-request")
    expect(panel).to_have_attribute("data-kind", "buyer_cancel")
    expect(panel).to_contain_text("Found it cheaper")
    page.fill("#id_request_answer-message", "The parcel is packed and leaves today")
    page.locator("#request").screenshot(path=str(_shot("cabinet-request-answer")))
    page.click("form[data-form=request_answer] button[value=decline]")
    expect(page.locator(".messages")).to_contain_text("Your answer")
    expect(page.locator("#request-dispute")).to_contain_text("Passed to the moderators")
    request.refresh_from_db()
    assert request.state == RequestState.DECLINED
    assert request.answer_message == "The parcel is packed and leaves today"
    assert Dispute.objects.get(order=order).request_id == request.pk
    page.locator("#request").screenshot(path=str(_shot("cabinet-request-declined")))

    # On a phone: the panel and the tab fit 360 px.
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    assert page.evaluate(FITS)
    shoot(page, "phone-cabinet-request-panel")
    page.goto("/cabinet/requests/?tab=moderators")
    expect(page.locator(f"tr[data-order='{order.pk}']")).to_be_visible()
    assert page.evaluate(FITS)
    shoot(page, "phone-cabinet-requests-tab")


def _shot(name: str):
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
