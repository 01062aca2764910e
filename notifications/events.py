"""The event registry: which event reaches which audience with which template.

Adding an event is one line in ROUTES plus its templates
(`notifications/templates/notifications/<template>.subject.txt`, `.txt` and, for e-mail, `.html`).
Seller-side audiences carry the preference group that members switch on and off.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from marketplace.actors import ActorKind
from orders.choices import EXPIRY_REASONS

from .models import Audience, Channel, EventGroup

EMAIL = (Channel.EMAIL.value,)
TELEGRAM = (Channel.TELEGRAM.value,)
BOTH = (Channel.EMAIL.value, Channel.TELEGRAM.value)


class UnknownEvent(ValueError):
    pass


@dataclass(frozen=True)
class Route:
    event: str
    audience: str
    template: str
    group: str = EventGroup.ACCOUNT.value  # seller-side audiences: the preference group
    channels: tuple[str, ...] = EMAIL
    when: Callable[..., bool] | None = None  # (order=, store=, related=, params=) -> send or not


def to_buyer(*, params, **_) -> bool:
    """A request's or dispute's message meant for the buyer's side (orders.requests.messages)."""
    return (params or {}).get("to") == ActorKind.BUYER


def to_seller(*, params, **_) -> bool:
    return (params or {}).get("to") == ActorKind.SELLER


def not_cancelled_by_seller(*, order, **_) -> bool:
    """The store is told of cancellations it did not make itself."""
    return order is not None and order.cancelled_by != ActorKind.SELLER


# event, audience, template, preference group, channels, condition
ROUTES: tuple[Route, ...] = (
    Route("order_placed", Audience.STORE, "order_placed_store", EventGroup.NEW_ORDERS, BOTH),
    Route("order_placed", Audience.BUYER, "order_placed_buyer"),
    Route("order_accepted", Audience.BUYER, "order_accepted"),
    Route("order_confirmed", Audience.BUYER, "order_confirmed"),
    Route("order_shipped", Audience.BUYER, "order_shipped"),
    Route("order_ready_for_pickup", Audience.BUYER, "order_ready_for_pickup"),
    Route("order_received", Audience.BUYER, "order_received"),
    Route("order_cancelled", Audience.BUYER, "order_cancelled_buyer"),
    Route(
        "order_cancelled",
        Audience.STORE,
        "order_cancelled_store",
        EventGroup.CANCELLATIONS,
        BOTH,
        when=not_cancelled_by_seller,
    ),
    Route(
        "order_cancelled",
        Audience.MEMBERS,
        "order_cancelled_store",
        EventGroup.CANCELLATIONS,
        when=not_cancelled_by_seller,
    ),
    Route("order_split", Audience.BUYER, "order_split"),
    Route("deadline_excellent_passed", Audience.STORE, "deadline_excellent_passed", EventGroup.REMINDERS, BOTH),
    Route("deadline_warning", Audience.STORE, "deadline_warning", EventGroup.REMINDERS, BOTH),
    Route("pickup_reminder", Audience.STORE, "pickup_reminder", EventGroup.REMINDERS, BOTH),
    Route("order_expired", Audience.BUYER, "order_expired_buyer"),
    # Expiries come in batches from the sweep: the store and the moderators get one list each.
    Route("orders_expired", Audience.STORE, "orders_expired_store", EventGroup.CANCELLATIONS, BOTH),
    Route("orders_expired", Audience.MEMBERS, "orders_expired_store", EventGroup.CANCELLATIONS),
    Route("orders_expired_platform", Audience.MODERATORS, "orders_expired_moderators"),
    Route("store_offers_hidden", Audience.OWNER, "store_offers_hidden", EventGroup.ACCOUNT, BOTH),
    Route("store_offers_hidden", Audience.MODERATORS, "store_offers_hidden_moderators"),
    # The store's standing (docs/rules.md §10): a warning says what to fix; restriction and lift.
    Route("store_performance_warning", Audience.OWNER, "store_performance_warning", EventGroup.ACCOUNT, BOTH),
    Route("store_restricted", Audience.OWNER, "store_restricted", EventGroup.ACCOUNT, BOTH),
    Route("store_restricted", Audience.MODERATORS, "store_offers_hidden_moderators"),
    Route("store_restriction_lifted", Audience.OWNER, "store_restriction_lifted", EventGroup.ACCOUNT, BOTH),
    # A moderator's suspension of the store and its end (sellers.services.store_suspend / store_unsuspend).
    Route("store_suspended", Audience.OWNER, "store_suspended", EventGroup.ACCOUNT, BOTH),
    Route("store_unsuspended", Audience.OWNER, "store_unsuspended", EventGroup.ACCOUNT, BOTH),
    Route("telegram_linked", Audience.STORE, "telegram_linked", EventGroup.ACCOUNT, TELEGRAM),
    Route("telegram_unlinked", Audience.STORE, "telegram_unlinked", EventGroup.ACCOUNT, EMAIL),
    Route("telegram_link_invalid", Audience.CHAT, "telegram_link_invalid", channels=TELEGRAM),
    # To one person (params["user"]): an invited member, a member who asked for a password reset.
    Route("member_invited", Audience.MEMBERS, "member_invited", EventGroup.ACCOUNT),
    Route("invitation_answered", Audience.OWNER, "invitation_answered", EventGroup.ACCOUNT),
    Route("password_reset", Audience.MEMBERS, "password_reset", EventGroup.ACCOUNT),
    # Carrier tracking (docs/rules.md §8).
    Route("parcel_at_branch", Audience.BUYER, "parcel_at_branch"),
    Route("parcel_storage_ends", Audience.BUYER, "parcel_storage_ends"),
    Route("parcel_number_not_found", Audience.STORE, "parcel_number_not_found", EventGroup.REMINDERS, BOTH),
    Route("tracking_failing", Audience.MODERATORS, "tracking_failing"),
    # Requests between buyer and seller and disputes (docs/rules.md §6): each message goes to one
    # side, named by params["to"] (orders.requests.messages.tell); the store's Telegram gets those
    # that need its action.
    *(
        route
        for event, store_channels in (
            ("request_opened", BOTH),
            ("request_reminder", BOTH),
            ("request_answered", EMAIL),
            ("request_went_through", BOTH),
            ("request_withdrawn", EMAIL),
            ("request_message", BOTH),
            ("dispute_opened", EMAIL),
            ("dispute_decided", BOTH),
        )
        for route in (
            Route(event, Audience.BUYER, f"{event}_buyer", when=to_buyer),
            Route(event, Audience.STORE, f"{event}_store", EventGroup.REQUESTS, store_channels, when=to_seller),
        )
    ),
    Route("request_followed_up", Audience.BUYER, "request_followed_up_buyer", when=to_buyer),
    Route(
        "dispute_opened",
        Audience.MODERATORS,
        "dispute_opened_moderators",
        when=lambda params, **_: (params or {}).get("to") == ActorKind.MODERATOR,
    ),
    Route("dispute_waiting", Audience.MODERATORS, "dispute_waiting_moderators"),
    # Priority re-orders (docs/rules.md §10): the offer to the buyer, the acceptance to the store.
    Route("reorder_offered", Audience.BUYER, "reorder_offered"),
    Route("reorder_accepted", Audience.STORE, "reorder_accepted", EventGroup.NEW_ORDERS, BOTH),
)

