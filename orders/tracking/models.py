"""Parcels and their tracking events (docs/rules.md §8). Imported by orders/models.py, so the
models belong to the `orders` app."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..carriers.base import StateGroup

STATE_GROUP_CHOICES = [(group.value, group.value) for group in StateGroup]


class Parcel(models.Model):
    """One tracking number of an order with a carrier. An order that was readdressed has several;
    the one it follows now is `active`. `next_check_at` is the polling deadline: NULL once the
    parcel ends (received, returned) or its order is no longer tracked."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="parcels", verbose_name=_("order"))
    carrier = models.CharField(_("carrier"), max_length=20)
    number = models.CharField(_("tracking number"), max_length=32)
    phone = models.CharField(_("recipient's phone"), max_length=32, blank=True)
    active = models.BooleanField(_("followed now"), default=True)
    created_at = models.DateTimeField(_("tracked since"), default=timezone.now)

    # The last state the carrier reported.
    group = models.CharField(_("state"), max_length=16, choices=STATE_GROUP_CHOICES, blank=True)
    code = models.CharField(_("carrier's status code"), max_length=16, blank=True)
    text = models.CharField(_("carrier's status"), max_length=300, blank=True)
    state_at = models.DateTimeField(_("state since"), null=True, blank=True)
    branch = models.CharField(_("branch"), max_length=300, blank=True)
    scheduled_delivery = models.DateField(_("scheduled delivery"), null=True, blank=True)
    storage_free_until = models.DateField(_("free storage until"), null=True, blank=True)
    # When the carrier first reported the number as found (any state but "not found"): the valid
    # tracking metric counts a parcel found by the time its order ended (docs/rules.md §10).
    found_at = models.DateTimeField(_("found by the carrier"), null=True, blank=True)

    # Polling.
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)
    failures = models.PositiveSmallIntegerField(_("failed checks in a row"), default=0)
    # Messages already sent for the current state (bits chosen by orders.tracking), so a repeated
    # answer never sends one twice.
    notified = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        ordering = ["order", "-active", "-created_at"]
        indexes = [
            # The polling pass reads only due parcels through this index.
            models.Index(fields=["next_check_at"], name="parcel_due", condition=Q(next_check_at__isnull=False)),
            models.Index(fields=["carrier", "number"], name="parcel_number"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="parcel_once_per_order"),
            models.UniqueConstraint(fields=["order"], condition=Q(active=True), name="parcel_one_active_per_order"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.number}"


class TrackingEvent(models.Model):
    """A state the carrier reported, kept as it came: the seller's timeline and the buyer's page
    show them."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="events", verbose_name=_("parcel"))
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="tracking_events", verbose_name=_("order")
    )
    group = models.CharField(_("state"), max_length=16, choices=STATE_GROUP_CHOICES)
    code = models.CharField(_("carrier's status code"), max_length=16)
    text = models.CharField(_("carrier's status"), max_length=300)
    branch = models.CharField(_("branch"), max_length=300, blank=True)
    at = models.DateTimeField(_("reported for"), null=True, blank=True)  # the carrier's time, when it gives one
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["order", "recorded_at", "id"]
        indexes = [models.Index(fields=["order", "recorded_at"], name="tracking_event_order")]

    def __str__(self) -> str:
        return f"{self.parcel}: {self.code} {self.text}"
