from orders.choices import Status
from orders.services import order_confirm, order_open

from tests.conftest import ready_delivery


def test_place_open_confirm(place_order, seller, offers):
    order = place_order()
    assert order.status == Status.NEW
    offers[0].refresh_from_db()
    assert offers[0].stock == 8
    order = order_open(actor=seller, order=order)
    assert order.status == Status.ACCEPTED
    order = ready_delivery(order, seller)
    order = order_confirm(actor=seller, order=order)
    assert order.status == Status.CONFIRMED
    assert order.total == order.items_total + order.delivery_cost
