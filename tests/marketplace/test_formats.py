"""Money and dates in one format per language (marketplace/formats): the pages' filters, Django's
own date formats (admin) and the e-mails all say “1 299,00 ₴” in uk and ru and “₴1,299.00” in en,
and show times in Kyiv."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import formats as django_formats
from django.utils import translation

from marketplace import formats
from notifications import rendering, snapshot
from orders.choices import DeliveryMethod
from orders.services import order_confirm, order_open, order_pack, order_ship
from sellers.models import Offer
from tests.conftest import ready_delivery

NN, NB = "\u202f", "\u00a0"  # narrow no-break space (thousands), no-break space (before ₴)
UTC, KYIV = ZoneInfo("UTC"), ZoneInfo("Europe/Kyiv")
MOMENT = datetime(2026, 11, 24, 8, 5, tzinfo=UTC)  # Tuesday 10:05 in Kyiv

# language: 1299, 4496, 0.5, the moment short / long / day, the date with its weekday
EXPECTED = {
    "uk": (
        f"1{NN}299,00{NB}₴",
        f"4{NN}496,00{NB}₴",
        f"0,50{NB}₴",
        "24.11.2026 10:05",
        "24 листопада 2026, 10:05",
        "24 листопада, 10:05",
        "вівторок, 24 листопада",
    ),
    "ru": (
        f"1{NN}299,00{NB}₴",
        f"4{NN}496,00{NB}₴",
        f"0,50{NB}₴",
        "24.11.2026 10:05",
        "24 ноября 2026, 10:05",
        "24 ноября, 10:05",
        "вторник, 24 ноября",
    ),
    "en": (
        "₴1,299.00",
        "₴4,496.00",
        "₴0.50",
        "24.11.2026 10:05",
        "24 November 2026, 10:05",
        "24 November, 10:05",
        "Tuesday, 24 November",
    ),
}
PAGE = Template(
    "{% load display %}{{ a|uah }}|{{ b|uah }}|{{ c|uah }}|{{ at|when }}|{{ at|when:'long' }}|{{ at|when:'day' }}"
    "|{{ day|when:'weekday' }}"
)


@pytest.mark.parametrize("language", ["uk", "ru", "en"])
def test_the_page_filters_render_money_and_dates_in_the_language(language):
    context = Context({"a": Decimal("1299"), "b": "4496.00", "c": Decimal("0.499"), "at": MOMENT, "day": MOMENT.date()})
    with translation.override(language):
        assert PAGE.render(context).split("|") == list(EXPECTED[language])


@pytest.mark.parametrize("language", ["uk", "ru", "en"])
def test_the_python_helper_is_the_filter(language):
    """Python that formats money (admin columns, messages) calls the same function with a language."""
    money, *_ = EXPECTED[language]
    assert formats.money(Decimal("1299.00"), language) == money
    with translation.override(language):
        assert formats.money(1299) == money
        assert formats.when(MOMENT, "long") == formats.when(MOMENT, "long", language)


@pytest.mark.parametrize("language", ["uk", "ru", "en"])
def test_djangos_own_formats_are_ours(language):
    """FORMAT_MODULE_PATH: `|date:"DATETIME_FORMAT"` (the admin, the order timeline) says the same."""
    with translation.override(language):
        assert django_formats.date_format(MOMENT.astimezone(KYIV), "DATETIME_FORMAT") == EXPECTED[language][4]
        assert django_formats.date_format(MOMENT.astimezone(KYIV), "SHORT_DATETIME_FORMAT") == EXPECTED[language][3]


def test_times_are_shown_in_kyiv_and_odd_values_pass():
    late = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)  # already the 25th in Kyiv
    assert formats.when(late, "short", "uk") == "25.11.2026 00:30"
    summer = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)  # summer time: UTC+3
    assert formats.when(summer, "short", "en") == "01.07.2026 09:00"
    assert formats.money(None, "uk") == formats.money("", "en") == "—"
    assert formats.money("n/a", "uk") == "n/a"
    assert formats.money(Decimal("-1250.5"), "uk") == f"-1{NN}250,50{NB}₴"
    assert formats.money(Decimal("1234567.891"), "en") == "₴1,234,567.89"
    assert formats.when(None) == ""
    assert formats.money(1, "de") == formats.money(1, "uk")  # an unknown language: the platform's


@pytest.fixture
def shipped(place_order, seller, store):
    """A courier order of 1 299,00 ₴ and 70,00 ₴ delivery, the courier coming on Thursday 15:30 Kyiv."""
    expensive = Offer.objects.create(store=store, title="Headphones", sku="HP-1", price=Decimal("1299.00"), stock=3)
    order = order_open(actor=seller, order=place_order([(expensive, 1)], delivery_method=DeliveryMethod.COURIER))
    order = order_pack(actor=seller, order=order_confirm(actor=seller, order=ready_delivery(order, seller, "courier")))
    visit = datetime(2026, 11, 26, 15, 30, tzinfo=KYIV)
    assert visit - MOMENT < timedelta(days=3)
    return order_ship(actor=seller, order=order, courier_phone="+380671112233", courier_visit_at=visit)


def stored(**kwargs) -> dict:
    """The facts as the outbox row keeps them (typed JSON) and the worker reads them back."""
    import json

    return json.loads(snapshot.dumps(rendering.context(**kwargs)), cls=snapshot.Decoder)


@pytest.mark.parametrize(
    ("language", "items", "total", "visit"),
    [
        ("uk", f"1{NN}299,00{NB}₴", f"1{NN}369,00{NB}₴", "26 листопада, 15:30"),
        ("ru", f"1{NN}299,00{NB}₴", f"1{NN}369,00{NB}₴", "26 ноября, 15:30"),
        ("en", "₴1,299.00", "₴1,369.00", "26 November, 15:30"),
    ],
)
def test_emails_render_money_and_dates_in_the_recipients_language(shipped, store, language, items, total, visit):
    seller_facts = stored(for_buyer=False, order=shipped, store=store)
    placed = rendering.render(
        "order_placed_store", language=language, audience="store", channel="email", facts=seller_facts
    )
    # The subject is one line, with the amount's no-break spaces kept.
    assert total in placed["subject"]
    assert items in placed["text"] and total in placed["text"]
    assert total in placed["html"]
    for stray in ("UAH", "грн", "1369", "1299"):  # no second currency, no bare amount
        assert stray not in placed["subject"] + placed["text"] + placed["html"], stray
    buyer_facts = stored(for_buyer=True, order=shipped, store=store)
    message = rendering.render("order_shipped", language=language, audience="buyer", channel="email", facts=buyer_facts)
    assert visit in message["text"] and visit in message["html"]


@pytest.mark.parametrize("language", ["uk", "ru", "en"])
def test_the_shipping_email_names_nova_poshta_in_a_phrase_of_its_own(place_order, seller, store, language):
    """“Номер ТТН Нової пошти”, not the nominative label inside a sentence (“ТТН Нова пошта”)."""
    order = order_pack(
        actor=seller,
        order=order_confirm(actor=seller, order=ready_delivery(order_open(actor=seller, order=place_order()), seller)),
    )
    order = order_ship(actor=seller, order=order, ttn="20450000000001")
    facts = stored(for_buyer=True, order=order, store=store)
    message = rendering.render("order_shipped", language=language, audience="buyer", channel="email", facts=facts)
    with translation.override(language):
        expected = translation.gettext("Nova Poshta tracking number (TTN): %(ttn)s.") % {"ttn": "20450000000001"}
        label = str(DeliveryMethod.NOVA_POSHTA.label)
    assert expected in message["text"] and expected in message["html"]
    assert f"{label}: 20450000000001" not in message["text"]
