"""Helpers for the dispute tests: a dispute made the way users make one, through the services."""

from __future__ import annotations

from marketplace.actors import Actor
from notifications.models import OutboxMessage
from orders.choices import Status
from orders.disputes.models import Dispute
from orders.requests.models import CancelGround, RequestKind
from orders.requests.services import request_answer, request_message_add, request_open
from tests.orders.support import bring


def declined_dispute(order, seller: Actor, *, thread: tuple[str, ...] = ()) -> Dispute:
    """The seller asks to cancel by agreement (the seller writes `thread` in its thread), the buyer
    declines: the dispute that opens."""
    request = request_open(
        actor=seller,
        order=order,
        kind=RequestKind.SELLER_CANCEL,
        ground=CancelGround.CANNOT_SUPPLY,
        message="The supplier stopped making this charger.",
    )
    for text in thread:
        request_message_add(actor=seller, request=request, text=text)
    request_answer(actor=Actor.buyer(), request=request, accept=False, message="I still want it.")
    return Dispute.objects.get(request=request)


def confirmed_dispute(place_order, seller: Actor, *, thread: tuple[str, ...] = (), **place) -> Dispute:
    return declined_dispute(bring(place_order, seller, Status.CONFIRMED, **place), seller, thread=thread)


def outbox(event: str, **filters):
    return list(OutboxMessage.objects.filter(event=event, **filters).order_by("id"))


def audiences(event: str, order) -> set[str]:
    return set(OutboxMessage.objects.filter(event=event, order=order).values_list("audience", flat=True))
