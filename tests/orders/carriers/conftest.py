"""The fake carrier APIs (see fakes.py) for the carrier tests; elsewhere import the fixtures from fakes.
The carriers' messages are read in English here (the catalogs translate them)."""

import pytest
from django.utils import translation

from tests.orders.carriers.fakes import (  # noqa: F401
    _novaposhta_server,
    _ukrposhta_server,
    fake_novaposhta,
    fake_ukrposhta,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield
