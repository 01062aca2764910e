"""Ukrposhta's status-tracking API client (docs/rules.md §8): `GET statuses/last?barcode=…` with the
tracking bearer token, one barcode a request over one kept-alive session; a batch is at most
`batch_size` barcodes, and any failed request fails the whole batch (TrackingUnavailable), so a
batch is applied all or nothing. A barcode the API does not know answers 404: NOT_FOUND."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..base import ParcelQuery, ParcelState, StateGroup, TrackingUnavailable
from ..http import JsonClient
from .mapping import parse_status

# A domestic barcode: 13 digits; an international one (UPU S10) sent from Ukraine: 2 letters, 9 digits, "UA".
NUMBER = re.compile(r"\d{13}|[A-Z]{2}\d{9}UA")
_SEPARATORS = re.compile(r"[\s\-‐‑–—]+")


class Ukrposhta:
    code = "ukrposhta"
    label = _("Ukrposhta")
    batch_size = 20

    def __init__(self):
        self.http = JsonClient("Ukrposhta")

    def normalize_number(self, number: str) -> str:
        cleaned = _SEPARATORS.sub("", number or "").upper()
        if not NUMBER.fullmatch(cleaned):
            raise ValueError(
                _("An Ukrposhta tracking number has 13 digits (or 2 letters, 9 digits and UA for abroad).")
            )
        return cleaned

    def track(self, parcels: Sequence[ParcelQuery]) -> list[ParcelState]:
        if len(parcels) > self.batch_size:
            raise ValueError(f"Ukrposhta is asked about at most {self.batch_size} parcels per call.")
        token = settings.UKRPOSHTA_TRACKING_TOKEN
        if parcels and not token:
            raise TrackingUnavailable("Ukrposhta: UKRPOSHTA_TRACKING_TOKEN is not set")
        url = settings.UKRPOSHTA_TRACKING_URL.rstrip("/") + "/statuses/last"
        states = []
        for parcel in parcels:
            answer = self.http.request(
                "GET",
                url,
                params={"barcode": parcel.number, "lang": "UA"},
                headers={"Authorization": f"Bearer {token}"},
                missing=(404,),
            )
            if answer is None:
                states.append(ParcelState(parcel.number, StateGroup.NOT_FOUND, "404", "Not found"))
                continue
            if not isinstance(answer, dict):
                raise TrackingUnavailable("Ukrposhta: the answer is not a JSON object")
            states.append(parse_status(parcel.number, answer))
        return states
