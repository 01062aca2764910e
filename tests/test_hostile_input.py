"""Hostile input over every form a seller or a buyer can send (issue 10 §5).

A table lists every cabinet URL and the buyer's public pages: the data a member (or the buyer)
could send with success, and the kind of each field. Each field then gets hostile values —
empty, whitespace, huge strings, NUL bytes, far and impossible dates, overflowing numbers,
other stores' ids, wrong types — alone, missing, and as a duplicated key. Every request runs
in a savepoint that is rolled back, so each one starts from the same state, and:

- no answer is a server error (5xx or an exception);
- a refused request (4xx, a form with errors, an error message) changes nothing in the
  database (every table of the apps, history and outbox included);
- an accepted one stores only bounded values (ship-by date within the policy's window,
  courier visit not far off, stock within its limit).

A URL of the cabinet or the public page that is missing from the table fails the suite.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from unittest.mock import patch
from urllib.parse import urlsplit

import pytest
import time_machine
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.messages import ERROR
from django.db import connection, transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import translation
from django.utils.timezone import localtime
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from marketplace import calendar
from marketplace import clock as platform_clock
from marketplace.actors import Actor
from orders.choices import CancelReason, Status
from orders.models import CallAttempt, Order
from orders.services import Line, order_cancel_by_buyer, order_place, order_ship
from orders.storefront.catalog_views import CatalogForm
from orders.storefront.checkout_forms import (
    AddToCartForm,
    BuyerForm,
    CartRemoveForm,
    CartUpdateForm,
    StoreDeliveryForm,
)
from orders.views import BuyerCancelForm
from sellers.cabinet.forms import (
    AddItemForm,
    CallForm,
    CancelForm,
    CommentForm,
    DeliveryForm,
    InviteForm,
    ItemsForm,
    LoginForm,
    OfferDetailsForm,
    OfferSearchForm,
    OrderFilterForm,
    PackForm,
    ShipForm,
    SplitForm,
    StockForm,
    StoreEmailForm,
)
from sellers.cabinet.forms_requests import (
    AnswerForm,
    MoveDateRequestForm,
    RequestMessageForm,
    SellerCancelRequestForm,
)
from sellers.cabinet.views.base import int_param
from sellers.models import Offer, Store, StoreInvitation, StoreMember
from sellers.services import MAX_STOCK, invitation_link, store_member_invite
from tests.conftest import PINNED_NOW, VALID_PHONE, VALID_TTN, make_store, make_user, ready_delivery
from tests.orders.support import COURIER, COURIER_PHONE, PICKUP, bring

pytestmark = pytest.mark.django_db

PASSWORD = "pass-12345-word"  # tests/conftest.py make_user

# Every field gets these: empty, whitespace, a NUL byte, huge.
COMMON = ["", " \t\n ", "a\x00b", "x" * 10_000]
# And the values of its kind (wrong types included: a date for a number, a number for a date).
HOSTILE = {
    "text": ["y" * 256, "é" * 300, "\u202e<b>x</b>\"'; --", str(10**30)],
    "date": [
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        "garbage",
        "10000-01-01",
        "<today+max+1>",
        "<yesterday>",
        "<today+max>",
    ],
    "datetime": [
        "9999-12-31T23:59",
        "0001-01-01T00:00",
        "2026-02-30T10:00",
        "garbage",
        "9999-12-31",
        "<far-visit>",
        "<yesterday>T10:00",
        "<today>T99:00",
    ],
    "int": [str(10**30), "-1", "1e309", "NaN", "²", "9" * 5_000, str(2**31), str(MAX_STOCK + 1)],
    "decimal": [str(10**30), "-1", "1e309", "NaN", "Infinity", "100000000.00", "0.001"],
    "email": [
        "y" * 256,
        "a@" + "b" * 250 + ".com",
        "c" * 64 + "@" + ("d" * 60 + ".") * 4 + "ua",
        "a@b",
        "MANAGER@EXAMPLE.COM",
        "outsider@example.com",
        "owner@example.com",
    ],
    "choice": ["garbage", "NOVA_POSHTA", "<other-choice>"],
    "bool": ["garbage", "0"],
    "id": ["<outsider-store>", "<outsider-order>", "<outsider-offer>", "²", "-1", str(2**63), str(10**30)],
    "username": ["y" * 256, "MANAGER", "outsider", " " * 200, "m" * 151, "m" * 255],
    # Quantities that the forms allow but that overflow an order's total with the yacht in it.
    "quantity": ["3", "٣", str(MAX_STOCK)],
    # A field the form does not have (another store's item or offer): ignored whatever it holds.
    "foreign": ["1", "x" * 10_000],
}
DUPLICATED = ["x" * 10_000]


@dataclass
class Form:
    """One URL: the data that succeeds, the kind of each field, how to send it."""

    url: str
    baseline: dict
    fields: dict[str, str] = field(default_factory=dict)
    method: str = "post"
    client: str = "manager"  # "manager", "owner" or "anonymous"
    # The baseline is accepted (a redirect or 200 without errors): proves the fields reach the form.
    baseline_ok: bool = True
    overrides: dict = field(default_factory=dict)  # settings the URL needs to work


@dataclass
class World:
    owner: object
    manager: object
    store: object
    outsider_store: object
    offers: list
    pricey: Offer
    outsider_offer: Offer
    outsider_order: Order
    outsider_member: StoreMember
    manager_member: StoreMember
    owner_member: StoreMember
    accepted: Order
    confirmed: Order
    shipping_np: Order
    shipping_courier: Order
    shipping_pickup: Order
    in_delivery_courier: Order
    returning: Order  # cancelled while with the carrier: its goods are expected back
    in_delivery_np: Order  # with the carrier: its tracking number may be corrected
    buyer_order: Order
    requested: Order  # with the store's open request to move the agreed date
    invitation: StoreInvitation  # an open invitation of the store, for a new person
    outsider_invitation: StoreInvitation

    def resolve(self, value):
        """Placeholders of values that depend on the fixtures or the clock."""
        if not isinstance(value, str) or "<" not in value:
            return value
        today = platform_clock.today()
        limit = calendar.platform().ship_by_max_days
        far_visit = platform_clock.now() + timedelta(days=limit + 30)
        replacements = {
            "<today+max+1>": (today + timedelta(days=limit + 1)).isoformat(),
            "<today+max>": (today + timedelta(days=limit)).isoformat(),
            "<today>": today.isoformat(),
            "<yesterday>": (today - timedelta(days=1)).isoformat(),
            "<far-visit>": far_visit.strftime("%Y-%m-%dT%H:%M"),
            "<outsider-store>": str(self.outsider_store.pk),
            "<outsider-order>": str(self.outsider_order.pk),
            "<outsider-offer>": str(self.outsider_offer.pk),
            "<outsider-member>": str(self.outsider_member.pk),
            "<other-choice>": "pickup",
        }
        for placeholder, replacement in replacements.items():
            value = value.replace(placeholder, replacement)
        return value


def _place(store, lines, *, delivery_method="nova_poshta", **extra):
    return order_place(
        store=store,
        buyer_name="Iryna Buyer",
        buyer_phone=VALID_PHONE,
        buyer_email="buyer@example.com",
        lines=[Line(offer.pk, qty) for offer, qty in lines],
        delivery_method=delivery_method,
        delivery_branch="Branch 12" if delivery_method == "nova_poshta" else "",
        delivery_address="Khreshchatyk 1, Kyiv" if delivery_method == "courier" else "",
        **extra,
    )


def _with_move_request(order, seller):
    from orders.requests.services import request_open

    request_open(
        actor=seller, order=order, kind="move_date", new_date=order.ship_by + timedelta(days=2), message="Late"
    )
    return order


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module (in a transaction rolled back at its end), half an hour before
    the tests' pinned moment: each test and each request then run in savepoints over it."""
    from marketplace.defaults import ensure_defaults
    from marketplace.models import PlatformPolicy, ProcessingPolicy

    with django_db_blocker.unblock(), time_machine.travel(PINNED_NOW - timedelta(minutes=30), tick=True):
        with transaction.atomic():
            calendar.forget()
            ensure_defaults(ProcessingPolicy, PlatformPolicy)
            owner = make_user("owner", email="owner@example.com", first_name="Olena")
            manager = make_user("manager", email="manager@example.com", first_name="Mykola")
            outsider = make_user("outsider", email="outsider@example.com")
            store = make_store("Alpha Shop", owner=owner)
            StoreMember.objects.create(store=store, user=manager, role=StoreMember.Role.MANAGER)
            outsider_store = make_store("Beta Shop", owner=outsider)
            offers = [
                Offer.objects.create(store=store, title="Phone case", sku="CASE-1", price=Decimal("250"), stock=1000),
                Offer.objects.create(store=store, title="Charger", sku="CHG-1", price=Decimal("499.90"), stock=1000),
            ]
            # Its price times a quantity the forms allow overflows the order's total (max_digits=12):
            # the quantity must be refused, never reach the database as an overflow.
            pricey = Offer.objects.create(
                store=store, title="Yacht", sku="YACHT-1", price=Decimal("4000000000.00"), stock=50
            )
            outsider_offer = Offer.objects.create(
                store=outsider_store, title="Lamp", sku="LAMP-1", price=Decimal("900"), stock=3
            )
            seller = Actor.seller(manager)

            def place(lines=None, *, target_store=None, **extra):
                return _place(target_store or store, lines or [(offers[0], 2), (offers[1], 1)], **extra)

            accepted = bring(place, seller, Status.ACCEPTED, lines=[(offers[0], 2), (offers[1], 1), (pricey, 1)])
            world = World(
                owner=owner,
                manager=manager,
                store=store,
                outsider_store=outsider_store,
                offers=offers,
                pricey=pricey,
                outsider_offer=outsider_offer,
                outsider_order=place([(outsider_offer, 1)], target_store=outsider_store),
                outsider_member=StoreMember.objects.get(store=outsider_store, user=outsider),
                manager_member=StoreMember.objects.get(store=store, user=manager),
                owner_member=StoreMember.objects.get(store=store, user=owner),
                accepted=ready_delivery(accepted, seller),
                confirmed=bring(place, seller, Status.CONFIRMED),
                shipping_np=bring(place, seller, Status.AWAITING_SHIPMENT),
                shipping_courier=bring(place, seller, Status.AWAITING_SHIPMENT, method=COURIER),
                shipping_pickup=bring(place, seller, Status.AWAITING_SHIPMENT, method=PICKUP),
                in_delivery_courier=bring(place, seller, Status.IN_DELIVERY, method=COURIER),
                returning=order_cancel_by_buyer(order=bring(place, seller, Status.IN_DELIVERY)),
                in_delivery_np=order_ship(
                    actor=seller, order=bring(place, seller, Status.AWAITING_SHIPMENT), ttn="20450000000055"
                ),
                buyer_order=place(),
                requested=_with_move_request(ready_delivery(bring(place, seller, Status.ACCEPTED), seller), seller),
                invitation=store_member_invite(actor=Actor.seller(owner), store=store, email="invitee@example.com"),
                outsider_invitation=store_member_invite(
                    actor=Actor.seller(outsider), store=outsider_store, email="guest@example.com"
                ),
            )
            yield world
            transaction.set_rollback(True)
    calendar.forget()


