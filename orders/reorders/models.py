"""Priority re-orders with compensation (docs/rules.md §10, seed 002). Imported by orders/models.py,
so the model belongs to the `orders` app."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from marketplace.history import HistoryContext


class DiscountKind(models.TextChoices):
    NONE = "none", _("No discount")
    AMOUNT = "amount", _("An amount off, ₴")
    PERCENT = "percent", _("A percentage off")


class ReorderState(models.TextChoices):
    OFFERED = "offered", _("Offered to the buyer")
    ACCEPTED = "accepted", _("Accepted by the buyer")
    DECLINED = "declined", _("Declined by the buyer")


class ReorderOffer(models.Model):
    """The store's offer to send the goods of an order cancelled `shipping_time_expired` again. One
    per cancelled order (the one-to-one). An offer past `expires_at` is expired: nothing is held for
    it, so nothing has to happen when it expires (the buyer's acceptance checks the time)."""

    original = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="reorder_offer", verbose_name=_("cancelled order")
    )
    state = models.CharField(_("state"), max_length=10, choices=ReorderState.choices, default=ReorderState.OFFERED)
    discount_kind = models.CharField(
        _("discount"), max_length=8, choices=DiscountKind.choices, default=DiscountKind.NONE
    )
    discount = models.DecimalField(_("discount value"), max_digits=12, decimal_places=2, default=0)
    message = models.CharField(_("note to the buyer"), max_length=500, blank=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("offered by")
    )
    offered_at = models.DateTimeField(_("offered"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    history = HistoricalRecords(bases=[HistoryContext])

    class Meta:
        verbose_name = _("re-order offer")
        verbose_name_plural = _("re-order offers")
        constraints = [
            models.CheckConstraint(condition=Q(discount__gte=0), name="reorder_discount_not_negative"),
            models.CheckConstraint(
                condition=~Q(discount_kind="percent") | Q(discount__lte=100), name="reorder_percent_at_most_100"
            ),
            models.CheckConstraint(condition=~Q(discount_kind="none") | Q(discount=0), name="reorder_none_is_zero"),
        ]

    def __str__(self) -> str:
        return f"re-order of #{self.original_id}"
