"""Requests and their message threads (docs/rules.md §6). Imported by orders/models.py, so the
models belong to the `orders` app."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from marketplace.actors import ActorKind
from marketplace.history import HistoryContext

from ..fsm import ConcurrentTransitions


class RequestKind(models.TextChoices):
    BUYER_CANCEL = "buyer_cancel", _("The buyer asks to cancel")
    SELLER_CANCEL = "seller_cancel", _("The store asks to cancel by agreement")
    MOVE_DATE = "move_date", _("The store asks to move the agreed date")


class RequestState(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined, passed to the moderators")
    WENT_THROUGH = "went_through", _("Went through without an answer")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Closed: the order ended meanwhile")


class CancelGround(models.TextChoices):
    """Why the seller asks the buyer to agree to cancel."""

    ORDERED_BY_MISTAKE = "ordered_by_mistake", _("The buyer ordered by mistake")
    DUPLICATE = "duplicate", _("A duplicate order")
    CANNOT_SUPPLY = "cannot_supply", _("The goods cannot be supplied")
    OTHER = "other", _("Other")


# Grounds that describe the buyer's side: an order cancelled on them counts in the buyer's
# collaboration history (docs/rules.md §6).
BUYER_SIDE_GROUNDS = (CancelGround.ORDERED_BY_MISTAKE, CancelGround.DUPLICATE)


class Reminded(models.IntegerChoices):
    """Bits of OrderRequest.reminded: what the sweep already did for the open request."""

    ANSWER_WINDOW_PASSED = 1


class OrderRequest(ConcurrentTransitions, models.Model):
    """One request of one side to the other. At most one is open per order. `answer_by` ends the
    window in which an acceptance is done by agreement (24 h by default); `expires_at` is when an
    unanswered request goes through (48 h); `next_check_at` is when the sweep must next look at
    it (NULL once it is closed)."""

    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="requests", verbose_name=_("order")
    )
    kind = models.CharField(_("request"), max_length=16, choices=RequestKind.choices)
    state = FSMField(_("state"), max_length=16, choices=RequestState.choices, default=RequestState.OPEN, protected=True)
    opened_by = models.CharField(_("opened by"), max_length=16, choices=ActorKind.choices)
    opened_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by (member)"),
    )
    ground = models.CharField(_("ground"), max_length=20, choices=CancelGround.choices, blank=True)
    old_date = models.DateField(_("agreed date before"), null=True, blank=True)
    new_date = models.DateField(_("new agreed date"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)

    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    answer_by = models.DateTimeField(_("answer by"))
    expires_at = models.DateTimeField(_("goes through at"))
    next_check_at = models.DateTimeField(_("next check by the platform"), null=True, blank=True, editable=False)
    reminded = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)
    last_follow_up_at = models.DateTimeField(_("last followed up"), null=True, blank=True)

    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by (member)"),
    )
    answer_message = models.TextField(_("answer"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    history = HistoricalRecords(bases=[HistoryContext], excluded_fields=["next_check_at", "reminded"])

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-opened_at", "-id"]
        indexes = [
            # The sweep reads only due open requests through this index.
            models.Index(fields=["next_check_at"], name="request_due", condition=Q(state="open")),
            models.Index(fields=["order", "-opened_at"], name="request_order"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(state="open"), name="request_one_open_per_order"),
            models.CheckConstraint(
                condition=~Q(kind="move_date") | Q(new_date__isnull=False), name="request_move_date_has_date"
            ),
            models.CheckConstraint(
                condition=~Q(kind="seller_cancel") | ~Q(ground=""), name="request_seller_cancel_has_ground"
            ),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("opened_at")), name="request_expires_later"),
        ]

    def __str__(self) -> str:
        return f"#{self.order_id}: {self.get_kind_display()} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == RequestState.OPEN

    @property
    def answering_side(self) -> str:
        """Who must answer: the side that did not open it."""
        return ActorKind.SELLER if self.opened_by == ActorKind.BUYER else ActorKind.BUYER

    # --- status machine: transitions change the field only; services check, save and record ---

    @transition(field=state, source=RequestState.OPEN, target=RequestState.ACCEPTED)
    def accept(self):
        pass

    @transition(field=state, source=RequestState.OPEN, target=RequestState.DECLINED)
    def decline(self):
        pass

    @transition(field=state, source=RequestState.OPEN, target=RequestState.WENT_THROUGH)
    def go_through(self):
        pass

    @transition(field=state, source=RequestState.OPEN, target=RequestState.WITHDRAWN)
    def withdraw(self):
        pass

    @transition(field=state, source=RequestState.OPEN, target=RequestState.LAPSED)
    def lapse(self):
        pass


class RequestMessage(models.Model):
    """A message in a request's thread, seen by both sides (a seller-only note is an
    OrderComment, never here)."""

    request = models.ForeignKey(
        OrderRequest, on_delete=models.CASCADE, related_name="messages", verbose_name=_("request")
    )
    author_kind = models.CharField(_("from"), max_length=16, choices=ActorKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("message"))
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("request message")
        verbose_name_plural = _("request messages")
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="request_message_not_empty")]

    def __str__(self) -> str:
        return f"{self.author_kind}: {self.text[:40]}"
