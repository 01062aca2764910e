"""Per-store, per-day aggregates of ended orders and the store's standing (docs/rules.md §10).

`StoreDay` holds counters, never rates: a window (7, 30, 90 days) is the sum of its days, and a
metric is one counter over another (sellers.performance.definitions). The order services add to
them as orders end, in the same transaction (orders.performance.orders_ended); the command
`rebuild_metrics` recomputes them from the orders."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from marketplace.history import HistoryContext

# The counters of a day, in the order the definitions and the rebuild list them.
COUNTERS = (
    "orders",
    "received",
    "new_left",
    "new_excellent",
    "new_acceptable",
    "accepted_left",
    "accepted_excellent",
    "accepted_acceptable",
    "expired",
    "seller_fault",
    "buyer_cancelled",
    "mutual",
    "shipped",
    "shipped_late",
    "carrier_shipped",
    "tracking_valid",
    "delivered",
    "delivered_on_time",
    "requests",
    "requests_answered",
)


def _counter(label):
    return models.PositiveIntegerField(label, default=0, db_default=0)


class StoreDay(models.Model):
    """What a store's orders that ended on one Kyiv date did (docs/rules.md §10, "Metrics")."""

    store = models.ForeignKey("sellers.Store", on_delete=models.CASCADE, related_name="days", verbose_name=_("store"))
    day = models.DateField(_("day"))
    orders = _counter(_("orders ended"))
    received = _counter(_("received"))
    new_left = _counter(_("left “new”"))
    new_excellent = _counter(_("left “new” within the excellent time"))
    new_acceptable = _counter(_("left “new” within the acceptable time"))
    accepted_left = _counter(_("left “accepted”"))
    accepted_excellent = _counter(_("left “accepted” within the excellent time"))
    accepted_acceptable = _counter(_("left “accepted” within the acceptable time"))
    expired = _counter(_("expired"))
    seller_fault = _counter(_("cancelled through the store's fault"))
    buyer_cancelled = _counter(_("cancelled by the buyer"))
    mutual = _counter(_("cancelled by agreement"))
    shipped = _counter(_("shipped"))
    shipped_late = _counter(_("shipped after the ship-by day"))
    carrier_shipped = _counter(_("shipped with a carrier"))
    tracking_valid = _counter(_("with a tracking number the carrier found"))
    delivered = _counter(_("delivered"))
    delivered_on_time = _counter(_("delivered by the agreed date"))
    requests = _counter(_("buyers' requests to answer"))
    requests_answered = _counter(_("requests answered in time"))

    class Meta:
        verbose_name = _("store's day")
        verbose_name_plural = _("stores' days")
        ordering = ["store", "-day"]
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="store_day_once")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}"


class Standing(models.TextChoices):
    GOOD = "good", _("Good")
    WARNING = "warning", _("Warning")
    RESTRICTED = "restricted", _("Restricted: offers hidden")


class StoreStanding(models.Model):
    """Where the thresholds put the store (docs/rules.md §10, "Thresholds"): each change is saved with
    the history stamp (who, why) and told to the store."""

    store = models.OneToOneField(
        "sellers.Store", on_delete=models.CASCADE, related_name="standing", verbose_name=_("store")
    )
    level = models.CharField(_("standing"), max_length=12, choices=Standing.choices, default=Standing.GOOD)
    # The metrics past their level, as last evaluated (codes of sellers.performance.definitions.METRICS).
    metrics = models.JSONField(_("metrics past a level"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    since = models.DateTimeField(_("since"), null=True, blank=True)
    # Who restricted: the platform's restriction lifts itself when the store recovers, a moderator's
    # only by a moderator.
    restricted_by = models.CharField(_("restricted by"), max_length=16, blank=True)
    evaluated_at = models.DateTimeField(_("evaluated"), null=True, blank=True)
    history = HistoricalRecords(bases=[HistoryContext], excluded_fields=["evaluated_at"])

    class Meta:
        verbose_name = _("store's standing")
        verbose_name_plural = _("stores' standing")

    def __str__(self) -> str:
        return f"{self.store_id}: {self.level}"
