from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from marketplace.history import HistoryContext


class Store(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    email = models.EmailField(_("e-mail for orders"), blank=True)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="uk")
    telegram_chat_id = models.BigIntegerField(_("Telegram chat"), null=True, blank=True)
    # The store's public profile (the owner's, sellers.services.store_update_profile): what buyers of
    # pickup orders read on their page and in their e-mails, and the call script says.
    pickup_address = models.CharField(_("pickup address"), max_length=300, blank=True)
    pickup_hours = models.CharField(
        _("pickup hours"), max_length=300, blank=True, help_text=_("For example: Mon–Fri 10:00–19:00, Sat 10:00–15:00")
    )
    phone = models.CharField(_("phone for buyers"), max_length=32, blank=True)
    logo = models.FileField(_("logo"), upload_to="stores/logos/", blank=True)
    offers_hidden = models.BooleanField(
        _("offers hidden from the storefront"),
        default=False,
        help_text=_("Set by the platform when the store keeps letting orders expire."),
    )
    offers_hidden_reason = models.CharField(_("why offers are hidden"), max_length=300, blank=True)
    is_suspended = models.BooleanField(_("suspended"), default=False)
    # The store's own fee rate (docs/rules.md §10), set by moderators; empty: the platform's.
    fee_percent = models.DecimalField(
        # xgettext:no-python-format
        _("own fee, % of the order total"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Leave empty to charge the platform's fee."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Who hid the offers, suspended the store or linked its chat, when and why.
    history = HistoricalRecords(bases=[HistoryContext], excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def owner(self):
        member = self.members.filter(role=StoreMember.Role.OWNER).select_related("user").first()
        return member.user if member else None

    def order_email(self) -> str:
        """The address that gets new-order messages: the store's, else the owner's."""
        if self.email:
            return self.email
        owner = self.owner()
        return owner.email if owner and owner.email else ""


class StoreMember(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MANAGER = "manager", _("Manager")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="members", verbose_name=_("store"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MANAGER)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("store member")
        verbose_name_plural = _("store members")
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="store_member_unique"),
            models.UniqueConstraint(fields=["store"], condition=Q(role="owner"), name="store_single_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.store} ({self.get_role_display()})"


class Category(models.Model):
    """A storefront category of offers (the platform's list, kept in admin)."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


OFFER_DESCRIPTION_MAX = 5000


class Offer(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="offers", verbose_name=_("store"))
    title = models.CharField(_("title"), max_length=300)
    sku = models.CharField(_("SKU"), max_length=64)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    stock = models.IntegerField(_("stock"), default=0)
    paused = models.BooleanField(_("paused"), default=False)
    # What the storefront shows (sellers/catalog.py): edited in the cabinet's offer form.
    description = models.TextField(_("description"), max_length=OFFER_DESCRIPTION_MAX, blank=True)
    photo = models.ImageField(_("photo"), upload_to="offers/", blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name=_("category"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(bases=[HistoryContext], excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["title"]
        indexes = [
            # The storefront's price sorts (sellers/catalog.py); newest first walks the primary key.
            models.Index(fields=["price", "id"], name="offer_price"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["store", "sku"], name="offer_sku_unique_per_store"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="offer_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gte=0), name="offer_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.sku})"


class FeeCharge(models.Model):
    """The store's fee ledger (docs/rules.md §10): one row per charge (when an order is received, or
    cancelled after a deadline expired, charged as if completed) and one per reversal (a moderator's,
    with a reason: a negative amount pointing at the charge it reverses). At most one charge and one
    reversal per order; a row is never changed after it is written."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Order received")
        EXPIRED = "expired", _("Deadline expired")
        REVERSAL = "reversal", _("Reversal")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="fees", verbose_name=_("store"))
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="fee_charges", verbose_name=_("order")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    base = models.DecimalField(_("order total"), max_digits=12, decimal_places=2)
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2)
    amount = models.DecimalField(_("fee"), max_digits=12, decimal_places=2)
    charged_at = models.DateTimeField(_("charged"), auto_now_add=True)
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("reverses"),
    )
    reason = models.CharField(_("reason of the reversal"), max_length=300, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reversed by"),
    )

    class Meta:
        verbose_name = _("platform fee")
        verbose_name_plural = _("platform fees")
        ordering = ["-charged_at"]
        indexes = [models.Index(fields=["store", "-charged_at"], name="fee_store_time")]
        constraints = [
            # A charge is positive or zero and reverses nothing; a reversal is negative or zero,
            # points at its charge and says why.
            models.CheckConstraint(
                condition=(~Q(kind="reversal") & Q(amount__gte=0) & Q(reverses__isnull=True))
                | (Q(kind="reversal") & Q(amount__lte=0) & Q(reverses__isnull=False) & ~Q(reason="")),
                name="fee_charge_or_reversal",
            ),
            models.UniqueConstraint(fields=["order"], condition=~Q(kind="reversal"), name="fee_one_charge_per_order"),
            models.UniqueConstraint(fields=["order"], condition=Q(kind="reversal"), name="fee_one_reversal_per_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.order_id}: {self.amount}"


class PasswordResetRequest(models.Model):
    """One request of a password-reset e-mail, kept for an hour or so to throttle the form
    per address and per IP (sellers/cabinet/views/auth.py)."""

    email = models.CharField(max_length=254, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="password_reset_request_time")]

    def __str__(self) -> str:
        return f"{self.email} from {self.ip} at {self.created_at:%Y-%m-%d %H:%M}"


class StoreInvitation(models.Model):
    """The owner's invitation of a manager by e-mail. It gives no access: the invitee accepts it
    by the signed, expiring link in the e-mail, and only then becomes a member; it can also be
    declined, revoked by the owner, or expire (sellers.services.store_invitation_*)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("store"))
    email = models.EmailField(_("e-mail"))
    # The account the invitation is for: an existing user, or a new person's account without a
    # password (no store, no password: it cannot sign in until the invitation is accepted).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="store_invitations",
        verbose_name=_("invited user"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    # Part of the signed link; a new one on every re-send, so the older link stops working.
    nonce = models.CharField(max_length=64)
    times_sent = models.PositiveSmallIntegerField(_("times sent"), default=1)
    created_at = models.DateTimeField(_("invited"))
    sent_at = models.DateTimeField(_("last sent"))
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    history = HistoricalRecords(bases=[HistoryContext], excluded_fields=["nonce"])

    class Meta:
        verbose_name = _("store invitation")
        verbose_name_plural = _("store invitations")
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per store and address (a second invite re-sends it).
            models.UniqueConstraint(
                fields=["store", "email"],
                condition=Q(accepted_at__isnull=True, declined_at__isnull=True, revoked_at__isnull=True),
                name="store_invitation_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.store}"

    @property
    def is_open(self) -> bool:
        """Neither accepted, declined nor revoked (it may have expired)."""
        return self.accepted_at is None and self.declined_at is None and self.revoked_at is None


from .performance.models import Standing, StoreDay, StoreStanding  # noqa: E402, F401  (docs/rules.md §10)
