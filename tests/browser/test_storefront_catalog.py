"""The storefront's catalog in Chromium, at desktop and phone width: a buyer searches (with a
typo), filters by price, sorts, opens an offer and its store; no page is wider than a 360 px
phone. Screenshots under var/screenshots/storefront-*.png."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sellers.models import Category, Offer
from tests.browser.conftest import shoot
from tests.browser.test_phone_width import OVERFLOWING
from tests.conftest import make_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrations_data"),
]


@pytest.fixture
def shelf(db):
    audio = Category.objects.create(name="Аудіо", slug="audio")
    tekhno = make_store("Техносвіт")
    tekhno.pickup_address, tekhno.pickup_hours = "Київ, вул. Велика Васильківська, 72", "Пн–Пт 10:00–20:00"
    tekhno.save()
    other = make_store("Інтернет-магазин «Найкращі аксесуари для смартфонів»")
    offers = {
        "sony": Offer.objects.create(
            store=tekhno,
            title="Навушники бездротові Sony WH-CH520",
            sku="SONY-WHCH520",
            price=Decimal("1899"),
            stock=7,
            category=audio,
            description="До 50 годин роботи. Bluetooth 5.2.",
        ),
        "philips": Offer.objects.create(
            store=other,
            title="Навушники дротові Philips TAE1105",
            sku="PH-TAE1105",
            price=Decimal("399"),
            stock=12,
            category=audio,
        ),
        "cable": Offer.objects.create(store=other, title="Кабель USB-C", sku="CBL-1", price=Decimal("199"), stock=30),
        "paused": Offer.objects.create(
            store=tekhno, title="Навушники на паузі", sku="P-1", price=Decimal("1"), stock=3, paused=True
        ),
    }
    for n in range(30):
        Offer.objects.create(
            store=other, title=f"Чохол для телефону, модель {n}", sku=f"CASE-{n}", price=Decimal(100 + n), stock=2
        )
    return offers


def cards(page) -> list[str]:
    return page.locator(".offer-card .offer-title").all_inner_texts()


def assert_fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.evaluate(OVERFLOWING)
    assert not page.evaluate(OVERFLOWING)


@pytest.mark.parametrize("width", [1280, 360])
def test_a_buyer_searches_filters_and_opens_an_offer(page, live_server, shelf, width):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": width, "height": 900})
    suffix = "desktop" if width > 400 else "phone"
    page.goto("/")
    expect(page.locator(".offer-card").first).to_be_visible()
    assert "Навушники на паузі" not in page.content()
    assert page.locator("nav.pager a[rel=next]").count() == 1  # 33 offers, 24 a page
    assert_fits(page, width)
    shoot(page, f"storefront-catalog-{suffix}")

    # A search with a typo finds both headphones (the paused ones never).
    page.fill("#id_q", "навушнікі")
    page.press("#id_q", "Enter")
    expect(page.locator(".offer-card")).to_have_count(2)
    assert set(cards(page)) == {"Навушники бездротові Sony WH-CH520", "Навушники дротові Philips TAE1105"}
    assert "q=" in page.url  # the address follows the search (htmx pushes it; a plain GET without JS)

    # A price range and a sort, swapped in place (behind "Filters and sorting" until one is set).
    if not page.locator("#f-min").is_visible():
        page.click(".more-filters summary")
    page.fill("#f-min", "1000")
    page.press("#f-min", "Enter")
    expect(page.locator(".offer-card")).to_have_count(1)
    # The price boxes share one row inside the screen (at 360 px they once made the page 717 px wide).
    for box in ("#f-min", "#f-max"):
        assert page.locator(box).bounding_box()["x"] + page.locator(box).bounding_box()["width"] <= width
    assert_fits(page, width)
    page.fill("#f-min", "")
    page.select_option("#f-sort", "price_asc")
    expect(page.locator(".offer-card").first).to_contain_text("Philips")
    assert_fits(page, width)
    shoot(page, f"storefront-search-{suffix}")

    # The offer page, then its store.
    page.click("text=Навушники бездротові Sony WH-CH520")
    expect(page.locator("h1")).to_have_text("Навушники бездротові Sony WH-CH520")
    expect(page.locator(".stock-left")).to_contain_text("7")
    expect(page.locator(".description")).to_contain_text("50 годин")
    assert_fits(page, width)
    shoot(page, f"storefront-offer-{suffix}")
    page.click(".offer-page .store-link")
    expect(page.locator(".store-profile")).to_contain_text("Велика Васильківська, 72")
    expect(page.locator(".offer-card")).to_have_count(1)
    assert_fits(page, width)
    shoot(page, f"storefront-store-{suffix}")


def test_the_catalog_works_without_javascript(live_server, shelf):
    """The filter form is a plain GET form: the same results with JavaScript off."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
        page = context.new_page()
        page.goto("/")
        page.fill("#id_q", "кабель")
        page.click(".shop-filters button[type=submit]")
        assert page.locator(".offer-card").count() == 1 and "q=" in page.url
        context.close()
        browser.close()
