"""Helpers for the tracking tests: a scripted stand-in for the carrier's side (a test double of the
external service, behind the carrier interface) and a way to make parcels due."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, timedelta

from marketplace import clock
from marketplace.worktime import KYIV
from notifications.models import OutboxMessage
from orders.carriers.base import ParcelState, StateGroup, TrackingUnavailable
from orders.models import Order
from orders.tracking.models import Parcel, TrackingEvent
from orders.tracking.polling import run_pass

CODE = "nova_poshta"
NEW_TTN = "20450000000099"

_CODES = {
    StateGroup.CREATED: ("1", "Created"),
    StateGroup.IN_TRANSIT: ("5", "On the way to Lviv"),
    StateGroup.AT_BRANCH: ("7", "Arrived at the branch"),
    StateGroup.RECEIVED: ("9", "Received"),
    StateGroup.REFUSED: ("103", "Refused by the recipient"),
    StateGroup.RETURNED: ("11", "Returned to the sender"),
    StateGroup.NOT_FOUND: ("3", "Number not found"),
    StateGroup.READDRESSED: ("104", "Address changed"),
    StateGroup.FAILED_ATTEMPT: ("111", "Delivery attempt failed"),
    StateGroup.UNKNOWN: ("777", "Something new"),
}


def state(group: StateGroup, code: str = "", text: str = "", **fields) -> ParcelState:
    default_code, default_text = _CODES[group]
    return ParcelState(number="", group=group, code=code or default_code, text=text or default_text, **fields)


class ScriptedCarrier:
    """Answers what a test set per number; `fail(n)` makes the next n calls raise TrackingUnavailable."""

    code = CODE
    label = "Nova Poshta"

    def __init__(self, batch_size: int = 100):
        self.batch_size = batch_size
        self.states: dict[str, ParcelState] = {}
        self.calls: list[list[str]] = []
        self.failing = 0
        self.lock = threading.Lock()
        self.delay = 0.0
        self.during = None  # called while the carrier is being asked (what happens meanwhile elsewhere)

    def normalize_number(self, number: str) -> str:
        return number.replace(" ", "")

    def set(self, number: str, answer: ParcelState) -> None:
        self.states[number] = replace(answer, number=number)

    def fail(self, times: int = 1) -> None:
        self.failing = times

    def track(self, parcels):
        numbers = [p.number for p in parcels]
        with self.lock:
            self.calls.append(numbers)
            failing = self.failing
            if failing:
                self.failing -= 1
        if failing:
            raise TrackingUnavailable("the carrier answered 500")
        if self.delay:
            threading.Event().wait(self.delay)
        if self.during:
            self.during()
        return [self.states[n] for n in numbers if n in self.states]

    @property
    def asked(self) -> list[str]:
        return [n for call in self.calls for n in call]


def parcel_of(order) -> Parcel:
    return Parcel.objects.get(order_id=order.pk, active=True)


def make_due(*orders, at: datetime | None = None) -> None:
    """The orders' active parcels are due now."""
    at = at or clock.now() - timedelta(seconds=1)
    Parcel.objects.filter(order_id__in=[o.pk for o in orders], active=True).update(next_check_at=at)


def track(carrier: ScriptedCarrier, *orders, **kwargs):
    """Make the orders' parcels due and run one pass against `carrier`."""
    if orders:
        make_due(*orders)
    return run_pass(carriers={CODE: carrier}, **kwargs)


def outbox(order, event: str | None = None) -> list[tuple[str, str]]:
    rows = OutboxMessage.objects.filter(order_id=order.pk)
    if event:
        rows = rows.filter(event=event)
    return sorted(set(rows.values_list("event", "audience")))


def counts(order) -> dict:
    """What a repeated answer must leave as it was."""
    return {
        "history": Order.history.filter(id=order.pk).count(),
        "outbox": OutboxMessage.objects.filter(order_id=order.pk).count(),
        "events": TrackingEvent.objects.filter(order_id=order.pk).count(),
        "status": Order.objects.get(pk=order.pk).status,
    }


def kyiv_day(d: date, hour: int = 10) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=KYIV)
