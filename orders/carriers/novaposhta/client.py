"""Nova Poshta's JSON API 2.0 client for tracking (docs/rules.md §8): `TrackingDocument.getStatusDocuments`,
at most 100 documents a call, each with the recipient's phone for the full answer.

Our own small client over `requests` rather than `novaposhta-python-client`: tracking needs this one
call, and what matters is how it fails (every failure is `TrackingUnavailable`, never a half-read batch),
the project's timeout, a kept-alive session and tolerant parsing (`StatusCode` as a string or a number)
— all of it in ~100 lines that the fake server in tests/orders/carriers/fakes.py exercises end to end."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..base import ParcelQuery, ParcelState, TrackingUnavailable
from ..http import JsonClient, log
from .mapping import parse_document

# An express waybill (TTN): 14 digits starting with 20 or 59.
NUMBER = re.compile(r"(?:20|59)\d{12}")
_SEPARATORS = re.compile(r"[\s\-‐‑–—]+")


class NovaPoshta:
    code = "nova_poshta"
    label = _("Nova Poshta")
    batch_size = 100

    def __init__(self):
        self.http = JsonClient("Nova Poshta")

    def normalize_number(self, number: str) -> str:
        cleaned = _SEPARATORS.sub("", number or "")
        if not NUMBER.fullmatch(cleaned):
            raise ValueError(_("A Nova Poshta tracking number has 14 digits and starts with 20 or 59."))
        return cleaned

    def track(self, parcels: Sequence[ParcelQuery]) -> list[ParcelState]:
        if not parcels:
            return []
        if len(parcels) > self.batch_size:
            raise ValueError(f"Nova Poshta answers about at most {self.batch_size} parcels per call.")
        body = {
            "apiKey": settings.NOVA_POSHTA_API_KEY or "",
            "modelName": "TrackingDocument",
            "calledMethod": "getStatusDocuments",
            "methodProperties": {
                "Documents": [{"DocumentNumber": p.number, "Phone": _phone(p.phone)} for p in parcels]
            },
        }
        answer = self.http.request("POST", settings.NOVA_POSHTA_API_URL, json=body)
        if not isinstance(answer, dict):
            raise TrackingUnavailable("Nova Poshta: the answer is not a JSON object")
        if not answer.get("success"):
            errors = answer.get("errors") or answer.get("errorCodes") or ["success: false"]
            raise TrackingUnavailable(f"Nova Poshta: {'; '.join(map(str, errors))}")
        data = answer.get("data")
        if not isinstance(data, list):
            raise TrackingUnavailable("Nova Poshta: the answer has no data list")

        asked = {p.number for p in parcels}
        states = []
        for doc in data:
            if not isinstance(doc, dict):
                continue
            number = "".join(str(doc.get("Number") or "").split())
            if number not in asked:
                log.warning("Nova Poshta answered about %r, which was not asked about", doc.get("Number"))
                continue
            states.append(parse_document(number, doc))
        return states


def _phone(phone: str) -> str:
    """The phone as Nova Poshta matches it: digits only, 380XXXXXXXXX."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) == 10 and digits.startswith("0"):
        digits = "38" + digits
    return digits
