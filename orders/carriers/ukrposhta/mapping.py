"""Ukrposhta's status-tracking answer → `ParcelState` (docs/rules.md §8).

`GET statuses/last?barcode=…&lang=UA` answers the last event of one barcode: `barcode`, `step`, `date`
(ISO, Kyiv wall time), `index` and `name` (the post office), `event` (a five-digit code, as a number or
a string), `eventName`, `country`, `eventReason`, `eventReason_id`, `mailType`, `indexOrder`.

The codes' first digit is the stage: 1xxxx accepted from the sender, 2xxxx processing and transport,
3xxxx not delivered (the reason in `eventReason`), 4xxxx handed over. Mapped explicitly where the stage
alone does not say it (arrived at the recipient's office, delivered, returned); the rest by stage;
anything else is UNKNOWN (logged, recorded, changes nothing).
"""

from __future__ import annotations

import logging
from datetime import datetime

from marketplace.worktime import KYIV

from ..base import ParcelState, StateGroup

log = logging.getLogger("orders.carriers.ukrposhta")

CODES: dict[int, StateGroup] = {
    10100: StateGroup.IN_TRANSIT,  # accepted at the post office
    20700: StateGroup.IN_TRANSIT,  # sent on to the sorting centre
    20800: StateGroup.IN_TRANSIT,  # arrived at the sorting centre
    20900: StateGroup.IN_TRANSIT,  # left the sorting centre
    21400: StateGroup.IN_TRANSIT,  # on its way to the recipient's office
    21500: StateGroup.AT_BRANCH,  # arrived at the recipient's post office, waiting
    21700: StateGroup.AT_BRANCH,  # arrived at the parcel locker
    31100: StateGroup.FAILED_ATTEMPT,  # not delivered: the recipient was absent
    31200: StateGroup.REFUSED,  # not delivered: the recipient refused it
    31300: StateGroup.FAILED_ATTEMPT,  # not delivered: the storage term ended
    41000: StateGroup.RECEIVED,  # handed over to the recipient
    41010: StateGroup.RETURNED,  # handed back to the sender (return)
    48000: StateGroup.REFUSED,  # sent back to the sender
}
STAGES = {1: StateGroup.IN_TRANSIT, 2: StateGroup.IN_TRANSIT, 3: StateGroup.FAILED_ATTEMPT}


def event_code(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def parse_datetime(value) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        log.warning("Ukrposhta: unreadable time %r", value)
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=KYIV)


def parse_status(number: str, status: dict) -> ParcelState:
    raw = status.get("event")
    code = event_code(raw)
    group = CODES.get(code) if code is not None else None
    if group is None and code is not None and 10000 <= code <= 99999:
        group = STAGES.get(code // 10000)
    if group is None:
        log.warning("Ukrposhta: unknown event %r (%r) for %s", raw, status.get("eventName"), number)
        group = StateGroup.UNKNOWN
    text = str(status.get("eventName") or "")
    reason = str(status.get("eventReason") or "")
    if reason:
        text = f"{text}: {reason}" if text else reason
    office = " ".join(str(part) for part in (status.get("index") or "", status.get("name") or "") if part)
    return ParcelState(
        number=number,
        group=group,
        code="" if raw is None else str(raw).strip(),
        text=text[:300],
        at=parse_datetime(status.get("date")),
        branch=office[:300],
        raw=status,
    )
