"""Shared fixtures: a store with an owner and a manager, an outsider store, offers, orders."""

from __future__ import annotations

import itertools
import os
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from marketplace import clock as platform_clock
from marketplace.actors import MODERATORS_GROUP, Actor
from marketplace.worktime import KYIV
from orders.services import Line, order_place
from sellers.models import Offer, Store, StoreMember

_seq = itertools.count(1)


# Every test starts at this moment, whatever the machine's clock says (a Kyiv night, a
# weekend, New Year's Day, a DST-change Sunday): an ordinary Tuesday, 10:00 in Kyiv, inside
# working hours, with the working days Wednesday to Friday after it. The clock ticks on from
# there. A test that needs another moment moves the `clock` fixture (`clock.move_to(...)`) or
# hands `now` to the code; every other time in a test is built from `platform_clock.now()`.
PINNED_NOW = datetime(2026, 11, 24, 10, 0, tzinfo=KYIV)


def pytest_configure(config):
    from django.conf import settings
    from hypothesis import settings as hypothesis_settings

    # Hashing real passwords costs ~0.4 s per user; tests need the check, not the strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # `make test` loads the "ci" profile: a fixed seed, so a failure reproduces as it was.
    hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
    hypothesis_settings.register_profile("dev", print_blob=True)
    hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def clock():
    """The platform's clock, pinned at PINNED_NOW and ticking; `clock.move_to(when)` moves it."""
    with time_machine.travel(PINNED_NOW, tick=True) as traveller:
        yield traveller


VALID_PHONE = "+380501234567"  # Vodafone Ukraine
VALID_TTN = "20450000000001"


def make_user(username: str, **extra):
    user = get_user_model().objects.create_user(username=username, password="pass-12345-word", **extra)
    return user


def make_store(name: str, *, owner=None, email: str = "") -> Store:
    store = Store.objects.create(name=name, slug=f"{name.lower().replace(' ', '-')}-{next(_seq)}", email=email)
    if owner is not None:
        StoreMember.objects.create(store=store, user=owner, role=StoreMember.Role.OWNER)
    return store


@pytest.fixture(autouse=True)
def platform_defaults(request):
    """The processing policy comes from a data migration; a transactional test flushes it at
    its end, so restore it for every test that uses the database, and drop cached copies."""
    from marketplace import calendar
    from marketplace.defaults import ensure_defaults
    from marketplace.models import PlatformPolicy, ProcessingPolicy

    calendar.forget()
    names = set(request.fixturenames)
    if names & {"db", "transactional_db", "live_server"} or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("_django_db_helper")
        ensure_defaults(ProcessingPolicy, PlatformPolicy)
    yield
    calendar.forget()


@pytest.fixture(scope="module")
def restore_migrations_data(django_db_setup, django_db_blocker):
    """For modules with transactional tests (marked serialized_rollback): the flush after such
    a test empties every table, data migrations' rows included (content types, permissions,
    the processing policy); put them back for the tests that follow, from the copy serialized
    when the test database was created."""
    yield
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    with django_db_blocker.unblock():
        if not ContentType.objects.exists():  # not put back already by a serialized test's setup
            connection.creation.deserialize_db_from_string(connection._test_serialized_contents)


@pytest.fixture
def owner(db):
    return make_user("owner", email="owner@example.com", first_name="Olena")


@pytest.fixture
def manager(db):
    return make_user("manager", email="manager@example.com", first_name="Mykola")


@pytest.fixture
def store(owner, manager):
    store = make_store("Alpha Shop", owner=owner)
    StoreMember.objects.create(store=store, user=manager, role=StoreMember.Role.MANAGER)
    return store


@pytest.fixture
def outsider(db):
    return make_user("outsider", email="outsider@example.com")


@pytest.fixture
def outsider_store(outsider):
    return make_store("Beta Shop", owner=outsider)


@pytest.fixture
def moderator(db):
    user = make_user("moderator", email="mod@example.com", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user


@pytest.fixture
def seller(manager):
    return Actor.seller(manager)


@pytest.fixture
def offers(store):
    return [
        Offer.objects.create(store=store, title="Phone case", sku="CASE-1", price=Decimal("250.00"), stock=10),
        Offer.objects.create(store=store, title="Charger", sku="CHG-1", price=Decimal("499.90"), stock=5),
    ]


@pytest.fixture
def outsider_offer(outsider_store):
    return Offer.objects.create(store=outsider_store, title="Lamp", sku="LAMP-1", price=Decimal("900"), stock=3)


@pytest.fixture
def place_order(store, offers):
    def place(lines=None, *, phone=VALID_PHONE, delivery_method="nova_poshta", target_store=None, **extra):
        lines = lines or [(offers[0], 2), (offers[1], 1)]
        return order_place(
            store=target_store or store,
            buyer_name="Iryna Buyer",
            buyer_phone=phone,
            buyer_email="buyer@example.com",
            lines=[Line(offer.pk, qty) for offer, qty in lines],
            delivery_method=delivery_method,
            delivery_branch="Branch 12" if delivery_method == "nova_poshta" else "",
            delivery_address="Khreshchatyk 1, Kyiv" if delivery_method == "courier" else "",
            **extra,
        )

    return place


def ready_delivery(order, seller, method="nova_poshta"):
    """Fill what `confirm` needs."""
    from orders.services import order_update_delivery

    return order_update_delivery(
        actor=seller,
        order=order,
        method=method,
        branch="Branch 12",
        address="Khreshchatyk 1, Kyiv",
        cost=Decimal("70.00"),
        ship_by=platform_clock.today() + timedelta(days=2),
    )