def forms_of(w: World) -> dict[str, Form]:
    """Every cabinet URL and the public pages, keyed by URL name."""
    today = platform_clock.today()
    items = list(w.accepted.items.order_by("pk"))
    offer = w.offers[0]

    def order_url(name, order):
        return reverse(f"cabinet:{name}", args=[order.pk])

    # the invitee's signed link, as the e-mail gives it
    invitation_token = resolve(urlsplit(invitation_link(w.invitation)).path).kwargs["token"]

    return {
        # sign-in
        "login": Form(
            reverse("cabinet:login"),
            {"username": "manager", "password": PASSWORD},
            {"username": "username", "password": "text"},
            client="anonymous",
        ),
        "logout": Form(reverse("cabinet:logout"), {}),
        "password_reset": Form(
            reverse("cabinet:password_reset"), {"email": "manager@example.com"}, {"email": "email"}, client="anonymous"
        ),
        "password_reset_done": Form(reverse("cabinet:password_reset_done"), {}, method="get", client="anonymous"),
        "password_reset_confirm": Form(
            reverse("cabinet:password_reset_confirm", args=["MQ", "set-password"]),
            {"new_password1": "a-New-pass-9876", "new_password2": "a-New-pass-9876"},
            {"new_password1": "text", "new_password2": "text"},
            client="anonymous",
            baseline_ok=False,
        ),
        "password_reset_complete": Form(
            reverse("cabinet:password_reset_complete"), {}, method="get", client="anonymous"
        ),
        "store_switch": Form(
            reverse("cabinet:store_switch"),
            {"store": str(w.store.pk), "next": "/cabinet/offers/"},
            {"store": "id", "next": "text"},
        ),
        # orders
        "home": Form(reverse("cabinet:home"), {}, method="get"),
        "order_list": Form(
            reverse("cabinet:order_list"),
            {
                "tab": "all",
                "q": "Iryna",
                "overdue": "",
                "due_soon": "",
                "delivery": "nova_poshta",
                "tracking": "",
                "page": "1",
            },
            {
                "tab": "choice",
                "q": "text",
                "overdue": "bool",
                "due_soon": "bool",
                "delivery": "choice",
                "tracking": "bool",
                "page": "int",
            },
            method="get",
        ),
        "order_detail": Form(order_url("order_detail", w.accepted), {}, method="get"),
        "order_form": Form(order_url("order_form", w.accepted), {"form": "delivery"}, {"form": "choice"}, method="get"),
        "order_confirm": Form(order_url("order_confirm", w.accepted), {}),
        "order_pack": Form(
            order_url("order_pack", w.confirmed),
            {"pack-ship_by": (today + timedelta(days=3)).isoformat()},
            {"pack-ship_by": "date"},
        ),
        "order_ship": Form(order_url("order_ship", w.shipping_np), {"ship-ttn": VALID_TTN}, {"ship-ttn": "text"}),
        "order_ship_courier": Form(
            order_url("order_ship", w.shipping_courier),
            {
                "ship-courier_phone": COURIER_PHONE,
                "ship-courier_visit_at": localtime(platform_clock.now() + timedelta(hours=3)).strftime(
                    "%Y-%m-%dT%H:%M"
                ),
            },
            {"ship-courier_phone": "text", "ship-courier_visit_at": "datetime"},
        ),
        "order_ready_for_pickup": Form(order_url("order_ready_for_pickup", w.shipping_pickup), {}),
        "order_mark_received": Form(
            order_url("order_mark_received", w.in_delivery_courier),
            {"mark_received-confirm": "on"},
            {"mark_received-confirm": "bool"},
        ),
        "order_ttn": Form(order_url("order_ttn", w.in_delivery_np), {"ttn-ttn": "20450000000077"}, {"ttn-ttn": "text"}),
        "order_return_received": Form(
            order_url("order_return_received", w.returning),
            {"return_received-confirm": "on"},
            {"return_received-confirm": "bool"},
        ),
        "order_cancel": Form(
            order_url("order_cancel", w.accepted),
            {"cancel-reason": CancelReason.OTHER.value, "cancel-comment": "The buyer asked by phone."},
            {"cancel-reason": "choice", "cancel-comment": "text", f"cancel-stock_{w.outsider_offer.pk}": "foreign"},
        ),
        "order_cancel_out_of_stock": Form(
            order_url("order_cancel", w.accepted),
            {"cancel-reason": CancelReason.OUT_OF_STOCK.value, f"cancel-stock_{offer.pk}": "0"},
            {f"cancel-stock_{offer.pk}": "int"},
        ),
        "order_delivery": Form(
            order_url("order_delivery", w.accepted),
            {
                "delivery-method": "nova_poshta",
                "delivery-branch": "Branch 7",
                "delivery-address": "",
                "delivery-cost": "70.00",
                "delivery-ship_by": (today + timedelta(days=2)).isoformat(),
            },
            {
                "delivery-method": "choice",
                "delivery-branch": "text",
                "delivery-address": "text",
                "delivery-cost": "decimal",
                "delivery-ship_by": "date",
            },
        ),
        "order_delivery_courier": Form(
            order_url("order_delivery", w.accepted),
            {
                "delivery-method": "courier",
                "delivery-branch": "",
                "delivery-address": "Khreshchatyk 2, Kyiv",
                "delivery-cost": "0",
                "delivery-ship_by": "",
            },
            {"delivery-ship_by": "date"},
        ),
        "order_payment": Form(
            order_url("order_payment", w.accepted), {"payment-method": "card"}, {"payment-method": "choice"}
        ),
        "order_items": Form(
            order_url("order_items", w.accepted),
            {f"items-qty_{items[0].pk}": "3", f"items-qty_{items[1].pk}": "1", f"items-qty_{items[2].pk}": "1"},
            {f"items-qty_{items[2].pk}": "quantity", f"items-qty_{w.outsider_order.items.get().pk}": "foreign"},
        ),
        "order_item_add": Form(
            order_url("order_item_add", w.accepted),
            {"add_item-sku": "CASE-1", "add_item-quantity": "1"},
            {"add_item-sku": "text", "add_item-quantity": "int"},
        ),
        "order_item_add_pricey": Form(
            order_url("order_item_add", w.accepted),
            {"add_item-sku": "yacht-1", "add_item-quantity": "1"},
            {"add_item-quantity": "quantity"},
        ),
        "order_split": Form(
            order_url("order_split", w.accepted),
            {f"split-move_{items[0].pk}": "1"},
            {f"split-move_{items[0].pk}": "int", f"split-move_{w.outsider_order.items.get().pk}": "foreign"},
        ),
        # the world has no late order: the service refuses the baseline (422), never a 500
        "order_late_cause": Form(
            order_url("order_late_cause", w.in_delivery_np),
            {"late_cause-cause": "logistics", "late_cause-note": "The courier came a day late."},
            {"late_cause-cause": "choice", "late_cause-note": "text"},
            baseline_ok=False,
        ),
        # the world has no shipping-time expiry: the service refuses the baseline (422), never a 500
        "order_reorder": Form(
            order_url("order_reorder", w.in_delivery_np),
            {"reorder-discount_kind": "percent", "reorder-discount": "10", "reorder-message": "Sorry."},
            {"reorder-discount_kind": "choice", "reorder-discount": "decimal", "reorder-message": "text"},
            baseline_ok=False,
        ),
        "statement": Form(
            reverse("cabinet:statement"),
            {"month": "2026-11", "page": "1"},
            {"month": "text", "page": "int"},
            method="get",
        ),
        "statement_export": Form(
            reverse("cabinet:statement_export"), {"month": "2026-11"}, {"month": "text"}, method="get"
        ),
        # the performance page (no parameters) and the order list behind one of its numbers
        "performance": Form(reverse("cabinet:performance"), {}, method="get"),
        "order_list_metric": Form(
            reverse("cabinet:order_list"),
            {"tab": "all", "metric": "expiries", "days": "30", "page": "1"},
            {"tab": "choice", "metric": "choice", "days": "int", "page": "int"},
            method="get",
        ),
        "order_comment": Form(
            order_url("order_comment", w.accepted), {"comment-text": "Called the buyer."}, {"comment-text": "text"}
        ),
        "order_call": Form(
            order_url("order_call", w.accepted),
            {"call-outcome": CallAttempt.Outcome.BUSY.value, "call-note": "Busy line"},
            {"call-outcome": "choice", "call-note": "text"},
        ),
        # the requests tab and the order page's request panel (sellers/cabinet/views/requests.py)
        "request_list": Form(reverse("cabinet:request_list"), {"tab": "buyer"}, {"tab": "choice"}, method="get"),
        "order_request_cancel": Form(
            order_url("order_request_cancel", w.accepted),
            {"request_cancel-ground": "duplicate", "request_cancel-message": "You ordered twice."},
            {"request_cancel-ground": "choice", "request_cancel-message": "text"},
        ),
        "order_request_move": Form(
            order_url("order_request_move", w.accepted),
            {"request_move-new_date": (today + timedelta(days=5)).isoformat(), "request_move-message": "Supplier late"},
            {"request_move-new_date": "date", "request_move-message": "text"},
        ),
        "order_request_answer": Form(  # the store's own request: the opener cannot answer it
            order_url("order_request_answer", w.requested),
            {"request_answer-request": str(w.requested.requests.get().pk), "request_answer-answer": "accept"},
            {"request_answer-request": "id", "request_answer-answer": "choice", "request_answer-message": "text"},
            baseline_ok=False,
        ),
        "order_request_withdraw": Form(
            order_url("order_request_withdraw", w.requested),
            {"request_withdraw-request": str(w.requested.requests.get().pk)},
            {"request_withdraw-request": "id"},
        ),
        "order_request_follow_up": Form(  # too soon after the request's own message
            order_url("order_request_follow_up", w.requested),
            {"request_follow_up-request": str(w.requested.requests.get().pk)},
            {"request_follow_up-request": "id"},
            baseline_ok=False,
        ),
        "order_request_message": Form(
            order_url("order_request_message", w.requested),
            {"request_message-request": str(w.requested.requests.get().pk), "request_message-text": "Any news?"},
            {"request_message-request": "id", "request_message-text": "text"},
        ),
        "order_bulk": Form(
            reverse("cabinet:order_bulk"),
            {"action": "confirm", "ids": str(w.accepted.pk), "next": "/cabinet/orders/?tab=all"},
            {"action": "choice", "ids": "id", "next": "text"},
        ),
        "order_export": Form(
            reverse("cabinet:order_export"),
            {"tab": "all", "q": "Iryna", "overdue": "", "due_soon": "", "delivery": "nova_poshta"},
            {"tab": "choice", "q": "text", "overdue": "bool", "due_soon": "bool", "delivery": "choice"},
            method="get",
        ),
        "order_print": Form(
            reverse("cabinet:order_print"), {"order": str(w.accepted.pk)}, {"order": "id"}, method="get"
        ),
        # offers
        "offer_list": Form(
            reverse("cabinet:offer_list"),
            {"q": "case", "page": "1", "check": f"{offer.pk},{w.offers[1].pk}", "order": "7"},
            {"q": "text", "page": "int", "check": "id", "order": "int"},
            method="get",
        ),
        "offer_stock": Form(
            reverse("cabinet:offer_stock", args=[offer.pk]),
            {f"offer-{offer.pk}-stock": "7", "next": "/cabinet/offers/"},
            {f"offer-{offer.pk}-stock": "int", "next": "text", "checked": "bool"},
        ),
        "offer_pause": Form(
            reverse("cabinet:offer_pause", args=[offer.pk]),
            {"paused": "1", "next": "/cabinet/"},
            {"paused": "bool", "next": "text"},
        ),
        "offer_edit": Form(
            reverse("cabinet:offer_edit", args=[offer.pk]),
            {"description": "Soft silicone.", "category": ""},
            {"description": "text", "category": "id", "remove_photo": "bool"},
        ),
        # store settings
        "store_settings": Form(reverse("cabinet:store_settings"), {}, method="get"),
        "store_settings_my_language": Form(
            reverse("cabinet:store_settings"),
            {"section": "my_language", "me-language": "en"},
            {"section": "choice", "me-language": "choice"},
        ),
        "store_settings_store_language": Form(
            reverse("cabinet:store_settings"),
            {"section": "store_language", "store-language": "en"},
            {"store-language": "choice"},
            client="owner",
        ),
        "store_email": Form(
            reverse("cabinet:store_email"), {"email": "orders@alpha.example.com"}, {"email": "email"}, client="owner"
        ),
        "member_invite": Form(
            reverse("cabinet:member_invite"), {"email": "new.manager@example.com"}, {"email": "email"}, client="owner"
        ),
        "member_remove": Form(reverse("cabinet:member_remove", args=[w.manager_member.pk]), {}, client="owner"),
        # invitations: the owner re-sends or revokes one; the invitee accepts or declines by the link
        "invitation_resend": Form(reverse("cabinet:invitation_resend", args=[w.invitation.pk]), {}, client="owner"),
        "invitation_revoke": Form(reverse("cabinet:invitation_revoke", args=[w.invitation.pk]), {}, client="owner"),
        "invitation": Form(
            reverse("cabinet:invitation", kwargs={"token": invitation_token}),
            {"new_password1": "a-New-pass-9876", "new_password2": "a-New-pass-9876"},
            {"new_password1": "text", "new_password2": "text"},
            client="anonymous",
        ),
        "invitation_decline": Form(
            reverse("cabinet:invitation_decline", kwargs={"token": invitation_token}), {}, client="anonymous"
        ),
        # refused by the service (the owner cannot be removed): a message, nothing changes
        "member_remove_owner": Form(
            reverse("cabinet:member_remove", args=[w.owner_member.pk]), {}, client="owner", baseline_ok=False
        ),
        "telegram_link": Form(
            reverse("cabinet:telegram_link"),
            {},
            client="owner",
            overrides={"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_BOT_NAME": "magazito_bot"},
        ),
        "telegram_unlink": Form(reverse("cabinet:telegram_unlink"), {}, client="owner"),
        "notification_prefs": Form(
            reverse("cabinet:notification_prefs"),
            {"new_orders__email": "on", "reminders__telegram": "on"},
            {"new_orders__email": "bool", "reminders__telegram": "bool", "account__email": "bool"},
        ),
        # the buyer's public page
        "public_order": Form(
            reverse("orders:public_order", args=[w.buyer_order.public_token]),
            {"lang": "en"},
            {"lang": "text", "page": "int"},
            method="get",
            client="anonymous",
        ),
        "public_order_cancel": Form(
            reverse("orders:public_order_cancel", args=[w.buyer_order.public_token]),
            {"confirm": "on", "comment": "Found it cheaper."},
            {"confirm": "bool", "comment": "text"},
            client="anonymous",
        ),
        # the buyer's requests and complaint (docs/rules.md §6): the buyer's order has no request and is
        # not late, so each baseline is refused by the rules; the forms still meet every hostile value
        "public_order_complain": Form(
            reverse("orders:public_order_complain", args=[w.buyer_order.public_token]),
            {"complaint": "Still not shipped."},
            {"complaint": "text"},
            client="anonymous",
            baseline_ok=False,
        ),
        "public_request_answer": Form(
            reverse("orders:public_request_answer", args=[w.buyer_order.public_token]),
            {"request": "1", "answer": "accept", "message": "Fine."},
            {"request": "int", "answer": "choice", "message": "text"},
            client="anonymous",
            baseline_ok=False,
        ),
        "public_request_withdraw": Form(
            reverse("orders:public_request_withdraw", args=[w.buyer_order.public_token]),
            {"request": "1"},
            {"request": "int"},
            client="anonymous",
            baseline_ok=False,
        ),
        "public_request_message": Form(
            reverse("orders:public_request_message", args=[w.buyer_order.public_token]),
            {"request": "1", "text": "Hello."},
            {"request": "int", "text": "text"},
            client="anonymous",
            baseline_ok=False,
        ),
        # no re-order offer on the buyer's order: refused (422), never a 500
        "public_reorder_answer": Form(
            reverse("orders:public_reorder_answer", args=[w.buyer_order.public_token]),
            {"answer": "accept"},
            {"answer": "choice"},
            client="anonymous",
            baseline_ok=False,
        ),
        # the storefront's cart and checkout (orders/storefront/checkout_urls.py): the "buyer" client has
        # offers[0] and the outsider's offer in its cart (see `buyer_with_cart`)
        "storefront_cart": Form(reverse("storefront:cart"), {}, method="get", client="buyer"),
        "storefront_cart_add": Form(
            reverse("storefront:cart_add"),
            {"offer": str(w.offers[1].pk), "quantity": "2", "next": "/"},
            {"offer": "id", "quantity": "quantity", "next": "text"},
            client="buyer",
        ),
        "storefront_cart_update": Form(
            reverse("storefront:cart_update"),
            {"offer": str(offer.pk), "quantity": "2"},
            {"offer": "id", "quantity": "quantity"},
            client="buyer",
        ),
        "storefront_cart_remove": Form(
            reverse("storefront:cart_remove"), {"offer": str(offer.pk)}, {"offer": "id"}, client="buyer"
        ),
        "storefront_cart_accept": Form(reverse("storefront:cart_accept"), {}, client="buyer"),
        "storefront_checkout_page": Form(reverse("storefront:checkout"), {}, method="get", client="buyer"),
        "storefront_checkout": Form(
            reverse("storefront:checkout"),
            {
                "key": "k" * 32,
                "cart": cart_digest(w),
                "name": "Iryna Buyer",
                "phone": VALID_PHONE,
                "email": "buyer@example.com",
                "language": "en",
                f"s{w.store.pk}-delivery_method": "nova_poshta",
                f"s{w.store.pk}-delivery_branch": "Kyiv, branch 12",
                f"s{w.store.pk}-payment_method": "cod",
                f"s{w.outsider_store.pk}-delivery_method": "courier",
                f"s{w.outsider_store.pk}-delivery_address": "Khreshchatyk 1, Kyiv",
                f"s{w.outsider_store.pk}-payment_method": "card",
            },
            {
                "key": "text",
                "cart": "text",
                "name": "text",
                "phone": "text",
                "email": "email",
                "language": "choice",
                f"s{w.store.pk}-delivery_method": "choice",
                f"s{w.store.pk}-delivery_branch": "text",
                f"s{w.store.pk}-payment_method": "choice",
                f"s{w.outsider_store.pk}-delivery_method": "choice",
                f"s{w.outsider_store.pk}-delivery_address": "text",
            },
            client="buyer",
        ),
        "storefront_thanks": Form(
            reverse("storefront:thanks", args=["t" * 32]), {}, method="get", client="buyer", baseline_ok=False
        ),
        # the storefront's catalog (orders/storefront/catalog_urls.py)
        "storefront_catalog": Form(
            reverse("storefront:catalog"),
            {
                "q": "case",
                "store": w.store.slug,
                "price_min": "1",
                "price_max": "1000",
                "sort": "price_asc",
                "page": "1",
            },
            {
                "q": "text",
                "store": "text",
                "exclude_store": "text",
                "category": "text",
                "price_min": "decimal",
                "price_max": "decimal",
                "stock": "choice",
                "sort": "choice",
                "page": "int",
            },
            method="get",
            client="anonymous",
        ),
        "storefront_offer": Form(
            reverse("storefront:offer", args=[offer.pk]), {}, {"q": "text"}, method="get", client="anonymous"
        ),
        "storefront_store": Form(
            reverse("storefront:store", args=[w.store.slug]),
            {"q": "case", "sort": "newest"},
            {"q": "text", "sort": "choice", "page": "int", "price_min": "decimal"},
            method="get",
            client="anonymous",
        ),
    }


