"""Tracking shown to people (docs/rules.md §8, issue 13 item 6): every carrier event in the seller's
timeline (a fixed number of queries), and on the buyer's page in plain words per state group with
the scheduled delivery date, the events and the carrier's tracking link — never seller-only data."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from marketplace import clock as platform_clock
from orders.carriers.base import StateGroup
from orders.choices import Status
from orders.models import Parcel, TrackingEvent
from orders.selectors import order_timeline
from tests.conftest import VALID_TTN, make_user
from tests.orders.support import bring, order_test_env  # noqa: F401 (order_test_env is a fixture)

pytestmark = pytest.mark.usefixtures("order_test_env")
G = StateGroup


def track(order, *events, number=VALID_TTN, active=True, **state) -> Parcel:
    """A parcel with its events as the tracking pipeline stores them: (group, code, text, branch).
    Shipping started tracking the order's number already: that row gets the state."""
    if active:
        Parcel.objects.filter(order=order).exclude(number=number).update(active=False)
    parcel, _created = Parcel.objects.update_or_create(
        order=order,
        number=number,
        defaults={
            "carrier": "nova_poshta",
            "active": active,
            "last_checked_at": platform_clock.now() - timedelta(minutes=7),
            "next_check_at": platform_clock.now() + timedelta(hours=2),
            "failures": state.pop("failures", 0),
            **state,
        },
    )
    for n, (group, code, text, branch) in enumerate(events):
        TrackingEvent.objects.create(
            parcel=parcel,
            order=order,
            group=group,
            code=code,
            text=text,
            branch=branch,
            at=platform_clock.now() - timedelta(hours=len(events) - n),
        )
    return parcel


IN_TRANSIT = (G.IN_TRANSIT, "5", "Прямує до міста Львів", "")
AT_BRANCH = (G.AT_BRANCH, "7", "Прибув у відділення", "Відділення №12, вул. Городоцька, 5")


@pytest.fixture
def shipped(place_order, seller, clock):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    clock.shift(timedelta(hours=3))  # the carrier's events come after the shipment
    return order


# --- the seller's timeline -----------------------------------------------------------------------


def test_the_timeline_shows_every_tracking_event_with_code_text_and_branch(shipped):
    track(shipped, IN_TRANSIT, AT_BRANCH, group=G.AT_BRANCH)
    entries = [e for e in order_timeline(shipped) if e.kind == "tracking"]
    assert [(e.action, e.text, e.branch) for e in entries] == [
        ("In transit", "Прямує до міста Львів (5)", ""),
        ("At the branch, waiting for the buyer", "Прибув у відділення (7)", AT_BRANCH[3]),
    ]
    assert all(e.actor == f"Carrier: Nova Poshta {VALID_TTN}" for e in entries)
    assert not any(e.seller_only for e in entries)
    # In time order among the order's own history: shipped, then the carrier's events.
    timeline = order_timeline(shipped)
    assert [e.kind for e in timeline][-3:] == ["action", "tracking", "tracking"]
    assert timeline[-3].action == "ship"


def test_the_timeline_takes_a_fixed_number_of_queries(shipped, django_assert_num_queries):
    old = track(shipped, IN_TRANSIT, number="20450000000002", active=False)
    track(shipped, *[IN_TRANSIT] * 6, AT_BRANCH)
    assert old.events.count() == 1
    with django_assert_num_queries(4):
        entries = order_timeline(shipped)
    assert sum(e.kind == "tracking" for e in entries) == 8


def test_readdressed_parcels_keep_both_numbers_in_the_timeline(shipped):
    track(shipped, (G.READDRESSED, "104", "Змінено адресу", ""), number="20450000000002", active=False)
    track(shipped, IN_TRANSIT, number="20450000000003")
    actors = [e.actor for e in order_timeline(shipped) if e.kind == "tracking"]
    assert any("20450000000002" in a for a in actors) and any("20450000000003" in a for a in actors)


def test_the_cabinet_journal_shows_the_events(client, manager, shipped):
    track(shipped, AT_BRANCH, group=G.AT_BRANCH)
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("cabinet:order_detail", args=[shipped.pk])).content.decode()
    journal = html.split('id="journal"', 1)[1]
    assert "At the branch, waiting for the buyer" in journal and AT_BRANCH[3] in unescape(journal)


