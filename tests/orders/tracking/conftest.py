import pytest

from orders.choices import Status
from tests.orders.carriers.fakes import _novaposhta_server, fake_novaposhta  # noqa: F401
from tests.orders.support import bring, order_test_env  # noqa: F401 (order_test_env is a fixture)
from tests.orders.tracking.support import ScriptedCarrier


@pytest.fixture(autouse=True)
def _english(order_test_env):  # noqa: F811
    pass


@pytest.fixture
def carrier():
    return ScriptedCarrier()


@pytest.fixture
def shipped(place_order, seller):
    """A Nova Poshta order in delivery (shipped with tests.conftest.VALID_TTN) and its parcel."""
    return bring(place_order, seller, Status.IN_DELIVERY)