# URLs with an object id: the same request for another store's object, or an id that
# overflows, or none that exists, answers 404 and changes nothing.
OBJECT_TARGETS = {
    "order_detail": "order",
    "order_form": "order",
    "order_confirm": "order",
    "order_pack": "order",
    "order_ship": "order",
    "order_ready_for_pickup": "order",
    "order_mark_received": "order",
    "order_return_received": "order",
    "order_ttn": "order",
    "order_cancel": "order",
    "order_delivery": "order",
    "order_payment": "order",
    "order_items": "order",
    "order_item_add": "order",
    "order_split": "order",
    "order_late_cause": "order",
    "order_reorder": "order",
    "order_comment": "order",
    "order_call": "order",
    "order_request_cancel": "order",
    "order_request_move": "order",
    "order_request_answer": "order",
    "order_request_withdraw": "order",
    "order_request_follow_up": "order",
    "order_request_message": "order",
    "offer_stock": "offer",
    "offer_pause": "offer",
    "offer_edit": "offer",
    "member_remove": "member",
    "invitation_resend": "invitation",
    "invitation_revoke": "invitation",
}


# --- the machinery ---------------------------------------------------------------------------


def _tables() -> list[str]:
    tables = [get_user_model()._meta.db_table]
    for label in ("orders", "sellers", "notifications", "marketplace"):
        tables += [
            model._meta.db_table
            for model in apps.get_app_config(label).get_models()
            if not model._meta.proxy and model._meta.managed
        ]
    return tables


