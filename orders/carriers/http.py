"""What every carrier client shares: a kept-alive HTTP session and one rule for a failed call —
whatever goes wrong on the way (timeout, refused connection, 5xx, a body that is not JSON) raises
`TrackingUnavailable`, so the polling pass changes nothing and asks again later (docs/rules.md §8)."""

from __future__ import annotations

import logging
import threading

import requests
from django.conf import settings

from .base import TrackingUnavailable

log = logging.getLogger("orders.carriers")


class JsonClient:
    """One `requests.Session` per client (connections are kept alive between batches), one per
    thread so a client may be shared by threads."""

    def __init__(self, name: str):
        self.name = name
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers.update({"Accept": "application/json", "User-Agent": "marketplace-tracking/1"})
        return session

    def request(self, method: str, url: str, *, missing: tuple[int, ...] = (), **kwargs):
        """The decoded JSON answer (None for a status in `missing`, e.g. 404 for an unknown number);
        TrackingUnavailable for any failure of the call itself."""
        try:
            response = self.session.request(method, url, timeout=settings.HTTP_TIMEOUT, **kwargs)
        except requests.Timeout as exc:
            raise TrackingUnavailable(f"{self.name}: no answer within {settings.HTTP_TIMEOUT} s") from exc
        except requests.RequestException as exc:
            raise TrackingUnavailable(f"{self.name}: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code in missing:
            return None
        if response.status_code >= 400:
            raise TrackingUnavailable(f"{self.name}: HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise TrackingUnavailable(
                f"{self.name}: the answer is not JSON ({response.headers.get('Content-Type', '?')})"
            ) from exc
