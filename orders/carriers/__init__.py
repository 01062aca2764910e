"""Carriers: one package per carrier (client, mapping of its states, number format), all behind
the interface in `orders.carriers.base`. `get(code)` and `for_delivery_method(method)` find one.

A carrier's `code` is the value of its delivery method (`orders.choices.DeliveryMethod`) and what
`Parcel.carrier` stores. Instances are created on first use and shared (each keeps its HTTP session)."""

from __future__ import annotations

import threading
from importlib import import_module

from .base import Carrier

# code -> "module:Class"; a new carrier is one line here and its delivery method in orders.choices.
REGISTRY = {
    "nova_poshta": "orders.carriers.novaposhta:NovaPoshta",
    "ukrposhta": "orders.carriers.ukrposhta:Ukrposhta",
}

_instances: dict[str, Carrier] = {}
_lock = threading.Lock()


def get(code: str) -> Carrier:
    """The carrier with this code; KeyError for a code no carrier has."""
    carrier = _instances.get(code)
    if carrier is None:
        path = REGISTRY[code]
        with _lock:
            carrier = _instances.get(code)
            if carrier is None:
                module, name = path.split(":")
                carrier = _instances[code] = getattr(import_module(module), name)()
    return carrier


def for_delivery_method(method: str) -> Carrier | None:
    """The carrier that delivers orders of this delivery method; None for the store's courier, pickup
    or a method without tracking."""
    from ..choices import CARRIER_METHODS

    return get(str(method)) if method in CARRIER_METHODS and str(method) in REGISTRY else None


def all() -> list[Carrier]:  # noqa: A001 - the registry's natural name
    return [get(code) for code in REGISTRY]
