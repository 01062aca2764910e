"""The carrier interface (docs/rules.md §8): what tracking needs from any carrier.

A carrier package (`orders/carriers/<name>/`) provides a `Carrier`: its code and label, the
format of its tracking numbers, and `track()`, which asks the carrier about up to `batch_size`
parcels in one call and answers with one `ParcelState` per parcel it knows. The mapping of the
carrier's own status codes to a `StateGroup` lives in the carrier's package; everything above it
(polling, what each state does to the order) reads only the group and the fields below."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol


class StateGroup(enum.StrEnum):
    """What a carrier's state means for the order, whatever the carrier's own code."""

    CREATED = "created"  # the waybill exists, the parcel is not with the carrier yet
    IN_TRANSIT = "in_transit"
    AT_BRANCH = "at_branch"  # arrived at the branch or locker, waiting for the buyer
    RECEIVED = "received"  # the buyer took it
    REFUSED = "refused"  # the buyer refused it; it is on its way back to the sender
    RETURNED = "returned"  # the return reached the sender
    NOT_FOUND = "not_found"  # the carrier does not know the number (or it was deleted)
    READDRESSED = "readdressed"  # the parcel now travels under another number (`new_number`)
    FAILED_ATTEMPT = "failed_attempt"  # a delivery attempt failed or was postponed
    UNKNOWN = "unknown"  # a code we do not map: recorded, changes nothing


@dataclass(frozen=True)
class ParcelQuery:
    """One parcel to ask about: its number and, where the carrier answers more with it, the
    recipient's phone."""

    number: str
    phone: str = ""


@dataclass(frozen=True)
class ParcelState:
    number: str  # the number asked about
    group: StateGroup
    code: str  # the carrier's own status code, as a string
    text: str  # the carrier's own status text
    at: datetime | None = None  # when the carrier recorded the state (aware)
    branch: str = ""  # the branch or locker it is at or goes to
    scheduled_delivery: date | None = None
    storage_free_until: date | None = None  # the last day the branch keeps it free of charge
    new_number: str = ""  # the number it travels under now (readdressed, redelivery, return)
    raw: dict = field(default_factory=dict, compare=False, repr=False)


class TrackingUnavailable(Exception):
    """The carrier could not answer (timeout, 5xx, not JSON, `success: false`): nothing is
    changed and the parcels are asked about again later."""


class Carrier(Protocol):
    code: str  # stored on the parcel, e.g. "nova_poshta"
    label: str  # shown to people (translatable)
    batch_size: int  # the most parcels one `track` call may ask about

    def normalize_number(self, number: str) -> str:
        """The number as the carrier writes it (spaces and dashes removed); raises ValueError
        with a message for the seller when it is not a number of this carrier."""

    def track(self, parcels: Sequence[ParcelQuery]) -> list[ParcelState]:
        """The current state of each parcel the carrier knows; raises TrackingUnavailable."""
