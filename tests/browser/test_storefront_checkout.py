"""The storefront's Must-show flow in Chromium (issue 12): a buyer searches, opens an offer, adds
goods of two stores to the cart, checks out with a Nova Poshta branch for one store and pickup
for the other, and lands on the thank-you page with two links; each public page shows its order,
each store's member sees the new order in the cabinet, and the outbox holds the messages. The
CSRF check is the real one (Chromium sends Origin; a forged token is refused). Screenshots of
the catalog, the cart, the checkout and the thank-you page go to var/screenshots/ at desktop
width (storefront-flow-*-desktop.png) and at 360 px (phone-storefront-flow-*.png), where the
cart, checkout and thank-you pages are no wider than the phone."""

from __future__ import annotations

from decimal import Decimal

import pytest

from notifications.models import OutboxMessage
from orders.choices import DeliveryMethod, OrderSource
from orders.models import Order
from sellers.models import Offer
from tests.browser.conftest import PASSWORD, shoot
from tests.browser.test_phone_width import check_width
from tests.conftest import make_store, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]


@pytest.fixture
def goods(store, offers):
    """Alpha Shop (no pickup point) sells a phone case; Gamma Shop, with a pickup point, a lamp."""
    owner = make_user("gamma-owner", email="gamma@example.com")
    gamma = make_store("Gamma Shop", owner=owner)
    gamma.pickup_address = "Kyiv, Sahaidachnoho 5"
    gamma.pickup_hours = "Mon–Fri 10:00–19:00"
    gamma.save()
    lamp = Offer.objects.create(store=gamma, title="Desk lamp", sku="LAMP-9", price=Decimal("1200.00"), stock=4)
    return {"alpha": store, "gamma": gamma, "gamma_owner": owner, "case": offers[0], "lamp": lamp}


def search_and_add(page, query: str, title: str, quantity: int) -> None:
    from playwright.sync_api import expect

    page.goto("/")
    box = page.locator("input[type=search][name=q]").first  # the catalog's search box
    box.fill(query)
    box.press("Enter")
    expect(page.locator("#results .offer-card .offer-link", has_text=title).first).to_be_visible()
    page.locator("#results .offer-card .offer-link", has_text=title).first.click()
    expect(page.locator("h1")).to_have_text(title)
    page.fill(".offer-page form.add-to-cart input[name=quantity]", str(quantity))
    page.click(".offer-page form.add-to-cart button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("is in your cart")


def sign_in(page, username: str) -> None:
    page.goto("/cabinet/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/cabinet/**")


def test_a_buyer_orders_from_two_stores(page, live_server, goods, manager):
    from playwright.sync_api import expect

    alpha, gamma = goods["alpha"], goods["gamma"]
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.headers.get("origin")))

    page.goto("/")
    shoot(page, "storefront-flow-catalog-desktop")
    search_and_add(page, "phone case", "Phone case", 2)
    search_and_add(page, "lamp", "Desk lamp", 1)
    expect(page.locator("#cart-count")).to_have_text("3")

    page.click("#cart-link")
    expect(page.locator(".cart-store")).to_have_count(2)
    shoot(page, "storefront-flow-cart-desktop")
    page.click("#to-checkout")
    page.fill("#id_name", "Iryna Buyer")
    page.fill("#id_phone", "050 123 45 67")
    page.fill("#id_email", "iryna@example.com")
    # Alpha Shop: a Nova Poshta branch (the branch box shows once it is chosen); no pickup offered.
    expect(page.locator(f'input[name="s{alpha.pk}-delivery_method"][value=pickup]')).to_have_count(0)
    page.check(f'input[name="s{alpha.pk}-delivery_method"][value=nova_poshta]')
    page.fill(f"#id_s{alpha.pk}-delivery_branch", "Kyiv, branch 12")
    # Gamma Shop: pickup, with its address and hours shown.
    page.check(f'input[name="s{gamma.pk}-delivery_method"][value=pickup]')
    expect(page.locator(f'.store-part[data-store="{gamma.pk}"] .pickup-point')).to_contain_text("Kyiv, Sahaidachnoho 5")
    expect(page.locator(f"#id_s{gamma.pk}-delivery_branch")).to_be_hidden()
    shoot(page, "storefront-flow-checkout-desktop")
    page.click("#place-order")

    expect(page.locator("#thanks")).to_be_visible()
    links = page.locator("a.order-link")
    expect(links).to_have_count(2)
    shoot(page, "storefront-flow-thanks-desktop")
    thanks_url = page.url
    # Our own origin went with every POST: Django's CSRF check passed on the real header.
    assert posts and all(origin == live_server.url for origin in posts), posts

    orders = {order.store_id: order for order in Order.objects.all()}
    assert set(orders) == {alpha.pk, gamma.pk}
    a, g = orders[alpha.pk], orders[gamma.pk]
    assert (a.delivery_method, a.delivery_branch, a.source) == (
        DeliveryMethod.NOVA_POSHTA,
        "Kyiv, branch 12",
        OrderSource.STOREFRONT,
    )
    assert g.delivery_method == DeliveryMethod.PICKUP and a.buyer_phone == g.buyer_phone == "+380501234567"
    assert [(i.title, i.quantity) for i in a.items.all()] == [("Phone case", 2)]
    assert [(i.title, i.quantity) for i in g.items.all()] == [("Desk lamp", 1)]

    # Each link opens its order's public page.
    hrefs = [links.nth(i).get_attribute("href") for i in range(2)]
    for order in (a, g):
        href = next(h for h in hrefs if order.public_token in h)
        page.goto(href)
        expect(page.locator("h1")).to_contain_text(f"#{order.pk}")
        expect(page.locator("#items")).to_contain_text(order.items.get().title)
        expect(page.locator("#back-store")).to_be_visible()

    # The outbox holds the new-order messages: each store's and the buyer's.
    for order in (a, g):
        audiences = set(
            OutboxMessage.objects.filter(order=order, event="order_placed").values_list("audience", flat=True)
        )
        assert {"store", "buyer"} <= audiences, audiences

    # Each store's member sees the new order in the cabinet.
    for user, order in ((manager, a), (goods["gamma_owner"], g)):
        context = page.context.browser.new_context(base_url=live_server.url, locale="en-US")
        context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        context.set_default_timeout(10_000)
        member = context.new_page()
        sign_in(member, user.username)
        member.goto("/cabinet/orders/?tab=all")
        expect(member.locator(f'a[href="/cabinet/orders/{order.pk}/"]').first).to_be_visible()
        member.goto(f"/cabinet/orders/{order.pk}/")
        expect(member.locator("#order-source")).to_contain_text("Storefront")
        context.close()

    # The same pages at phone width: nothing wider than the screen.
    phone_pages(page, live_server, goods, thanks_url)


