"""A tracking number names one parcel: another open order's TTN is refused on shipping (Nova
Poshta does not reuse numbers for a long time); the halves of a split order may share one."""

from __future__ import annotations

import pytest

from marketplace.actors import Actor
from marketplace.errors import RuleViolation
from orders.choices import Status
from orders.services import order_ship, order_split
from tests.conftest import VALID_TTN
from tests.orders.support import bring, fetch, order_test_env, refused  # noqa: F401 (order_test_env is a fixture)

pytestmark = pytest.mark.usefixtures("order_test_env")  # messages asserted in English

OTHER_TTN = "20450000000002"


def test_a_ttn_on_another_open_order_of_the_store_is_refused_naming_it(place_order, seller):
    first = bring(place_order, seller, Status.IN_DELIVERY)  # shipped with VALID_TTN
    second = bring(place_order, seller, Status.CONFIRMED)
    refused(
        second,
        RuleViolation,
        lambda: order_ship(actor=seller, order=second, ttn=f" {VALID_TTN[:4]} {VALID_TTN[4:]} "),
        VALID_TTN,
        f"#{first.pk}",
    )
    assert order_ship(actor=seller, order=second, ttn=OTHER_TTN).ttn == OTHER_TTN


def test_another_stores_order_is_never_named(place_order, seller, outsider, outsider_store, outsider_offer):
    theirs = bring(
        place_order,
        Actor.seller(outsider),
        Status.IN_DELIVERY,
        target_store=outsider_store,
        lines=[(outsider_offer, 1)],
    )
    ours = bring(place_order, seller, Status.CONFIRMED)
    error = refused(ours, RuleViolation, lambda: order_ship(actor=seller, order=ours, ttn=VALID_TTN), "another parcel")
    assert str(theirs.pk) not in str(error) and error.code == "ttn_taken"


def test_a_ttn_of_a_finished_order_may_be_used_again(place_order, seller):
    received = bring(place_order, seller, Status.RECEIVED)  # handed over with VALID_TTN
    assert fetch(received).ttn == VALID_TTN
    order = bring(place_order, seller, Status.CONFIRMED)
    assert order_ship(actor=seller, order=order, ttn=VALID_TTN).status == Status.IN_DELIVERY


@pytest.mark.parametrize("which", ["original-first", "part-first"])
def test_the_two_halves_of_a_split_order_may_travel_in_one_parcel(place_order, seller, offers, which):
    original = bring(place_order, seller, Status.CONFIRMED)
    case = original.items.get(offer=offers[0])
    part = order_split(actor=seller, order=original, quantities={case.pk: 1})
    first, second = (original, part) if which == "original-first" else (part, original)
    order_ship(actor=seller, order=first, ttn=VALID_TTN)
    assert order_ship(actor=seller, order=second, ttn=VALID_TTN).ttn == VALID_TTN
    # ... but an unrelated order still cannot take it.
    other = bring(place_order, seller, Status.CONFIRMED)
    refused(other, RuleViolation, lambda: order_ship(actor=seller, order=other, ttn=VALID_TTN), "already on order")
