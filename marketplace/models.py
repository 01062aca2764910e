"""Platform-wide settings edited by moderators: the working calendar and the processing policy."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .history import HistoryContext


class NonWorkingPeriod(models.Model):
    """An extra closure of the platform (e.g. New Year or May holidays), part days allowed."""

    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    announcement = models.TextField(
        _("announcement to sellers"),
        blank=True,
        help_text=_("Shown in the seller cabinet from the announcement date until the period ends."),
    )
    announce_from = models.DateTimeField(_("announce from"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(bases=[HistoryContext], excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("non-working period")
        verbose_name_plural = _("non-working periods")
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="period_ends_after_start")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """Sentences on the fields, so the form never shows the database constraint's name."""
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The period must end after it starts.")
        if self.announce_from and self.ends_at and self.announce_from >= self.ends_at:
            errors["announce_from"] = _("The announcement would never be seen: it must start before the period ends.")
        if errors:
            raise ValidationError(errors)


class WorkingDayOverride(models.Model):
    """A day that is working although it falls on a weekend or a public holiday. It only ever
    makes a day working (09:00–20:00); a closure of the platform is a NonWorkingPeriod."""

    date = models.DateField(_("date"), unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords(bases=[HistoryContext])

    class Meta:
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return str(self.date)


# The statuses that have a processing policy, with the labels orders.choices.Status gives them:
# marketplace imports no app (docs/architecture.md), so the labels are repeated here (the same
# messages, one translation) and tests/marketplace/test_policy.py keeps the two in step.
POLICY_STATUS_LABELS = {
    "new": _("New"),
    "accepted": _("Needs agreement with the buyer"),
    "confirmed": _("Confirmed, being assembled"),
    "awaiting_shipment": _("Awaiting shipment"),
    "in_delivery": _("In delivery"),
    "awaiting_pickup": _("Awaiting at the pickup point"),
}


def status_label(status: str) -> str:
    return str(POLICY_STATUS_LABELS.get(status, status))


class ProcessingPolicy(models.Model):
    """Processing-time limits of one status (docs/rules.md §4 table)."""

    class Deadline(models.TextChoices):
        WORKING_MINUTES = "working_minutes", _("Working minutes after entering the status")
        SHIP_BY_DAY_END = "ship_by_day_end", _("End of the ship-by date's working day")
        CALENDAR_MINUTES = "calendar_minutes", _("Calendar minutes after entering the status")

    class OnExpiry(models.TextChoices):
        CANCEL_PROCESSING = "processing_time_expired", _("Cancel: processing time expired")
        CANCEL_SHIPPING = "shipping_time_expired", _("Cancel: shipping time expired")
        REMIND_PICKUP = "remind_pickup", _("Remind the seller to call the buyer")

    status = models.CharField(_("status"), max_length=20, unique=True)
    excellent_minutes = models.PositiveIntegerField(
        _("excellent within (working minutes)"),
        null=True,
        blank=True,
        help_text=_("Passing it does not cancel: it lowers the rating and reminds the seller."),
    )
    deadline = models.CharField(_("acceptable deadline"), max_length=20, choices=Deadline.choices)
    acceptable_minutes = models.PositiveIntegerField(_("acceptable within (minutes)"), null=True, blank=True)
    warn_before_minutes = models.PositiveIntegerField(
        _("warn the seller (working minutes before the deadline)"), null=True, blank=True
    )
    on_expiry = models.CharField(_("when the acceptable deadline passes"), max_length=32, choices=OnExpiry.choices)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(bases=[HistoryContext], excluded_fields=["updated_at"])

    # What each expiry action makes sense for (docs/rules.md §4): cancelling for processing time
    # while the seller still processes, for shipping time while the parcel waits to go, and the
    # pickup reminder only while the parcel waits at the pickup point.
    EXPIRY_STATUSES = {
        OnExpiry.CANCEL_PROCESSING: ("new", "accepted"),
        OnExpiry.CANCEL_SHIPPING: ("confirmed", "awaiting_shipment"),
        OnExpiry.REMIND_PICKUP: ("awaiting_pickup",),
    }

    class Meta:
        verbose_name = _("processing policy")
        verbose_name_plural = _("processing policies")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline="ship_by_day_end") | Q(acceptable_minutes__gt=0),
                name="policy_minutes_set_unless_ship_by",
            ),
        ]

    def __str__(self) -> str:
        return status_label(self.status)

    def clean(self) -> None:
        """Refuse combinations the sweep cannot act on sensibly (docs/rules.md §4), each with a
        sentence on the field to correct."""
        errors: dict[str, list] = {}
        allowed = self.EXPIRY_STATUSES.get(self.on_expiry)
        if self.status and allowed is not None and self.status not in allowed:
            errors.setdefault("on_expiry", []).append(
                _("“%(action)s” does not apply to the status “%(status)s”; it is for: %(allowed)s.")
                % {
                    "action": self.OnExpiry(self.on_expiry).label,
                    "status": status_label(self.status),
                    "allowed": ", ".join(f"“{status_label(status)}”" for status in allowed),
                }
            )
        minutes_needed = self.deadline in (self.Deadline.WORKING_MINUTES, self.Deadline.CALENDAR_MINUTES)
        if minutes_needed and not self.acceptable_minutes:
            errors.setdefault("acceptable_minutes", []).append(
                _("This kind of deadline needs the number of minutes (more than 0).")
            )
        if self.deadline == self.Deadline.SHIP_BY_DAY_END and self.acceptable_minutes:
            errors.setdefault("acceptable_minutes", []).append(
                _("The deadline is the end of the ship-by date's working day: leave the minutes empty.")
            )
        if (
            minutes_needed
            and self.acceptable_minutes
            and self.warn_before_minutes is not None
            and self.warn_before_minutes >= self.acceptable_minutes
        ):
            errors.setdefault("warn_before_minutes", []).append(
                _("The warning must come before the deadline: fewer minutes than the acceptable time.")
            )
        if (
            self.deadline == self.Deadline.WORKING_MINUTES
            and self.acceptable_minutes
            and self.excellent_minutes is not None
            and self.excellent_minutes > self.acceptable_minutes
        ):
            errors.setdefault("excellent_minutes", []).append(
                _("The excellent time cannot be longer than the acceptable time.")
            )
        if self.excellent_minutes == 0:
            errors.setdefault("excellent_minutes", []).append(
                _("Leave the excellent time empty for none, or give more than 0 minutes.")
            )
        if self.warn_before_minutes == 0:
            errors.setdefault("warn_before_minutes", []).append(
                _("Leave the warning empty for none, or give more than 0 minutes.")
            )
        if errors:
            raise ValidationError(errors)


