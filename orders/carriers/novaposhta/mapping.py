"""Nova Poshta's tracking answer → `ParcelState` (docs/rules.md §8).

One element of `getStatusDocuments`' `data` per number. `StatusCode` comes as a string ("9") and,
from some gateways, as a number (9); both mean the same. The codes (Nova Poshta's developer
documentation, `TrackingDocument.getStatusDocuments`):

    1        the sender created the waybill, the parcel is not handed over yet      → created
    2, 3     deleted / number not found                                              → not found
    4, 41    in the sender's city; 5 on its way to the recipient's city;
    6        in the recipient's city; 12 being assembled; 101 on its way to the
             recipient (courier)                                                     → in transit
    7, 8     arrived at the branch / loaded into the parcel locker                    → at the branch
    9        received; 10 received, the money transfer follows; 11 received, the
             money transfer paid; 106 received and a return-delivery waybill created → received
    102      refused, the sender ordered the return; 103 refused by the recipient;
    108      refused, the parcel is on its way back                                  → refused
    104      the address was changed (the parcel travels under a new waybill)        → readdressed
    111      a failed delivery attempt (recipient absent or unreachable);
    112      the recipient postponed the delivery                                     → failed attempt

Any other code is UNKNOWN: logged, recorded, changes nothing. `LastCreatedOnTheBasisNumber` names the
waybill created on the basis of this one (a redirect, a redelivery, the return of a refused parcel):
while the parcel is under way a new number there means it was readdressed; for a refused parcel it is
the return waybill (`new_number`, so the return can be followed to the sender); for a received parcel
it is the money transfer or the documents going back and is ignored. A waybill that is itself a return
(`OwnerDocumentType` names a return and `OwnerDocumentNumber` the original) and is received means the
goods came back to the store: RETURNED.

Times are Kyiv wall times in "dd.mm.YYYY HH:MM:SS" (RecipientDateTime, ScheduledDeliveryDate),
"YYYY-mm-dd HH:MM:SS" (TrackingUpdateDate, DatePayedKeeping, ActualDeliveryDate) or "dd-mm-YYYY
HH:MM:SS" (DateCreated); "0001-01-01 00:00:00" and "" mean none.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from marketplace.worktime import KYIV

from ..base import ParcelState, StateGroup

log = logging.getLogger("orders.carriers.novaposhta")

CODES: dict[int, StateGroup] = {
    1: StateGroup.CREATED,
    2: StateGroup.NOT_FOUND,
    3: StateGroup.NOT_FOUND,
    4: StateGroup.IN_TRANSIT,
    41: StateGroup.IN_TRANSIT,
    5: StateGroup.IN_TRANSIT,
    6: StateGroup.IN_TRANSIT,
    12: StateGroup.IN_TRANSIT,
    101: StateGroup.IN_TRANSIT,
    7: StateGroup.AT_BRANCH,
    8: StateGroup.AT_BRANCH,
    9: StateGroup.RECEIVED,
    10: StateGroup.RECEIVED,
    11: StateGroup.RECEIVED,
    106: StateGroup.RECEIVED,
    102: StateGroup.REFUSED,
    103: StateGroup.REFUSED,
    108: StateGroup.REFUSED,
    104: StateGroup.READDRESSED,
    111: StateGroup.FAILED_ATTEMPT,
    112: StateGroup.FAILED_ATTEMPT,
}

# The groups in which a new number in LastCreatedOnTheBasisNumber means the parcel travels under it now.
UNDER_WAY = {StateGroup.CREATED, StateGroup.IN_TRANSIT, StateGroup.AT_BRANCH, StateGroup.FAILED_ATTEMPT}

_FORMATS = ("%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d-%m-%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M")
_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d-%m-%Y")


def parse_datetime(value) -> datetime | None:
    """A carrier time as an aware Kyiv datetime; None for empty, the 0001 placeholder or garbage."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    for fmt in _FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return None if parsed.year < 1900 else parsed.replace(tzinfo=KYIV)
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return None if parsed.year < 1900 else parsed.replace(tzinfo=KYIV)
    log.warning("Nova Poshta: unreadable time %r", value)
    return None


def parse_date(value) -> date | None:
    parsed = parse_datetime(value)
    return parsed.date() if parsed else None


def storage_free_until(value) -> date | None:
    """The last day the branch keeps the parcel free of charge. DatePayedKeeping is when paid storage
    starts: at midnight ("2026-12-01 00:00:00") the last free day is the day before; at another time
    of day, that day itself."""
    starts = parse_datetime(value)
    if starts is None:
        return None
    if starts.hour == starts.minute == starts.second == 0:
        return starts.date() - timedelta(days=1)
    return starts.date()


def status_code(value) -> int | None:
    """StatusCode as an int, whether the answer gave "9", 9 or 9.0; None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def _is_return(doc: dict) -> bool:
    kind = _text(doc.get("OwnerDocumentType")).lower()
    return bool(_text(doc.get("OwnerDocumentNumber"))) and ("return" in kind or "повернен" in kind)


def parse_document(number: str, doc: dict) -> ParcelState:
    """One document of the answer as a ParcelState for the number asked about."""
    raw_code = doc.get("StatusCode")
    code = status_code(raw_code)
    group = CODES.get(code) if code is not None else None
    if group is None:
        log.warning("Nova Poshta: unknown StatusCode %r (%r) for %s", raw_code, doc.get("Status"), number)
        group = StateGroup.UNKNOWN
    if group == StateGroup.RECEIVED and _is_return(doc):
        group = StateGroup.RETURNED

    basis = "".join(_text(doc.get("LastCreatedOnTheBasisNumber")).split())
    new_number = ""
    if basis and basis != number:
        if group == StateGroup.READDRESSED or group == StateGroup.REFUSED:
            new_number = basis
        elif group in UNDER_WAY:
            group, new_number = StateGroup.READDRESSED, basis

    if group in (StateGroup.RECEIVED, StateGroup.RETURNED):
        at = parse_datetime(doc.get("RecipientDateTime")) or parse_datetime(doc.get("ActualDeliveryDate"))
    elif group == StateGroup.AT_BRANCH:
        at = parse_datetime(doc.get("ActualDeliveryDate"))
    elif new_number:
        at = parse_datetime(doc.get("LastCreatedOnTheBasisDateTime"))
    else:
        at = None
    at = at or parse_datetime(doc.get("TrackingUpdateDate"))

    branch = _text(doc.get("WarehouseRecipient")) or _text(doc.get("WarehouseRecipientAddress"))
    return ParcelState(
        number=number,
        group=group,
        code=_text(raw_code),
        text=_text(doc.get("Status"))[:300],
        at=at,
        branch=branch[:300],
        scheduled_delivery=parse_date(doc.get("ScheduledDeliveryDate")),
        storage_free_until=storage_free_until(doc.get("DatePayedKeeping")) if group == StateGroup.AT_BRANCH else None,
        new_number=new_number,
        raw=doc,
    )
