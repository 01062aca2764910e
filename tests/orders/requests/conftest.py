from tests.orders.requests.support import requests_env  # noqa: F401 (fixtures)
from tests.orders.support import order_test_env  # noqa: F401
