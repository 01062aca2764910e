import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from marketplace.actors import ActorKind
from marketplace.history import HistoryContext

from . import rules
from .choices import (
    BEFORE_SHIPMENT,
    EXPIRY_REASONS,
    OPEN_STATUSES,
    CancelReason,
    DeliveryMethod,
    LateCause,
    OrderSource,
    PaymentMethod,
    Status,
)
from .fsm import ConcurrentTransitions


def new_public_token() -> str:
    """An unguessable token for the buyer's page: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


class Order(ConcurrentTransitions, models.Model):
    store = models.ForeignKey("sellers.Store", on_delete=models.PROTECT, related_name="orders", verbose_name=_("store"))
    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW, protected=True)
    created_at = models.DateTimeField(_("placed"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)

    buyer_name = models.CharField(_("buyer's name"), max_length=200)
    buyer_phone = models.CharField(_("buyer's phone"), max_length=32)
    buyer_email = models.EmailField(_("buyer's e-mail"), blank=True)
    buyer_language = models.CharField(_("buyer's language"), max_length=5, choices=settings.LANGUAGES, default="uk")
    public_token = models.CharField(
        _("buyer's link token"), max_length=64, unique=True, default=new_public_token, editable=False
    )

    delivery_method = models.CharField(_("delivery method"), max_length=20, choices=DeliveryMethod.choices, blank=True)
    delivery_branch = models.CharField(_("carrier branch"), max_length=200, blank=True)
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    delivery_cost = models.DecimalField(_("delivery cost"), max_digits=10, decimal_places=2, null=True, blank=True)
    ship_by = models.DateField(_("ship-by date"), null=True, blank=True)
    ttn = models.CharField(_("tracking number (TTN)"), max_length=32, blank=True)
    courier_phone = models.CharField(_("courier's phone"), max_length=32, blank=True)
    courier_visit_at = models.DateTimeField(_("courier's visit"), null=True, blank=True)
    payment_method = models.CharField(
        _("payment method"), max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.CASH_ON_DELIVERY
    )

    # Goods of an order cancelled while with a carrier come back with the parcel: they go back on
    # sale when the return arrives or the seller confirms it (docs/rules.md §8), not at the cancel.
    return_expected_since = models.DateTimeField(_("return of the goods expected since"), null=True, blank=True)
    return_received_at = models.DateTimeField(_("goods returned to the store"), null=True, blank=True)
    # When the goods were handed to the carrier or courier (orders.services.order_ship): an order
    # shipped after its ship-by day is late (docs/rules.md §10).
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    # The agreed delivery date as it was when a parcel in delivery reached the buyer (the carrier's
    # scheduled date, else ship-by + the policy's days): the on-time delivery metric reads it, so a
    # later policy edit does not move past figures (orders.performance, docs/rules.md §10).
    deliver_by = models.DateField(_("agreed delivery date"), null=True, blank=True, editable=False)
    # The seller's cause of a late shipment or a shipping-time expiry (orders.services.order_record_late_cause).
    late_cause = models.CharField(_("cause of the delay"), max_length=16, choices=LateCause.choices, blank=True)
    late_cause_note = models.CharField(_("note on the delay"), max_length=500, blank=True)
    late_cause_at = models.DateTimeField(_("cause recorded"), null=True, blank=True)

    source = models.CharField(
        _("placed through"), max_length=12, choices=OrderSource.choices, default=OrderSource.STOREFRONT
    )

    items_total = models.DecimalField(_("items total"), max_digits=12, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=0)

    cancel_reason = models.CharField(_("cancellation reason"), max_length=32, choices=CancelReason.choices, blank=True)
    cancel_comment = models.TextField(_("cancellation comment"), blank=True)
    cancelled_by = models.CharField(_("cancelled by"), max_length=16, choices=ActorKind.choices, blank=True)

    # Deadlines (docs/rules.md §4): computed when the order enters a status, kept in step by services.
    excellent_deadline = models.DateTimeField(_("excellent by"), null=True, blank=True)
    acceptable_deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    # When the sweep must next look at this order (a reminder or the deadline); NULL = never.
    next_check_at = models.DateTimeField(_("next check by the platform"), null=True, blank=True, editable=False)
    # Reminders already sent in the current status (bits of orders.deadlines.Reminder).
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0, db_default=0, editable=False)

    split_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="split_children",
        verbose_name=_("split from"),
    )
    # A priority re-order (docs/rules.md §10): the order placed when the buyer accepted the store's
    # offer after a shipping-time expiry of `reorder_of`; the cabinet's list shows it first.
    reorder_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reorders",
        verbose_name=_("re-order of"),
    )
    priority = models.BooleanField(_("priority"), default=False)

    history = HistoricalRecords(
        bases=[HistoryContext], excluded_fields=["public_token", "next_check_at", "reminders_sent", "deliver_by"]
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["store", "status", "-created_at"], name="order_store_status"),
            models.Index(fields=["buyer_phone"], name="order_buyer_phone"),
            models.Index(fields=["ttn"], name="order_ttn", condition=~Q(ttn="")),
            # The sweep reads only due rows of open orders through this index.
            models.Index(fields=["next_check_at"], name="order_due", condition=Q(status__in=OPEN_STATUSES)),
            # The cabinet lists a store's open orders by deadline.
            models.Index(
                fields=["store", "acceptable_deadline"],
                name="order_store_deadline",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            # The cabinet's list of a store's open orders in its order: priority re-orders first
            # (docs/rules.md §10), then by deadline; read in index order, no sort of the open orders.
            models.Index(
                fields=["store", "-priority", "acceptable_deadline", "-created_at", "-id"],
                name="order_store_open_list",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            # Counting a store's recent expiries (the restriction threshold) reads only expiries.
            models.Index(
                fields=["store", "status_changed_at"],
                name="order_store_expiries",
                condition=Q(cancel_reason__in=EXPIRY_REASONS),
            ),
            # The cabinet's per-status tabs and its "all" tab, in the list's order.
            models.Index(
                fields=["store", "status", "acceptable_deadline", "-created_at", "-id"],
                name="order_store_status_deadline",
            ),
            models.Index(
                fields=["store", "acceptable_deadline", "-created_at", "-id"], name="order_store_deadline_all"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=Status.CANCELLED) | ~Q(cancel_reason=""), name="order_cancelled_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(delivery_cost__isnull=True) | Q(delivery_cost__gte=0),
                name="order_delivery_cost_not_negative",
            ),
            models.CheckConstraint(condition=Q(items_total__gte=0), name="order_items_total_not_negative"),
            models.CheckConstraint(condition=~Q(split_from=F("id")), name="order_not_split_from_itself"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def number(self) -> int:
        return self.pk

    @property
    def is_terminal(self) -> bool:
        return self.status not in OPEN_STATUSES

    @property
    def before_shipment(self) -> bool:
        return self.status in BEFORE_SHIPMENT

    # --- status machine: transitions change fields only; services check, save and record ---

    @transition(field=status, source=Status.NEW, target=Status.ACCEPTED)
    def accept(self):
        pass

    @transition(
        field=status,
        source=Status.ACCEPTED,
        target=Status.CONFIRMED,
        conditions=[
            rules.has_items,
            rules.has_delivery_method,
            rules.has_destination,
            rules.has_delivery_cost,
            rules.has_ship_by,
        ],
    )
    def confirm(self):
        pass

    @transition(field=status, source=Status.CONFIRMED, target=Status.AWAITING_SHIPMENT)
    def pack(self):
        pass

    @transition(
        field=status,
        source=[Status.CONFIRMED, Status.AWAITING_SHIPMENT],
        target=Status.IN_DELIVERY,
        conditions=[rules.is_not_pickup, rules.carrier_has_valid_ttn, rules.courier_is_arranged],
    )
    def ship(self):
        pass

    @transition(
        field=status,
        source=[Status.CONFIRMED, Status.AWAITING_SHIPMENT],
        target=Status.AWAITING_PICKUP,
        conditions=[rules.is_pickup],
    )
    def ready_for_pickup(self):
        pass

    @transition(
        field=status,
        source=[Status.IN_DELIVERY, Status.AWAITING_PICKUP],
        target=Status.RECEIVED,
        conditions=[rules.seller_can_mark_received],
    )
    def mark_received(self):
        pass

    @transition(
        field=status,
        source=Status.IN_DELIVERY,
        target=Status.RECEIVED,
        conditions=[rules.is_carrier_parcel],
    )
    def hand_over(self):
        """The carrier's tracking reports the parcel handed to the buyer."""

    @transition(field=status, source=list(OPEN_STATUSES), target=Status.CANCELLED, conditions=[rules.has_cancel_reason])
    def cancel(self):
        pass


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order"))
    offer = models.ForeignKey(
        "sellers.Offer", on_delete=models.PROTECT, related_name="order_items", verbose_name=_("offer")
    )
    title = models.CharField(_("title"), max_length=300)
    sku = models.CharField(_("SKU"), max_length=64)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField(_("quantity"))
    history = HistoricalRecords(bases=[HistoryContext])

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_item_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="order_item_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.title} × {self.quantity}"

    @property
    def line_total(self):
        return self.price * self.quantity


