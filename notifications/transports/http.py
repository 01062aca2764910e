"""HTTP sessions for the transports: one per drain, with the environment read once."""

from __future__ import annotations

import os

import requests
from requests.utils import get_environ_proxies


def pin_environment(session: requests.Session, url: str) -> requests.Session:
    """Read the proxy and CA-bundle environment once for this session instead of on every
    request (requests scans os.environ twice per call when `trust_env` is on: a large share of a
    fast send's CPU). Same behaviour, computed once per drain."""
    if not session.trust_env:
        return session
    session.proxies.update(get_environ_proxies(url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and session.verify is True:
        session.verify = bundle
    session.trust_env = False
    return session