def snapshot() -> dict[str, str]:
    """A digest of every row of every table of the apps (orders, items, offers, stores,
    members, history, outbox, comments, calls, fees, policy) and of the users: one query."""
    tables = _tables()
    sql = " UNION ALL ".join(
        f"SELECT %s, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {connection.ops.quote_name(t)} t"
        for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return dict(cursor.fetchall())


def bounded_columns() -> dict:
    return {
        "orders": {row["id"]: row for row in Order.objects.values("id", "ship_by", "courier_visit_at")},
        "stock": dict(Offer.objects.values_list("id", "stock")),
    }


def out_of_bounds(before: dict, after: dict) -> list[str]:
    """Values an accepted request stored that no form may let through."""
    problems = []
    today = platform_clock.today()
    now = platform_clock.now()
    limit = calendar.platform().ship_by_max_days
    for pk, row in after["orders"].items():
        old = before["orders"].get(pk, {})
        if row["ship_by"] is not None and row["ship_by"] != old.get("ship_by"):
            if not today <= row["ship_by"] <= today + timedelta(days=limit):
                problems.append(f"order {pk}: ship_by {row['ship_by']}")
        visit = row["courier_visit_at"]
        if visit is not None and visit != old.get("courier_visit_at"):
            if not now - timedelta(days=1) <= visit <= now + timedelta(days=limit):
                problems.append(f"order {pk}: courier_visit_at {visit}")
    problems += [f"offer {pk}: stock {stock}" for pk, stock in after["stock"].items() if not 0 <= stock <= MAX_STOCK]
    return problems


class _Rollback(Exception):
    pass


@dataclass
class Outcome:
    status: int | None
    refused: bool
    changed: list[str]
    error: str = ""
    out_of_bounds: list[str] = field(default_factory=list)


def _refused(response) -> bool:
    """4xx, a bound form with errors on the page, or an error message for the next page."""
    if response.status_code >= 400:
        return True
    for context in response.context or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else []:
            if getattr(value, "is_bound", False) and getattr(value, "errors", None):
                return True
    queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
    return any(message.level >= ERROR for message in queued)


class Sender:
    """Sends one request in a savepoint that is rolled back (so every request starts from the
    same state) and judges the answer."""

    def __init__(self, clients: dict[str, Client]):
        self.clients = clients
        self.sessions = {name: c.cookies.get("sessionid") for name, c in clients.items()}
        self.before = snapshot()
        self.columns = bounded_columns()
        self.failures: list[str] = []
        self.count = 0

    def send(
        self, form: Form, data: dict, *, url: str | None = None, method: str | None = None, label: str = ""
    ) -> Outcome:
        client = self.clients[form.client]
        method = method or form.method
        url = url or form.url
        self.count += 1
        outcome = None
        try:
            with transaction.atomic():
                response = getattr(client, method)(url, data)
                after = snapshot()
                changed = [table for table, digest in after.items() if self.before[table] != digest]
                outcome = Outcome(response.status_code, _refused(response), changed)
                if not outcome.refused and changed:
                    outcome.out_of_bounds = out_of_bounds(self.columns, bounded_columns())
                raise _Rollback
        except _Rollback:
            pass
        except Exception as error:  # noqa: BLE001 - a server error is what this test looks for
            lines = "".join(traceback.format_exception(error)).strip().splitlines()
            outcome = Outcome(None, True, [], error=" | ".join(line.strip() for line in lines[-4:]))
        finally:
            self._reset(form.client)
        what = f"{method.upper()} {url} {label}"
        if outcome.error:
            self.failures.append(f"{what}: raised {outcome.error}")
        elif outcome.status >= 500:
            self.failures.append(f"{what}: answered {outcome.status}")
        elif outcome.refused and outcome.changed:
            self.failures.append(f"{what}: refused ({outcome.status}) but changed {outcome.changed}")
        elif method == "get" and outcome.changed:
            self.failures.append(f"{what}: a GET changed {outcome.changed}")
        elif outcome.out_of_bounds:
            self.failures.append(f"{what}: accepted ({outcome.status}) and stored {outcome.out_of_bounds}")
        return outcome

    def _reset(self, name: str) -> None:
        """The rolled-back savepoint took any new session with it: keep the signed-in one."""
        client = self.clients[name]
        client.cookies.pop("messages", None)
        if self.sessions[name] is not None:
            client.cookies["sessionid"] = self.sessions[name].value
        else:
            client.cookies.pop("sessionid", None)

    def check(self) -> None:
        assert not self.failures, f"{len(self.failures)} of {self.count} requests failed:\n" + "\n".join(
            failure[:1000] for failure in self.failures
        )


def english_client(user=None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def en(world, db):
    with translation.override("en"):
        yield


@pytest.fixture
def sender(world, db):
    with translation.override("en"):
        yield Sender(
            {
                "manager": english_client(world.manager),
                "owner": english_client(world.owner),
                "anonymous": english_client(),
                "buyer": buyer_with_cart(world),
            }
        )


def cart_lines(w: World) -> dict:
    """The cart of the "buyer" client, as orders/storefront/cart.py keeps it in the session."""
    offers = Offer.objects.filter(pk__in=[w.offers[0].pk, w.outsider_offer.pk]).order_by("pk")
    return {str(o.pk): {"q": 1, "p": str(o.price), "s": o.stock} for o in offers}


def cart_digest(w: World) -> str:
    from orders.storefront.cart import SESSION_KEY, Cart

    return Cart({SESSION_KEY: cart_lines(w)}).digest()


def buyer_with_cart(w: World) -> Client:
    client = english_client()
    for offer in (w.offers[0], w.outsider_offer):
        with translation.override("en"):  # the request deactivates the test's language as it ends
            client.post(reverse("storefront:cart_add"), {"offer": str(offer.pk), "quantity": "1"})
    return client


def hostile_values(kind: str) -> list[str]:
    if kind == "foreign":
        return HOSTILE["foreign"]
    if kind == "quantity":
        return [*COMMON, *HOSTILE["int"], *HOSTILE["quantity"]]
    return [*COMMON, *HOSTILE[kind]]


def _short(value) -> str:
    text = repr(value)
    return text if len(text) < 60 else f"{text[:40]}…({len(str(value))} chars)"


# --- the tests -------------------------------------------------------------------------------


def cabinet_and_public_patterns() -> list:
    return [
        p
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLResolver) and pattern.namespace in ("cabinet", "orders")
        for p in pattern.url_patterns
    ]


FORM_NAMES = [
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "store_switch",
    "home",
    "order_list",
    "order_detail",
    "order_form",
    "order_confirm",
    "order_pack",
    "order_ship",
    "order_ship_courier",
    "order_ready_for_pickup",
    "order_mark_received",
    "order_return_received",
    "order_ttn",
    "order_cancel",
    "order_cancel_out_of_stock",
    "order_delivery",
    "order_delivery_courier",
    "order_payment",
    "order_items",
    "order_item_add",
    "order_item_add_pricey",
    "order_split",
    "order_late_cause",
    "order_reorder",
    "statement",
    "statement_export",
    "performance",
    "order_list_metric",
    "order_comment",
    "order_call",
    "request_list",
    "order_request_cancel",
    "order_request_move",
    "order_request_answer",
    "order_request_withdraw",
    "order_request_follow_up",
    "order_request_message",
    "order_bulk",
    "order_export",
    "order_print",
    "offer_list",
    "offer_stock",
    "offer_pause",
    "offer_edit",
    "store_settings",
    "store_settings_my_language",
    "store_settings_store_language",
    "store_email",
    "member_invite",
    "member_remove",
    "member_remove_owner",
    "invitation_resend",
    "invitation_revoke",
    "invitation",
    "invitation_decline",
    "telegram_link",
    "telegram_unlink",
    "notification_prefs",
    "public_order",
    "public_order_cancel",
    "public_order_complain",
    "public_request_answer",
    "public_request_withdraw",
    "public_request_message",
    "public_reorder_answer",
    "storefront_catalog",
    "storefront_offer",
    "storefront_store",
    "storefront_cart",
    "storefront_cart_add",
    "storefront_cart_update",
    "storefront_cart_remove",
    "storefront_cart_accept",
    "storefront_checkout_page",
    "storefront_checkout",
    "storefront_thanks",
]


def storefront_names() -> set[str]:
    """The storefront's URL names (its URLconf includes one module per part), prefixed as in the table."""

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif pattern.name:
                yield f"storefront_{pattern.name}"

    resolvers = [p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.namespace == "storefront"]
    assert resolvers, "the storefront's URLconf is not mounted"
    return set(walk(resolvers[0].url_patterns))


def test_every_cabinet_and_public_url_is_in_the_table():
    patterns = cabinet_and_public_patterns()
    missing = ({p.name for p in patterns} | storefront_names()) - set(FORM_NAMES)
    assert not missing, f"add these URLs to tests/test_hostile_input.py: {sorted(missing)}"
    assert {p.name for p in patterns if "pk" in p.pattern.converters} == set(OBJECT_TARGETS)


@pytest.mark.parametrize("name", FORM_NAMES)
def test_hostile_values_get_no_server_error_and_a_refusal_changes_nothing(name, world, sender, settings):
    form = forms_of(world)[name]
    for setting, value in form.overrides.items():
        setattr(settings, setting, value)
    baseline = {key: world.resolve(value) for key, value in form.baseline.items()}
    first = sender.send(form, baseline, label="baseline")
    if form.baseline_ok and not first.error:
        assert not first.refused, f"the baseline of {name} is refused ({first.status}): fix the table"
    # The wrong method, an empty request, an unknown huge field.
    other = "get" if form.method == "post" else "post"
    sender.send(form, {}, method=other, label="other method")
    sender.send(form, {}, label="empty")
    sender.send(form, {**baseline, "zzz": "x" * 10_000, "": "a\x00b"}, label="unknown fields")
    for key, kind in form.fields.items():
        if key in baseline and kind != "foreign":
            sender.send(form, {k: v for k, v in baseline.items() if k != key}, label=f"without {key}")
        for value in hostile_values(kind):
            value = world.resolve(value)
            sender.send(form, {**baseline, key: value}, label=f"{key}={_short(value)}")
    for key in list(form.fields)[:1]:  # a duplicated key: the last value counts
        for value in DUPLICATED:
            sender.send(form, {**baseline, key: [baseline.get(key, ""), value]}, label=f"{key}=[…, {_short(value)}]")
    sender.check()


@pytest.mark.parametrize("name", sorted(OBJECT_TARGETS))
def test_another_stores_or_impossible_ids_in_the_url_answer_404(name, world, sender):
    form = forms_of(world)[name]
    baseline = {key: world.resolve(value) for key, value in form.baseline.items()}
    target = {
        "order": world.outsider_order,
        "offer": world.outsider_offer,
        "member": world.outsider_member,
        "invitation": world.outsider_invitation,
    }
    kind = OBJECT_TARGETS[name]
    pattern = name.removesuffix("_courier")
    for pk in (target[kind].pk, 0, 2**31, 2**63, 10**30):
        url = reverse(f"cabinet:{pattern}", args=[pk])
        outcome = sender.send(form, baseline, url=url, label=f"pk={pk}")
        assert outcome.error or outcome.status == 404, f"{name} pk={pk}: {outcome.status}"
    sender.check()


def test_the_public_page_answers_404_to_any_other_token(world, sender):
    form = forms_of(world)["public_order"]
    real = world.outsider_order.public_token
    near = real[:-1] + ("_" if real[-1] != "_" else "-")  # one character off (never the token itself)
    for token in ("A" * 20, "A" * 64, near, "a%00" * 10, "x" * 10_000):
        for url in (f"/o/{token}/", f"/o/{token}/cancel/"):
            outcome = sender.send(
                form, {"confirm": "on"}, url=url, method="post" if "cancel" in url else "get", label="token"
            )
            assert outcome.error or outcome.status in (404, 405), (url[:80], outcome.status)
    sender.check()


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.text(st.characters(exclude_categories=("Cs",)), max_size=300),
    page=st.one_of(st.integers(), st.text(st.characters(exclude_categories=("Cs",)), max_size=30)),
)
def test_any_search_text_gets_an_answer(world, sender, q, page):
    """The two search boxes (orders, offers) and their page numbers, with any text at all."""
    forms = forms_of(world)
    for name in ("order_list", "offer_list"):
        sender.send(forms[name], {"q": q, "page": page}, label=f"q={_short(q)} page={_short(page)}")
    sender.check()