def phone_pages(page, live_server, goods, thanks_url: str) -> None:
    from playwright.sync_api import expect

    context = page.context.browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 780}, device_scale_factor=2, has_touch=True
    )
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    context.set_default_timeout(10_000)
    phone = context.new_page()
    try:
        phone.goto("/")
        check_width(phone, "storefront-flow-catalog")
        phone.click(".more-filters summary")  # the price boxes (#f-min, #f-max) once made it 717 px wide
        phone.fill("#f-min", "1000000")
        phone.fill("#f-max", "999999999")
        check_width(phone, "storefront-flow-catalog-filters")
        for offer in (goods["case"], goods["lamp"]):
            phone.goto(f"/offer/{offer.pk}/")
            phone.click(".offer-page form.add-to-cart button[type=submit]")
            expect(phone.locator(".messages")).to_contain_text("is in your cart")
        phone.goto("/cart/")
        check_width(phone, "storefront-flow-cart")
        phone.click("#to-checkout")
        phone.check(f'input[name="s{goods["alpha"].pk}-delivery_method"][value=nova_poshta]')
        check_width(phone, "storefront-flow-checkout")
        phone.goto(thanks_url)
        check_width(phone, "storefront-flow-thanks")
    finally:
        context.close()


def test_a_forged_csrf_token_places_nothing(page, goods):
    from playwright.sync_api import expect

    page.goto(f"/offer/{goods['case'].pk}/")
    page.click(".offer-page form.add-to-cart button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("is in your cart")
    page.goto("/checkout/")
    page.fill("#id_name", "Iryna Buyer")
    page.fill("#id_phone", "+380501234567")
    page.check(f'input[name="s{goods["alpha"].pk}-delivery_method"][value=nova_poshta]')
    page.fill(f"#id_s{goods['alpha'].pk}-delivery_branch", "Kyiv, branch 12")
    page.evaluate("document.querySelector('#checkout-form [name=csrfmiddlewaretoken]').value = 'x'.repeat(64)")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#place-order")
    assert answer.value.status == 403
    assert Order.objects.count() == 0 and OutboxMessage.objects.count() == 0


def test_the_buyer_changes_the_cart_and_accepts_a_new_price(page, goods):
    """The cart's own forms in Chromium: update a quantity, remove a line, accept a price change."""
    from playwright.sync_api import expect

    case, lamp = goods["case"], goods["lamp"]
    for offer in (case, lamp):
        page.goto(f"/offer/{offer.pk}/")
        page.click(".offer-page form.add-to-cart button[type=submit]")
        expect(page.locator(".messages")).to_contain_text("is in your cart")
    page.goto("/cart/")
    page.fill(f"#cart-qty-{case.pk}", "3")
    page.locator(f'.cart-line[data-offer="{case.pk}"] form', has_text="Update").locator("button").click()
    expect(page.locator(f"#cart-qty-{case.pk}")).to_have_value("3")
    page.locator(f'.cart-line[data-offer="{lamp.pk}"] form', has_text="Remove").locator("button").click()
    expect(page.locator(f'.cart-line[data-offer="{lamp.pk}"]')).to_have_count(0)
    Offer.objects.filter(pk=case.pk).update(price=case.price + 10)  # the store changes the price meanwhile
    page.goto("/cart/")
    expect(page.locator(f'.cart-line[data-offer="{case.pk}"] .changed')).to_be_visible()
    page.click("#accept-changes")
    expect(page.locator("#accept-changes")).to_have_count(0)
    expect(page.locator(f'.cart-line[data-offer="{case.pk}"] .changed')).to_have_count(0)
    assert Order.objects.count() == 0  # the cart changes nothing until checkout
