"""The order's timeline speaks to people: labels, never the stored codes (issue 11, "No raw codes
shown to people")."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import translation

from orders.choices import CancelReason
from orders.models import Order
from orders.selectors import _display, order_timeline
from orders.services import order_expire
from tests.conftest import ready_delivery

pytestmark = pytest.mark.django_db

# Codes stored on a platform-cancelled order (values and field names) that must never reach the page.
RAW_CODES = ("processing_time_expired", "cancel_reason", "cancelled_by", "nova_poshta", "status_changed_at")
RAW_VALUES = ("platform", "cancelled", "new", "cod")  # as a changed value: "… → platform"


def assert_no_raw_codes(text: str) -> None:
    for code in RAW_CODES:
        assert code not in text, (code, text)
    for value in RAW_VALUES:
        assert not re.search(rf"(→|:)\s*{value}\b", text), (value, text)


@pytest.fixture
def expired(place_order):
    return order_expire(order=place_order(), reason=CancelReason.PROCESSING_TIME_EXPIRED)


def timeline_text(html: str) -> str:
    block = html.split('id="order-timeline"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return unescape(re.sub(r"<[^>]+>", " ", block))


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("uk", ["хто скасував: — → Платформа", "Скасовано платформою", "Сплив час на опрацювання"]),
        ("en", ["cancelled by: — → Platform", "Cancelled by the platform", "Processing time expired"]),
    ],
)
def test_a_platform_cancellation_reads_as_words_in_admin(client, moderator, expired, language, words):
    client.force_login(moderator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("admin:orders_order_change", args=[expired.pk]))
    assert response.status_code == 200
    text = timeline_text(response.content.decode())
    for phrase in words:
        assert phrase in text, (phrase, text)
    assert_no_raw_codes(text)


@pytest.mark.parametrize("language", ["uk", "en"])
def test_the_timeline_entries_carry_labels_for_every_page(expired, language):
    """The cabinet's journal reads the same entries: the reason and the changed values are labels."""
    with translation.override(language):
        entries = order_timeline(expired)
        cancellation = entries[-1]
        assert cancellation.text == str(CancelReason.PROCESSING_TIME_EXPIRED.label)
        values = {change.field: change.new for change in cancellation.changes}
        gettext = translation.gettext
        assert values[gettext("cancelled by")] == gettext("Platform")
        assert values[gettext("status")] == gettext("Cancelled")
        assert values[gettext("cancellation reason")] == gettext("Processing time expired")
    shown = " ".join(f"{field}: {old} → {new}" for entry in entries for field, old, new in _changes(entry))
    assert_no_raw_codes(shown + " " + cancellation.text)


def _changes(entry):
    return [(change.field, change.old, change.new) for change in entry.changes]


# --- money and dates in the language's format (issue 11, "one format per language") --------------

# The order's delivery cost goes "—" → 70.00 and its ship-by date "—" → PINNED_NOW + 2 days.
FORMATTED = {
    "uk": {"cost": "— → 70,00\u00a0₴", "ship_by": "— → 26 листопада 2026"},
    "en": {"cost": "— → ₴70.00", "ship_by": "— → 26 November 2026"},
}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
RAW_DECIMAL = re.compile(r"(?<![₴\d,.\u202f])\d+\.\d\d(?![\d.])")  # "70.00", not "₴70.00" nor "24.11.2026"


@pytest.fixture
def delivery_set(place_order, seller):
    order = place_order()
    assert order.delivery_cost is None and order.ship_by is None
    return ready_delivery(order, seller)


def assert_formatted(text: str, language: str) -> None:
    with translation.override(language):
        cost, ship_by = translation.gettext("delivery cost"), translation.gettext("ship-by date")
    assert f"{cost}: {FORMATTED[language]['cost']}" in text, text
    assert f"{ship_by}: {FORMATTED[language]['ship_by']}" in text, text
    assert not ISO_DATE.search(text), text
    assert not RAW_DECIMAL.search(text), text
    assert "None" not in text, text


@pytest.mark.parametrize("language", ["uk", "en"])
def test_the_entries_show_money_and_dates_in_the_language(delivery_set, language):
    with translation.override(language):
        entries = order_timeline(delivery_set)
    shown = "\n".join(f"{field}: {old} → {new}" for entry in entries for field, old, new in _changes(entry))
    assert_formatted(shown, language)


@pytest.mark.parametrize("language", ["uk", "en"])
def test_the_cabinet_journal_shows_money_and_dates_in_the_language(client, manager, delivery_set, language):
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("cabinet:order_detail", args=[delivery_set.pk]))
    assert response.status_code == 200
    journal = response.content.decode().split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    assert_formatted(unescape(re.sub(r"<[^>]+>", "", journal)), language)


@pytest.mark.parametrize("language", ["uk", "en"])
def test_the_admin_timeline_shows_money_and_dates_in_the_language(client, moderator, delivery_set, language):
    client.force_login(moderator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("admin:orders_order_change", args=[delivery_set.pk]))
    assert response.status_code == 200
    assert_formatted(timeline_text(response.content.decode()), language)


@pytest.mark.parametrize(
    ("language", "moment", "yes", "no"),
    [("uk", "24.11.2026 15:30", "так", "ні"), ("en", "24.11.2026 15:30", "yes", "no")],
)
def test_moments_in_kyiv_time_booleans_as_words_and_none_as_a_dash(language, moment, yes, no):
    visit = Order._meta.get_field("courier_visit_at")
    flag = models.BooleanField()
    with translation.override(language):
        assert _display(visit, datetime(2026, 11, 24, 13, 30, tzinfo=UTC)) == moment
        assert (_display(flag, True), _display(flag, False)) == (yes, no)
        assert _display(visit, None) == _display(Order._meta.get_field("delivery_cost"), None) == "—"


def test_each_entry_names_who_made_it(place_order, seller, manager, offers):
    """The order's and its items' history name the user behind a change (the seller's first name
    or login) beside the kind of actor; the buyer's placing and the platform's changes name none."""
    from marketplace.actors import ActorKind
    from orders.services import order_items_update, order_open

    order = order_open(actor=seller, order=place_order([(offers[0], 2)]))
    order = order_items_update(actor=seller, order=order, quantities={order.items.get().pk: 1})
    manager.last_name = "Shevchuk"
    manager.save()
    entries = order_timeline(Order.objects.get(pk=order.pk))
    seller_label = str(ActorKind.SELLER.label)
    assert entries[0].actor == str(ActorKind.BUYER.label)  # placed on the storefront
    assert [e.actor for e in entries[1:]] == [f"{seller_label}: Mykola Shevchuk"] * (len(entries) - 1)
    quantity = str(order.items.model._meta.get_field("quantity").verbose_name)
    assert any(change.field.endswith(quantity) for change in entries[-1].changes)