# --- the forms' own bounds (each refusal comes from the form, before any service) -------------


def _pack(order, ship_by):
    return PackForm({"pack-ship_by": ship_by.isoformat() if ship_by else ""}, order=order, prefix="pack")


def _delivery(order, ship_by):
    data = {
        "delivery-method": "nova_poshta",
        "delivery-branch": "Branch 7",
        "delivery-cost": "70",
        "delivery-ship_by": ship_by.isoformat(),
    }
    return DeliveryForm(data, order=order, prefix="delivery")


@pytest.mark.parametrize("make", [_pack, _delivery], ids=["pack", "delivery"])
def test_the_ship_by_date_is_bounded_by_today_and_the_policys_maximum(make, world, sender):
    today = platform_clock.today()
    limit = calendar.platform().ship_by_max_days
    order = Order.objects.get(pk=world.confirmed.pk)
    assert make(order, today).is_valid()
    assert make(order, today + timedelta(days=limit)).is_valid()
    for past in (today - timedelta(days=1), date(1, 1, 1)):
        form = make(order, past)
        assert not form.is_valid() and "is in the past" in form.errors["ship_by"][0]
    for far in (today + timedelta(days=limit + 1), date(9999, 12, 31)):
        form = make(order, far)
        assert not form.is_valid()
        assert form.errors["ship_by"][0].startswith(f"The ship-by date can be at most {limit} days ahead")
    # Through the page: refused by the form, before any service is called.
    action = make.__name__.removeprefix("_")
    with (
        patch("sellers.cabinet.views.orders.order_pack") as pack,
        patch("sellers.cabinet.views.orders.order_update_delivery") as update,
    ):
        for far in ("9999-12-31", "0001-01-01"):
            response = sender.clients["manager"].post(
                reverse(f"cabinet:order_{action}", args=[order.pk]), {f"{action}-ship_by": far}
            )
            assert response.status_code == 422
    assert not pack.called and not update.called
    # The order's own date, even one that has passed, is not new input: the form keeps it.
    order.ship_by = today - timedelta(days=3)
    assert make(order, order.ship_by).is_valid()
    widget = make(order, today).fields["ship_by"].widget
    assert widget.attrs["max"] == (today + timedelta(days=limit)).isoformat()


