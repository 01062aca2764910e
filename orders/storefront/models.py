"""The storefront's one table: a placed checkout (docs/rules.md §12).

A checkout form carries a one-time key; the row is written in the transaction that places the
orders, so a double submit or a retry of the same form finds it and shows the same thank-you
page instead of placing the orders again. The rows also throttle checkouts per phone and per IP."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Checkout(models.Model):
    key = models.CharField(_("one-time key"), max_length=64, unique=True, editable=False)
    buyer_phone = models.CharField(_("buyer's phone"), max_length=32)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("placed"))
    # The orders it placed (one per store), in the cart's order of stores.
    order_ids = models.JSONField(_("orders"), default=list)

    class Meta:
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        indexes = [
            models.Index(fields=["buyer_phone", "created_at"], name="checkout_phone_time"),
            models.Index(fields=["ip", "created_at"], name="checkout_ip_time"),
        ]

    def __str__(self) -> str:
        return f"{self.buyer_phone} at {self.created_at:%Y-%m-%d %H:%M}: {self.order_ids}"
