"""Every cabinet URL serves only the member's own store(s).

The URL patterns of the `cabinet` namespace are iterated: a URL with a `pk` names an order,
an offer, a member or an invitation by its name's prefix, and a member of another store gets 404 on it for
GET and POST (with a payload that would succeed for the right store) while nothing changes.
A URL the tests do not know fails the suite, so a new view must be classified here.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from marketplace.actors import Actor
from orders.models import CallAttempt, Order, OrderComment, OrderItem, OrderRequest, RequestMessage
from orders.services import order_open
from sellers.models import Offer, Store, StoreInvitation, StoreMember
from sellers.services import store_member_invite
from tests.conftest import VALID_TTN, ready_delivery

# Pages anybody may open (sign-in, password reset and the invitee's page by its signed link).
PUBLIC = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "invitation",
    "invitation_decline",
}
# Pages of the member's current store, without an object id in the URL.
STORE_PAGES = {
    "home",
    "order_list",
    "offer_list",
    "store_settings",
    "store_switch",
    "store_email",
    "member_invite",
    "telegram_link",
    "telegram_unlink",
    "notification_prefs",
    # the list's bulk actions, CSV export and print: ids of other stores are ignored (tests/sellers/test_bulk.py)
    "order_bulk",
    "order_export",
    "order_print",
    # the requests tab: the current store's requests only (tests/sellers/cabinet/test_requests.py)
    "request_list",
    # the fee statement and its CSV: the current store's ledger only (tests/sellers/cabinet/test_statement.py)
    "statement",
    "statement_export",
    # the performance page: the current store's metrics only (tests/sellers/cabinet/test_performance_page.py)
    "performance",
}
OBJECT_PREFIXES = {"order_": "order", "offer_": "offer", "member_": "member", "invitation_": "invitation"}


def cabinet_patterns() -> list:
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "cabinet":
            return list(pattern.url_patterns)
    raise AssertionError("the cabinet namespace is not mounted")


def object_kind(name: str) -> str | None:
    return next((kind for prefix, kind in OBJECT_PREFIXES.items() if name.startswith(prefix)), None)


OBJECT_URLS = sorted(p.name for p in cabinet_patterns() if "pk" in p.pattern.converters)

# A payload that a member of the right store could send with success.
PAYLOADS = {
    "order_detail": {},
    "order_form": {"form": "delivery"},
    "order_confirm": {},
    "order_pack": {"pack-ship_by": ""},
    "order_ship": {"ship-ttn": VALID_TTN},
    "order_ready_for_pickup": {},
    "order_mark_received": {},
    "order_return_received": {"return_received-confirm": "on"},
    "order_ttn": {"ttn-ttn": "20450000000077"},
    "order_cancel": {"cancel-reason": "other", "cancel-comment": "because"},
    "order_delivery": {"delivery-method": "pickup", "delivery-cost": "0", "delivery-ship_by": "2030-01-01"},
    "order_payment": {"payment-method": "card"},
    "order_items": {},  # filled with the item ids below
    "order_item_add": {"add_item-sku": "CASE-1", "add_item-quantity": "1"},
    "order_split": {},  # filled with the item ids below
    "order_comment": {"comment-text": "hello"},
    "order_call": {"call-outcome": "busy"},
    "order_late_cause": {"late_cause-cause": "stock", "late_cause-note": "Sold out"},
    # the victim order did not expire: refused (422) for the store's member, 404 for the outsider
    "order_reorder": {"reorder-discount_kind": "amount", "reorder-discount": "50", "reorder-message": ""},
    "order_request_cancel": {"request_cancel-ground": "duplicate", "request_cancel-message": "You ordered twice."},
    "order_request_move": {"request_move-new_date": "2026-11-30", "request_move-message": "Supplier late"},
    # no open request on the victim order: refused (422) for the store's member, 404 for the outsider
    "order_request_answer": {"request_answer-request": "1", "request_answer-answer": "accept"},
    "order_request_withdraw": {"request_withdraw-request": "1"},
    "order_request_follow_up": {"request_follow_up-request": "1"},
    "order_request_message": {"request_message-request": "1", "request_message-text": "hi"},
    "offer_stock": {},  # filled with the offer id below
    "offer_pause": {"paused": "1"},
    "offer_edit": {"description": "Soft silicone."},
    "member_remove": {},
    "invitation_resend": {},
    "invitation_revoke": {},
}


def test_every_cabinet_url_is_classified():
    for pattern in cabinet_patterns():
        converters = set(pattern.pattern.converters)
        if pattern.name in PUBLIC:
            continue
        if not converters:
            assert pattern.name in STORE_PAGES, f"classify the new cabinet URL {pattern.name!r} in this test"
        else:
            assert converters == {"pk"}, pattern.name
            assert object_kind(pattern.name), (
                f"name {pattern.name!r} must start with order_, offer_, member_ or invitation_"
            )
            assert pattern.name in PAYLOADS, f"give {pattern.name!r} a payload in this test"


@pytest.fixture
def victim(store, offers, place_order, seller, owner, manager):
    """Store A's accepted order with delivery terms, its offer, its manager's membership and an
    open invitation."""
    order = ready_delivery(order_open(actor=seller, order=place_order()), seller)
    return {
        "order": order,
        "offer": offers[0],
        "member": StoreMember.objects.get(store=store, user=manager),
        "invitation": store_member_invite(actor=Actor.seller(owner), store=store, email="invitee@example.com"),
    }


def url_and_payload(name: str, victim) -> tuple[str, dict]:
    target = victim[object_kind(name)]
    payload = dict(PAYLOADS[name])
    items = list(victim["order"].items.order_by("pk"))
    if name == "order_items":
        payload = {f"items-qty_{items[0].pk}": "1"}
    elif name == "order_split":
        payload = {f"split-move_{items[0].pk}": "1"}
    elif name == "offer_stock":
        payload = {f"offer-{target.pk}-stock": "0"}
    return reverse(f"cabinet:{name}", args=[target.pk]), payload


def state(store: Store) -> tuple:
    """Everything a cabinet action could change, for store A."""
    fields = [f.attname for f in Order._meta.concrete_fields]
    orders = Order.objects.filter(store=store)
    return (
        tuple(orders.order_by("pk").values_list(*fields)),
        tuple(OrderItem.objects.filter(order__store=store).order_by("pk").values_list("pk", "quantity", "offer_id")),
        Order.history.filter(store_id=store.pk).count(),
        OrderItem.history.count(),
        tuple(Offer.objects.filter(store=store).order_by("pk").values_list("pk", "stock", "paused")),
        Offer.history.count(),
        OrderComment.objects.count(),
        CallAttempt.objects.count(),
        tuple(StoreMember.objects.order_by("pk").values_list("pk", "store_id", "user_id", "role")),
        tuple(Store.objects.order_by("pk").values_list("pk", "email")),
        get_user_model().objects.count(),
        tuple(StoreInvitation.objects.order_by("pk").values_list("pk", "revoked_at", "times_sent")),
        tuple(OrderRequest.objects.filter(order__store=store).order_by("pk").values_list("pk", "state")),
        RequestMessage.objects.count(),
    )


@pytest.mark.parametrize("name", OBJECT_URLS)
def test_another_stores_member_gets_404_and_nothing_changes(name, victim, store, outsider_client):
    url, payload = url_and_payload(name, victim)
    before = state(store)
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(url, payload).status_code == 404
    assert outsider_client.post(url, payload, HTTP_HX_REQUEST="true").status_code == 404
    assert state(store) == before


@pytest.mark.parametrize("name", OBJECT_URLS)
def test_the_same_requests_reach_the_right_stores_member(name, victim, store, owner_client):
    """Control: the URL and payload above are right, so the 404 above is the store check."""
    url, payload = url_and_payload(name, victim)
    before = state(store)
    get = name in ("order_detail", "order_form")  # pages, the rest are actions
    response = owner_client.get(url, payload) if get else owner_client.post(url, payload)
    # 422: the action exists for this order but its status does not allow it now.
    assert response.status_code in (200, 302, 422), (name, response.status_code)
    if response.status_code == 302:
        assert state(store) != before, name


@pytest.mark.parametrize("name", sorted(STORE_PAGES | set(OBJECT_URLS)))
def test_anonymous_is_sent_to_sign_in(name, victim, store):
    url = (
        reverse(f"cabinet:{name}", args=[victim[object_kind(name)].pk])
        if name in OBJECT_URLS
        else reverse(f"cabinet:{name}")
    )
    before = state(store)
    client = Client()
    for response in (client.get(url), client.post(url, {})):
        if name == "home":
            assert response.status_code == 302 and response.url == reverse("cabinet:order_list")
        else:
            assert response.status_code == 302 and response.url.startswith(reverse("cabinet:login"))
    assert state(store) == before


def test_store_pages_show_only_the_members_store(victim, store, outsider_client, outsider_store):
    order, offer = victim["order"], victim["offer"]
    before = state(store)
    orders = outsider_client.get(reverse("cabinet:order_list"), {"tab": "all", "q": str(order.pk)})
    assert list(orders.context["rows"]) == []
    assert {tab.key: n for tab, n, _capped in orders.context["tabs"]}["all"] == 0
    offers = outsider_client.get(reverse("cabinet:offer_list"), {"check": str(offer.pk), "order": order.pk})
    assert [row["offer"] for row in offers.context["rows"]] == []
    assert offers.context["checked_rows"] == []
    assert offer.title not in offers.content.decode()
    settings_page = outsider_client.get(reverse("cabinet:store_settings"))
    assert [m.store_id for m in settings_page.context["members"]] == [outsider_store.pk]
    # Switching to a store one is not a member of does nothing.
    outsider_client.post(reverse("cabinet:store_switch"), {"store": store.pk})
    assert outsider_client.session.get("cabinet_store_id") in (None, outsider_store.pk)
    # Settings posts act on the outsider's own store only.
    outsider_client.post(reverse("cabinet:store_email"), {"email": "beta@example.com"})
    outsider_client.post(reverse("cabinet:member_invite"), {"email": "newbie@example.com"})
    assert Store.objects.get(pk=outsider_store.pk).email == "beta@example.com"
    # Inviting makes an invitation of the outsider's own store (a member only once accepted).
    assert StoreInvitation.objects.filter(store=outsider_store, email="newbie@example.com").exists()
    assert not StoreInvitation.objects.filter(store=store, email="newbie@example.com").exists()
    assert not StoreMember.objects.filter(user__email="newbie@example.com").exists()
    after = state(store)
    # Only the outsider's own rows changed: store A's orders, offers and members did not.
    assert after[:8] == before[:8]
    assert [m for m in after[8] if m[1] == store.pk] == [m for m in before[8] if m[1] == store.pk]
    assert [s for s in after[9] if s[0] == store.pk] == [s for s in before[9] if s[0] == store.pk]