_grouped: dict[str, list[Route]] = defaultdict(list)
for _route in ROUTES:
    _grouped[_route.event].append(_route)
_BY_EVENT: dict[str, tuple[Route, ...]] = {event: tuple(routes) for event, routes in _grouped.items()}

EVENTS = frozenset(_BY_EVENT)


# What each event is called where people read it (the outbox in admin); the code stays the key.
EVENT_LABELS = {
    "order_placed": _("Order placed"),
    "order_accepted": _("Order opened by the store"),
    "order_confirmed": _("Order confirmed"),
    "order_shipped": _("Order shipped"),
    "order_ready_for_pickup": _("Order ready for pickup"),
    "order_received": _("Order received"),
    "order_cancelled": _("Order cancelled"),
    "order_split": _("Order split"),
    "deadline_excellent_passed": _("Excellent processing time passed"),
    "deadline_warning": _("Deadline is near"),
    "pickup_reminder": _("Reminder: the parcel awaits pickup"),
    "order_expired": _("Order cancelled: time expired"),
    "orders_expired": _("Orders cancelled: time expired"),
    "orders_expired_platform": _("Orders cancelled: time expired (to moderators)"),
    "store_offers_hidden": _("Store's offers hidden"),
    "store_performance_warning": _("Store's metrics past a warning level"),
    "store_restricted": _("Store restricted: offers hidden"),
    "store_restriction_lifted": _("Store's restriction lifted"),
    "store_suspended": _("Store suspended"),
    "store_unsuspended": _("Store's suspension lifted"),
    "telegram_linked": _("Telegram linked"),
    "telegram_unlinked": _("Telegram unlinked"),
    "telegram_link_invalid": _("Telegram link invalid"),
    "member_invited": _("Member invited"),
    "invitation_answered": _("Invitation accepted or declined"),
    "password_reset": _("Password reset"),
    "parcel_at_branch": _("Parcel at the branch"),
    "parcel_storage_ends": _("Reminder: free storage at the branch ends"),
    "parcel_number_not_found": _("Tracking number not found by the carrier"),
    "tracking_failing": _("Carrier tracking failing (to moderators)"),
    "request_opened": _("Request opened"),
    "request_reminder": _("Reminder: a request waits for an answer"),
    "request_answered": _("Request answered"),
    "request_went_through": _("Request went through without an answer"),
    "request_withdrawn": _("Request withdrawn"),
    "request_message": _("New message about a request"),
    "request_followed_up": _("The store follows up on a request"),
    "dispute_opened": _("Passed to the moderators"),
    "dispute_decided": _("Moderators' decision"),
    "dispute_waiting": _("Reminder: a dispute waits for a moderator"),
    "reorder_offered": _("The store offers the goods again"),
    "reorder_accepted": _("Re-order accepted by the buyer"),
}


def event_label(event: str) -> str:
    """The event's name for people; an unknown code (an event since removed) as it is."""
    return str(EVENT_LABELS.get(event, event))


def canonical(event: str, order=None) -> str:
    """The event under which an occurrence is recorded: a platform cancellation for an expired
    deadline (orders.choices.EXPIRY_REASONS) is `order_expired`, whichever of the two names the
    caller used (one message)."""
    if event == "order_cancelled" and order is not None and order.cancel_reason in EXPIRY_REASONS:
        return "order_expired"
    return event


def routes_for(event: str) -> tuple[Route, ...]:
    try:
        return _BY_EVENT[event]
    except KeyError:
        raise UnknownEvent(f"Unknown notification event {event!r}; add it to notifications/events.py.") from None