def test_the_courier_visit_is_bounded(world, en):
    order = Order.objects.get(pk=world.shipping_courier.pk)
    limit = calendar.platform().ship_by_max_days

    def form(when):
        data = {"ship-courier_phone": COURIER_PHONE, "ship-courier_visit_at": when}
        return ShipForm(data, order=order, prefix="ship")

    soon = localtime(platform_clock.now() + timedelta(hours=3))
    assert form(soon.strftime("%Y-%m-%dT%H:%M")).is_valid()
    far = form((soon + timedelta(days=limit + 1)).strftime("%Y-%m-%dT%H:%M"))
    assert not far.is_valid()
    assert far.errors["courier_visit_at"] == [f"The courier's visit can be at most {limit} days ahead."]
    for value in ("9999-12-31T23:59", "0001-01-01T00:00", "2026-02-30T10:00"):
        assert not form(value).is_valid(), value


# Each text field of a cabinet form and the column it is stored in.
COLUMNS = [
    (lambda w: ShipForm(order=w.shipping_np), "ttn", Order, "ttn"),
    (lambda w: ShipForm(order=w.shipping_courier), "courier_phone", Order, "courier_phone"),
    (lambda w: DeliveryForm(order=w.accepted), "branch", Order, "delivery_branch"),
    (lambda w: DeliveryForm(order=w.accepted), "address", Order, "delivery_address"),
    (lambda w: AddItemForm(order=w.accepted), "sku", Offer, "sku"),
    (lambda w: CallForm(order=w.accepted), "note", CallAttempt, "note"),
    (lambda w: StoreEmailForm(), "email", Store, "email"),
    (lambda w: InviteForm(), "email", get_user_model(), "email"),
    (lambda w: LoginForm(), "username", get_user_model(), "username"),
]