class OrderComment(models.Model):
    """A seller-only note in the order's history: never shown to the buyer."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="comments", verbose_name=_("order"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("author"))
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("seller comment")
        verbose_name_plural = _("seller comments")
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="order_comment_not_empty")]

    def __str__(self) -> str:
        return f"#{self.order_id}: {self.text[:40]}"


class CallAttempt(models.Model):
    """A logged call to the buyer (the rule for `buyer_unreachable` counts these)."""

    class Outcome(models.TextChoices):
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        UNAVAILABLE = "unavailable", _("Number unavailable")
        TALKED = "talked", _("Talked")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="call_attempts", verbose_name=_("order"))
    caller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("caller"))
    called_at = models.DateTimeField(_("called at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        ordering = ["called_at", "id"]

    def __str__(self) -> str:
        return f"#{self.order_id}: {self.outcome} at {self.called_at:%Y-%m-%d %H:%M}"


from .disputes.models import Dispute  # noqa: E402  (orders/disputes/)
from .reorders.models import ReorderOffer  # noqa: E402  (orders/reorders/)
from .requests.models import OrderRequest, RequestMessage  # noqa: E402  (orders/requests/)
from .storefront.models import Checkout  # noqa: E402  (the storefront's checkout, orders/storefront/)
from .tracking.models import Parcel, TrackingEvent  # noqa: E402  (models of this app, kept in orders/tracking/)

# The history models themselves (`Order.history` builds a new manager class on every access).
HistoricalOrder = Order.history.model
HistoricalOrderItem = OrderItem.history.model

__all__ = [
    "HistoricalOrder",
    "HistoricalOrderItem",
    "CallAttempt",
    "Checkout",
    "Dispute",
    "Order",
    "OrderComment",
    "OrderItem",
    "OrderRequest",
    "Parcel",
    "ReorderOffer",
    "RequestMessage",
    "TrackingEvent",
]