def test_the_admin_timeline_shows_the_events(client, moderator, shipped):
    track(shipped, AT_BRANCH, group=G.AT_BRANCH)
    client.force_login(moderator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("admin:orders_order_change", args=[shipped.pk]))
    assert response.status_code == 200
    text = unescape(response.content.decode())
    assert "At the branch, waiting for the buyer" in text and "Прибув у відділення (7)" in text


def test_the_admin_shows_the_parcels_read_only(client, shipped):
    # A superuser: the moderators' view permission on parcels comes with a migration (see the report).
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    track(shipped, AT_BRANCH, group=G.AT_BRANCH, failures=2)
    html = client.get(reverse("admin:orders_order_change", args=[shipped.pk])).content.decode()
    inline = unescape(html.split('id="parcels-group"', 1)[1])
    assert VALID_TTN in inline and "At the branch, waiting for the buyer" in inline
    assert 'name="parcels-0-number"' not in inline  # nothing to edit


# --- the buyer's page --------------------------------------------------------------------------


@pytest.fixture
def buyer() -> Client:
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return browser


def page(buyer, order) -> str:
    response = buyer.get(reverse("orders:public_order", kwargs={"token": order.public_token}))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str) -> str:
    block = html.split('id="tracking"', 1)[1].split("</section>", 1)[0]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", block)).split())


TODAY = date(2026, 11, 24)
HEADLINES = {
    G.CREATED: "The store has prepared the parcel for the carrier.",
    G.IN_TRANSIT: "The parcel is on its way.",
    G.RECEIVED: "You received the parcel.",
    G.REFUSED: "The parcel was not collected and is going back to the store.",
    G.RETURNED: "The parcel went back to the store.",
    G.NOT_FOUND: "The carrier has not registered the parcel yet.",
    G.READDRESSED: "The parcel was redirected and travels under a new number.",
    G.FAILED_ATTEMPT: "The delivery did not take place as planned.",
    G.UNKNOWN: "The carrier updated the parcel's status.",
}


@pytest.mark.parametrize("group", HEADLINES)
def test_the_buyer_reads_each_state_in_plain_words(buyer, shipped, group):
    track(shipped, (group, "99", "Carrier words", ""), group=group, code="99", text="Carrier words")
    text = section(page(buyer, shipped))
    assert HEADLINES[group] in text
    assert "(99)" not in text and "99," not in text  # the carrier's code stays in the cabinet


def test_waiting_at_the_branch_names_it_and_the_free_storage(buyer, shipped):
    track(
        shipped,
        IN_TRANSIT,
        AT_BRANCH,
        group=G.AT_BRANCH,
        branch="branch No. 12",
        storage_free_until=date(2026, 12, 12),
    )
    text = section(page(buyer, shipped))
    assert "Waiting for you at branch No. 12 until 12 December — storage is free until then." in text


def test_the_buyer_sees_the_scheduled_delivery_the_events_and_the_carrier_link(buyer, shipped):
    track(shipped, IN_TRANSIT, AT_BRANCH, group=G.IN_TRANSIT, scheduled_delivery=date(2026, 11, 26))
    html = page(buyer, shipped)
    text = section(html)
    assert "Expected delivery: 26 November" in text
    assert "The parcel is on its way (Прямує до міста Львів)" in text
    assert AT_BRANCH[3] in text
    assert text.index("waiting for you at the branch") < text.index("on its way (")  # newest first
    assert f'href="https://novaposhta.ua/tracking/?cargo_number={VALID_TTN}"' in html
    assert VALID_TTN in text


def test_the_buyer_never_sees_polling_data_or_codes(buyer, shipped):
    parcel = track(shipped, IN_TRANSIT, group=G.NOT_FOUND, code="3", text="Номер не знайдено", failures=4)
    text = section(page(buyer, shipped))
    for secret in ("Last check", "Next check", "failed", "(5)", "(3)", "fix the tracking number", "does not know"):
        assert secret not in text, secret
    assert parcel.failures == 4


def test_before_the_carrier_answers_the_buyer_is_told_it_is_with_the_carrier(buyer, shipped):
    text = section(page(buyer, shipped))
    assert "The parcel is with the carrier" in text
    assert VALID_TTN in text


def test_orders_without_a_carrier_parcel_have_no_tracking_section(buyer, place_order, seller):
    for status, method in [(Status.IN_DELIVERY, "courier"), (Status.ACCEPTED, None)]:
        order = bring(place_order, seller, status, method=method)
        assert 'id="tracking"' not in page(buyer, order)
