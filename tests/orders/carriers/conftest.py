"""The fake carrier APIs (see fakes.py) for the carrier tests; elsewhere import the fixtures from fakes."""

from tests.orders.carriers.fakes import (  # noqa: F401
    _novaposhta_server,
    _ukrposhta_server,
    fake_novaposhta,
    fake_ukrposhta,
)
