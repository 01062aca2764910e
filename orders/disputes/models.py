"""Disputes (docs/rules.md §6). Imported by orders/models.py, so the models belong to the
`orders` app."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from marketplace.history import HistoryContext

from ..fsm import ConcurrentTransitions


class DisputeOrigin(models.TextChoices):
    DECLINED_REQUEST = "declined_request", _("A request was declined")
    LATE_ORDER = "late_order", _("The buyer complains the order is late")


class DisputeState(models.TextChoices):
    OPEN = "open", _("Waiting for a moderator")
    TAKEN = "taken", _("Taken by a moderator")
    DECIDED = "decided", _("Decided")
    CLOSED = "closed", _("Closed: the order ended meanwhile")


class Decision(models.TextChoices):
    CANCEL = "cancel", _("Cancel the order")
    CONTINUE = "continue", _("Continue the order")


class Fault(models.TextChoices):
    """Who is at fault when a moderator cancels: it picks the reason (orders.choices.REASONS)."""

    SELLER = "seller", _("The store")
    BUYER = "buyer", _("The buyer")
    NOBODY = "nobody", _("Nobody")


class Dispute(ConcurrentTransitions, models.Model):
    """One dispute about one order; at most one undecided per order. `next_check_at` is when the
    moderators are reminded of a dispute nobody took (NULL once taken or reminded)."""

    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="disputes", verbose_name=_("order")
    )
    request = models.OneToOneField(
        "orders.OrderRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispute",
        verbose_name=_("request"),
    )
    origin = models.CharField(_("origin"), max_length=20, choices=DisputeOrigin.choices)
    state = FSMField(_("state"), max_length=10, choices=DisputeState.choices, default=DisputeState.OPEN, protected=True)
    complaint = models.TextField(_("complaint"), blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    next_check_at = models.DateTimeField(_("remind the moderators at"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("moderators reminded"), null=True, blank=True, editable=False)

    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
    )
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)

    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    fault = models.CharField(_("at fault"), max_length=10, choices=Fault.choices, blank=True)
    new_date = models.DateField(_("new agreed date"), null=True, blank=True)
    note_to_buyer = models.TextField(_("note to the buyer"), blank=True)
    note_to_seller = models.TextField(_("note to the store"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    history = HistoricalRecords(bases=[HistoryContext], excluded_fields=["next_check_at"])

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["opened_at", "id"]  # the queue: oldest first
        indexes = [
            models.Index(fields=["next_check_at"], name="dispute_due", condition=Q(state="open")),
            models.Index(fields=["state", "opened_at"], name="dispute_queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(state__in=["open", "taken"]), name="dispute_one_undecided_per_order"
            ),
            models.CheckConstraint(
                condition=~Q(state="decided") | ~Q(decision=""), name="dispute_decided_has_decision"
            ),
            models.CheckConstraint(condition=~Q(decision="cancel") | ~Q(fault=""), name="dispute_cancel_names_fault"),
        ]

    def __str__(self) -> str:
        return f"#{self.order_id}: {self.get_origin_display()} ({self.state})"

    @property
    def is_undecided(self) -> bool:
        return self.state in (DisputeState.OPEN, DisputeState.TAKEN)

    @transition(field=state, source=DisputeState.OPEN, target=DisputeState.TAKEN)
    def take(self):
        pass

    @transition(field=state, source=[DisputeState.OPEN, DisputeState.TAKEN], target=DisputeState.DECIDED)
    def decide(self):
        pass

    @transition(field=state, source=[DisputeState.OPEN, DisputeState.TAKEN], target=DisputeState.CLOSED)
    def close(self):
        pass
