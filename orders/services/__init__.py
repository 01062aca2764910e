"""Order services: one function per business action (see docs/architecture.md)."""

from .cancellation import order_cancel, order_cancel_by_buyer, order_cancel_by_platform
from .checkout import CheckoutLine, StoreOrder, checkout_place
from .editing import (
    order_add_item,
    order_correct_ttn,
    order_items_update,
    order_set_item_quantity,
    order_update_delivery,
    order_update_payment,
)
from .expiry import order_expire, orders_expire
from .late_causes import order_record_late_cause
from .lifecycle import (
    Line,
    order_confirm,
    order_hand_over,
    order_mark_received,
    order_open,
    order_pack,
    order_place,
    order_ready_for_pickup,
    order_ship,
)
from .notes import order_call_log, order_comment_add
from .returns import order_return_received
from .split import order_split

__all__ = [
    "CheckoutLine",
    "Line",
    "StoreOrder",
    "checkout_place",
    "order_add_item",
    "order_call_log",
    "order_cancel",
    "order_cancel_by_buyer",
    "order_cancel_by_platform",
    "order_comment_add",
    "order_confirm",
    "order_correct_ttn",
    "order_expire",
    "order_hand_over",
    "order_items_update",
    "order_mark_received",
    "order_open",
    "order_pack",
    "order_place",
    "order_ready_for_pickup",
    "order_record_late_cause",
    "order_return_received",
    "order_set_item_quantity",
    "order_ship",
    "order_split",
    "order_update_delivery",
    "order_update_payment",
    "orders_expire",
]
