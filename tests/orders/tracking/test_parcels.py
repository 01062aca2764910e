"""A carrier order's parcels (docs/rules.md §8): created when it is shipped, moved to a corrected
number, created for orders already in delivery (migration 0010, the demo seed and the bulk seed)."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps

from marketplace import clock as platform_clock
from marketplace.actors import Actor, ActorKind
from marketplace.errors import NotAllowed, RuleViolation
from orders.choices import Status
from orders.models import Order
from orders.seed import bulk
from orders.services.editing import order_correct_ttn
from orders.tracking import schedule
from orders.tracking.models import Parcel
from orders.tracking.parcels import track_open_parcels
from tests.conftest import VALID_TTN
from tests.orders.support import bring, fetch, refused
from tests.orders.tracking.support import NEW_TTN, parcel_of

pytestmark = pytest.mark.django_db


def test_shipping_with_a_tracking_number_starts_tracking_in_the_same_step(shipped):
    parcel = Parcel.objects.get(order=shipped)
    now = platform_clock.now()
    assert (parcel.carrier, parcel.number, parcel.phone, parcel.active) == (
        "nova_poshta",
        VALID_TTN,
        shipped.buyer_phone,
        True,
    )
    assert now < parcel.next_check_at <= now + schedule.SOON
    assert abs(parcel.created_at - now) < timedelta(minutes=1)


@pytest.mark.parametrize("status", [Status.CONFIRMED, Status.AWAITING_PICKUP])
def test_orders_without_a_carrier_parcel_are_not_tracked(place_order, seller, status):
    bring(place_order, seller, status)
    courier = bring(place_order, seller, Status.IN_DELIVERY, method="courier")
    assert courier.status == Status.IN_DELIVERY
    assert not Parcel.objects.exists()


def test_a_corrected_number_is_followed_and_the_old_one_kept(shipped, seller):
    before = Order.history.filter(id=shipped.pk).count()
    order = order_correct_ttn(actor=seller, order=shipped, ttn=" 2045 0000 0000 99 ")
    assert fetch(order).ttn == NEW_TTN
    row = Order.history.filter(id=order.pk).order_by("-history_id").first()
    assert Order.history.filter(id=order.pk).count() == before + 1
    assert (row.action, row.actor_kind, row.ttn) == ("edit_ttn", ActorKind.SELLER, NEW_TTN)
    old = Parcel.objects.get(order=order, number=VALID_TTN)
    assert (old.active, old.next_check_at) == (False, None)
    new = parcel_of(order)
    assert new.number == NEW_TTN and new.next_check_at <= platform_clock.now()
    # Back to the first number: that parcel is followed again, afresh.
    order_correct_ttn(actor=seller, order=order, ttn=VALID_TTN)
    assert parcel_of(order).pk == old.pk and Parcel.objects.filter(order=order).count() == 2


def test_correcting_the_number_is_refused_where_it_does_not_apply(place_order, seller, shipped, outsider):
    confirmed = bring(place_order, seller, Status.CONFIRMED)
    refused(
        confirmed,
        RuleViolation,
        lambda: order_correct_ttn(actor=seller, order=confirmed, ttn=NEW_TTN),
        "only while a carrier has the parcel",
    )
    refused(shipped, RuleViolation, lambda: order_correct_ttn(actor=seller, order=shipped, ttn="123"), "“123”")
    refused(shipped, RuleViolation, lambda: order_correct_ttn(actor=seller, order=shipped, ttn=VALID_TTN), "Nothing")
    refused(shipped, NotAllowed, lambda: order_correct_ttn(actor=Actor.seller(outsider), order=shipped, ttn=NEW_TTN))
    refused(shipped, NotAllowed, lambda: order_correct_ttn(actor=Actor.buyer(), order=shipped, ttn=NEW_TTN))
    other = bring(place_order, seller, Status.CONFIRMED)
    from orders.services import order_ship

    order_ship(actor=seller, order=other, ttn=NEW_TTN)
    refused(shipped, RuleViolation, lambda: order_correct_ttn(actor=seller, order=shipped, ttn=NEW_TTN), NEW_TTN)
    assert Parcel.objects.filter(order=shipped).count() == 1


def untracked(order) -> None:
    """As if shipped before tracking existed."""
    Parcel.objects.filter(order=order).delete()


def test_orders_already_in_delivery_get_their_parcels_once(shipped, place_order, seller):
    untracked(shipped)
    bring(place_order, seller, Status.IN_DELIVERY, method="courier")
    assert track_open_parcels() == 1
    parcel = Parcel.objects.get(order=shipped)
    now = platform_clock.now()
    assert parcel.number == VALID_TTN and parcel.active and now <= parcel.next_check_at <= now + timedelta(minutes=30)
    track_open_parcels()
    assert Parcel.objects.count() == 1


def test_the_migration_tracks_the_open_parcels(shipped):
    untracked(shipped)
    migration = importlib.import_module("orders.migrations.0010_track_open_parcels")
    migration.track_open_parcels(apps, None)
    migration.track_open_parcels(apps, None)
    assert list(Parcel.objects.values_list("order_id", "number", "active")) == [(shipped.pk, VALID_TTN, True)]
    assert Parcel.objects.get().next_check_at <= platform_clock.now()


def test_bulk_seeded_orders_in_delivery_are_tracked(store, offers):
    bulk.add_orders(300, [store], seed=3, history=False)
    in_delivery = Order.objects.filter(status=Status.IN_DELIVERY, delivery_method="nova_poshta").exclude(ttn="")
    assert in_delivery.exists()
    tracked = set(Parcel.objects.filter(active=True).values_list("order_id", "number"))
    assert tracked == set(in_delivery.values_list("pk", "ttn"))