@pytest.mark.parametrize("make, name, model, column", COLUMNS, ids=[f"{c[2].__name__}.{c[3]}" for c in COLUMNS])
def test_every_text_field_is_as_long_as_its_column_at_most(make, name, model, column, world, en):
    field = make(world).fields[name]
    length = model._meta.get_field(column).max_length
    assert field.max_length == length
    assert any(getattr(v, "limit_value", None) == length for v in field.validators), "no validator checks it"


def every_form(w: World) -> list:
    items = list(w.accepted.items.all())
    order = w.accepted
    return [
        OrderFilterForm(),
        PackForm(order=w.confirmed),
        ShipForm(order=w.shipping_np),
        ShipForm(order=w.shipping_courier),
        CancelForm(order=order, items=items),
        DeliveryForm(order=order),
        ItemsForm(order=order, items=items),
        AddItemForm(order=order),
        SplitForm(order=order, items=items),
        CommentForm(order=order),
        CallForm(order=order),
        SellerCancelRequestForm(order=order),
        MoveDateRequestForm(order=order),
        AnswerForm(order=order),
        RequestMessageForm(order=order),
        StockForm(),
        OfferSearchForm(),
        OfferDetailsForm(),
        CatalogForm(),
        StoreEmailForm(),
        InviteForm(),
        LoginForm(),
        BuyerCancelForm(),
        AddToCartForm(),
        CartUpdateForm(),
        CartRemoveForm(),
        BuyerForm(),
        StoreDeliveryForm(store=w.store),
    ]


