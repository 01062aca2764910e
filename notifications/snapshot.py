"""JSON for a message's context: what the message says, as of the event, kept on the outbox row
until the delivery worker renders it.

Plain JSON would turn amounts and times into strings, and templates would then print
`1250.00` unlocalised and could not format a date in the recipient's language. So the few
types a context holds are tagged and come back as themselves: Decimal, datetime (aware, ISO
8601), date. A lazy translation is resolved to text in the active language.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from django.utils.functional import Promise

_DECIMAL, _DATETIME, _DATE = "$decimal", "$datetime", "$date"


class Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return {_DECIMAL: str(o)}
        if isinstance(o, datetime):
            return {_DATETIME: o.isoformat()}
        if isinstance(o, date):
            return {_DATE: o.isoformat()}
        if isinstance(o, Promise):
            return str(o)
        return super().default(o)


def _tagged(obj: dict):
    if len(obj) == 1:
        ((key, value),) = obj.items()
        if key == _DECIMAL:
            return Decimal(value)
        if key == _DATETIME:
            return datetime.fromisoformat(value)
        if key == _DATE:
            return date.fromisoformat(value)
    return obj


class Decoder(json.JSONDecoder):
    def __init__(self, *args, **kwargs):
        kwargs["object_hook"] = _tagged
        super().__init__(*args, **kwargs)


def dumps(value) -> str:
    return json.dumps(value, cls=Encoder, ensure_ascii=False, separators=(",", ":"))