class BuyerCancelMode(models.TextChoices):
    INSTANT = "instant", _("Instant")
    REQUEST = "request", _("A request the store answers")


class WindowCounting(models.TextChoices):
    CALENDAR = "calendar", _("Calendar time")
    WORKING = "working", _("Working time")


class PlatformPolicy(models.Model):
    """Singleton (pk=1): platform-wide thresholds, fee, and revision counters that tell every
    process when to rebuild its cached calendar and policy."""

    fee_percent = models.DecimalField(
        # xgettext:no-python-format
        _("platform fee, % of the order total"),
        max_digits=5,
        decimal_places=2,
        default=5,
    )
    expiry_restrict_count = models.PositiveIntegerField(
        _("expiries that hide a store's offers"),
        default=3,
        help_text=_("A store with this many expired orders within the window gets its offers hidden."),
    )
    expiry_restrict_days = models.PositiveIntegerField(_("window for counting expiries (days)"), default=30)
    ship_by_max_days = models.PositiveSmallIntegerField(
        _("ship-by date at most this many days ahead"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("A seller may set the agreed ship-by date from today up to this many days ahead."),
    )
    # Requests between buyer and seller (docs/rules.md §6).
    buyer_cancel_mode = models.CharField(
        _("buyer's cancellation"),
        max_length=10,
        choices=BuyerCancelMode.choices,
        default=BuyerCancelMode.INSTANT,
        help_text=_(
            "Instant: the buyer's cancel on the order page cancels at once. Request: it asks the store, "
            "which answers; silence cancels."
        ),
    )
    request_window_counting = models.CharField(
        _("request windows count"),
        max_length=10,
        choices=WindowCounting.choices,
        default=WindowCounting.CALENDAR,
    )
    request_accept_hours = models.PositiveSmallIntegerField(
        _("answer a request within (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text=_("Accepted within it, a request is done by agreement; after it the answering side is reminded."),
    )
    request_expire_hours = models.PositiveSmallIntegerField(
        _("an unanswered request goes through after (hours)"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
    )
    follow_up_working_minutes = models.PositiveSmallIntegerField(
        _("follow up at most once per (working minutes)"),
        default=240,
        validators=[MinValueValidator(1)],
    )
    dispute_take_working_minutes = models.PositiveIntegerField(
        _("remind the moderators of a dispute not taken within (working minutes)"),
        default=660,
        validators=[MinValueValidator(1)],
    )
    late_delivery_after_days = models.PositiveSmallIntegerField(
        _("a parcel counts as late this many days after the ship-by date"),
        default=3,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "When the carrier gives no delivery date: from then the buyer may cancel a parcel in delivery at once."
        ),
    )
    reorder_offer_hours = models.PositiveSmallIntegerField(
        _("a re-order offer stands for (hours)"),
        default=72,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text=_("After a shipping-time expiry the store may offer the goods again; the buyer accepts within it."),
    )
    calendar_revision = models.PositiveIntegerField(default=0, editable=False)
    history = HistoricalRecords(bases=[HistoryContext], excluded_fields=["calendar_revision"])

    class Meta:
        verbose_name = _("platform policy")
        verbose_name_plural = _("platform policy")

    def __str__(self) -> str:
        return str(_("Platform policy"))

    def clean(self) -> None:
        """A request is answered before it goes through by silence (docs/rules.md §6)."""
        if (
            self.request_accept_hours
            and self.request_expire_hours
            and self.request_expire_hours <= self.request_accept_hours
        ):
            raise ValidationError(
                {
                    "request_expire_hours": _(
                        "An unanswered request must go through after the answer window: more hours than %(hours)s."
                    )
                    % {"hours": self.request_accept_hours}
                }
            )

    @classmethod
    def get(cls) -> "PlatformPolicy":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class ThresholdMetric(models.TextChoices):
    """The metrics a threshold can watch (sellers.performance.definitions, docs/rules.md §10)."""

    SELLER_FAULT_RATE = "seller_fault_rate", _("Seller-fault cancellation rate, %")
    LATE_SHIPMENT_RATE = "late_shipment_rate", _("Late shipment rate, %")
    VALID_TRACKING_RATE = "valid_tracking_rate", _("Valid tracking rate, %")
    EXPIRIES = "expiries", _("Expired orders")
    ON_TIME_DELIVERY_RATE = "on_time_delivery_rate", _("On-time delivery rate, %")
    ANSWERED_REQUESTS_RATE = "answered_requests_rate", _("Answered requests rate, %")


class PerformanceThreshold(models.Model):
    """Two levels per metric, like Ozon's warning and danger (docs/rules.md §10): past the warning
    the store is told what to fix, past the restriction its offers are hidden until it recovers.
    Moderators edit them in admin; history keeps who changed what."""

    class Direction(models.TextChoices):
        ABOVE = "above", _("bad when above the level")
        BELOW = "below", _("bad when below the level")

    metric = models.CharField(_("metric"), max_length=32, choices=ThresholdMetric.choices, unique=True)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.ABOVE)
    warning = models.DecimalField(
        _("warning level"), max_digits=7, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    restriction = models.DecimalField(
        _("restriction level"), max_digits=7, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    window_days = models.PositiveSmallIntegerField(
        _("over the last (days)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    min_orders = models.PositiveIntegerField(
        _("only with at least this many orders in the window"),
        default=20,
        help_text=_("Fewer orders than this: the rate says too little and the threshold is not applied."),
    )
    needs_overdue = models.BooleanField(
        _("restrict only with an overdue order open"),
        default=False,
        help_text=_("The restriction applies only while the store has an order past its deadline."),
    )
    history = HistoricalRecords(bases=[HistoryContext])

    class Meta:
        verbose_name = _("performance threshold")
        verbose_name_plural = _("performance thresholds")
        ordering = ["metric"]

    def __str__(self) -> str:
        return str(self.get_metric_display())

    def clean(self) -> None:
        """A restriction is worse than the warning (docs/rules.md §10)."""
        if self.warning is None or self.restriction is None:
            return
        above = self.direction == self.Direction.ABOVE
        worse = self.restriction >= self.warning if above else self.restriction <= self.warning
        if not worse:
            raise ValidationError({"restriction": _("The restriction level must be past the warning level.")})

    def past(self, value, level) -> bool:
        """Whether `value` is past `level` in this threshold's direction (a level of None: never)."""
        if level is None or value is None:
            return False
        if self.metric == ThresholdMetric.EXPIRIES:
            return value >= level
        return value > level if self.direction == self.Direction.ABOVE else value < level


# docs/rules.md §10, the defaults from the large marketplaces' published levels:
# metric, direction, warning, restriction, window (days), min orders, restriction needs an overdue order.
DEFAULT_THRESHOLDS = (
    (ThresholdMetric.SELLER_FAULT_RATE, "above", "2.5", "10", 30, 20, False),
    (ThresholdMetric.LATE_SHIPMENT_RATE, "above", "4", "12", 30, 20, False),
    (ThresholdMetric.VALID_TRACKING_RATE, "below", "95", None, 30, 20, False),
    (ThresholdMetric.EXPIRIES, "above", "3", "5", 7, 0, True),
)


class UserSettings(models.Model):
    """A person's own settings, whatever their role: the language of the cabinet and admin and
    of the messages sent to them personally (a member's own e-mail, a moderator's). One row per
    user (no row: the platform's language); a store's own contacts use `Store.language`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="settings", verbose_name=_("user")
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)

    class Meta:
        verbose_name = _("user settings")
        verbose_name_plural = _("user settings")

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"

    @staticmethod
    def language_of(user) -> str:
        """The user's chosen language, else the platform's."""
        row = UserSettings.objects.filter(user=user).values_list("language", flat=True).first()
        return row or settings.LANGUAGE_CODE


SESSION_LANGUAGE = "user_language"


@receiver(user_logged_in)
def _remember_language(sender, request, user, **kwargs):
    """The user's language goes into the session at sign-in (LanguageMiddleware reads it
    without a query on every page)."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_LANGUAGE] = UserSettings.language_of(user)