def test_every_field_of_every_form_is_bounded(world, en):
    """Text has a length (a password is only hashed, never stored as given), numbers a minimum
    and a maximum (or a number of digits), dates a check of their window."""
    for form in every_form(world):
        for name, box in form.fields.items():
            where = f"{type(form).__name__}.{name}"
            if isinstance(box, forms.DecimalField):
                assert box.min_value is not None and box.max_digits is not None, where
            elif isinstance(box, forms.IntegerField):
                assert box.min_value is not None and box.max_value is not None, where
            elif isinstance(box, (forms.DateField, forms.DateTimeField)):
                assert hasattr(form, f"clean_{name}"), where
            elif isinstance(box, forms.CharField) and name != "password":
                assert box.max_length is not None and box.validators, where


@pytest.mark.parametrize("email", ["a" * 250 + "@example.com", "b" * 64 + "@" + ("c" * 60 + ".") * 4 + "ua"])
def test_an_e_mail_longer_than_the_column_is_refused_by_the_form(email, world, en):
    assert len(email) > 254
    for form in (InviteForm({"email": email}), StoreEmailForm({"email": email})):
        assert not form.is_valid()
        assert "at most 254 characters" in form.errors["email"][0]


def test_a_login_name_longer_than_the_column_is_refused_before_django_axes(world, sender):
    from axes.models import AccessAttempt

    outcome = sender.send(forms_of(world)["login"], {"username": "m" * 256, "password": PASSWORD}, label="long")
    assert not outcome.error and outcome.status == 200 and outcome.refused
    client = english_client()
    response = client.post(reverse("cabinet:login"), {"username": "m" * 256, "password": PASSWORD})
    assert "at most 150 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("q", ["a\x00b", "\x00"])
def test_a_nul_byte_in_the_offer_search_gets_a_message(q, world, sender):
    response = sender.clients["manager"].get(reverse("cabinet:offer_list"), {"q": q})
    assert response.status_code == 200
    assert "Search: Null characters are not allowed." in response.content.decode()


@pytest.mark.parametrize(
    "q, searched",
    [("a\x00b", None), ("x" * 101, None), ("#²⁵", "#25"), ("０５０", "050"), ("٠٥٠١٢٣٤٥٦٧", "0501234567")],
)
def test_the_search_boxes_read_any_digit_and_refuse_nul(q, searched, world, en):
    for form in (OrderFilterForm({"q": q}), OfferSearchForm({"q": q})):
        assert form.is_valid() == (searched is not None)
        if searched is not None:
            assert form.cleaned_data["q"] == searched


@pytest.mark.parametrize(
    "value, expected",
    [
        ("7", 7),
        (" 7 ", 7),
        ("+7", 7),
        ("-7", -7),
        (7, 7),
        ("", 0),
        (None, 0),
        ("²", 0),
        ("٣", 0),
        ("1e3", 0),
        ("1_000", 0),
        ("9" * 19, 0),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), 0),
        ("9" * 5_000, 0),
        (True, 0),
    ],
)
def test_int_param_reads_only_plain_bounded_numbers(value, expected):
    assert int_param(value, 0) == expected
    assert int_param("5", 0, minimum=6) == 0 and int_param("5", 0, maximum=4) == 0
