"""What every cabinet page shares: the signed-in member, their stores and the current one.

A page or action reaches only objects of the member's own stores: everything else answers
404 (the same answer as for an id that does not exist), so ids of other stores leak nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.functional import cached_property

from marketplace import clock
from marketplace.actors import Actor
from marketplace.models import NonWorkingPeriod
from orders.models import Order
from sellers.models import Offer, StoreMember

SESSION_STORE = "cabinet_store_id"


@dataclass
class Cabinet:
    """The member's stores (one query) and the one the pages show now."""

    request: object
    memberships: list[StoreMember]
    membership: StoreMember

    @property
    def store(self):
        return self.membership.store

    @property
    def store_ids(self) -> list[int]:
        return [m.store_id for m in self.memberships]

    @property
    def is_owner(self) -> bool:
        return self.membership.role == StoreMember.Role.OWNER

    @property
    def actor(self) -> Actor:
        return Actor.seller(self.request.user)

    def switch(self, store_id: int) -> bool:
        for membership in self.memberships:
            if membership.store_id == store_id:
                self.membership = membership
                self.request.session[SESSION_STORE] = store_id
                return True
        return False

    @cached_property
    def announcements(self) -> list[NonWorkingPeriod]:
        """Platform closures announced to sellers (read only when a page shows them)."""
        now = clock.now()
        return list(
            NonWorkingPeriod.objects.filter(announce_from__lte=now, ends_at__gt=now).exclude(announcement="")[:3]
        )


def cabinet_view(view):
    """Sign-in required; a user who is no store's member gets a page that says so (403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        memberships = list(
            StoreMember.objects.filter(user=request.user).select_related("store").order_by("store__name", "store_id")
        )
        if not memberships:
            return render(request, "cabinet/no_store.html", status=403)
        wanted = request.session.get(SESSION_STORE)
        current = next((m for m in memberships if m.store_id == wanted), memberships[0])
        request.cabinet = Cabinet(request, memberships, current)
        return view(request, *args, **kwargs)

    return wrapper


def member_order(request, pk: int, queryset=None) -> Order:
    """The order if it belongs to one of the member's stores, else 404."""
    queryset = queryset if queryset is not None else Order.objects.select_related("store")
    try:
        return queryset.get(pk=pk, store_id__in=request.cabinet.store_ids)
    except Order.DoesNotExist:
        raise Http404("No such order.") from None


def member_offer(request, pk: int) -> Offer:
    try:
        return Offer.objects.get(pk=pk, store_id__in=request.cabinet.store_ids)
    except Offer.DoesNotExist:
        raise Http404("No such offer.") from None


# The largest id or page number a parameter may name (PostgreSQL's bigint): beyond it, the default.
MAX_INT_PARAM = 2**63 - 1


def int_param(value, default: int = 1, *, minimum: int = -MAX_INT_PARAM, maximum: int = MAX_INT_PARAM) -> int:
    """A whole number from a query or form parameter, or `default` for anything else: ASCII
    digits only (`int()` also reads "٣" or " 7 " and fails on "²"), at most 19 of them, within
    [minimum, maximum]."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = value.strip() if isinstance(value, str) else ""
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 19):
        return default
    number = int(text)
    return number if minimum <= number <= maximum else default
