"""The outbox of messages, members' preferences and Telegram link tokens."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .snapshot import Decoder, Encoder


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    TELEGRAM = "telegram", _("Telegram")


class Audience(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    STORE = "store", _("Store contacts")  # the store's order e-mail and its Telegram chat
    MEMBERS = "members", _("Store members")  # each member's own e-mail
    OWNER = "owner", _("Store owner")
    MODERATORS = "moderators", _("Moderators")
    CHAT = "chat", _("Telegram chat")  # a chat that wrote to the bot (link answers)


class EventGroup(models.TextChoices):
    """What a store member chooses to receive, by channel (NotificationPreference)."""

    NEW_ORDERS = "new_orders", _("New orders")
    REMINDERS = "reminders", _("Deadline reminders")
    CANCELLATIONS = "cancellations", _("Cancellations and expiries")
    REQUESTS = "requests", _("Requests from buyers")
    ACCOUNT = "account", _("Store account")


class OutboxMessage(models.Model):
    """One message to one recipient by one channel, written in the transaction of the change
    that caused it with what it must say as of then (`template` and `context`), rendered in the
    recipient's language and sent later by a worker."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    event = models.CharField(_("event"), max_length=64)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    template = models.CharField(_("template"), max_length=64)
    # The facts as of the event (a whitelisted view of the order for its audience), rendered at
    # delivery: the transaction that writes the row stays short, and a fixed template applies
    # to a retry. See notifications/snapshot.py for the types it keeps.
    context = models.JSONField(_("context"), encoder=Encoder, decoder=Decoder)
    dedupe_key = models.CharField(_("dedupe key"), max_length=64, unique=True, editable=False)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("order"),
    )
    store = models.ForeignKey(
        "sellers.Store",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("store"),
    )

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Pending: when to try (again). Sending: when the claim lapses and another worker may take over.
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claim = models.UUIDField(_("claim"), null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The delivery claim asks only for rows that can be due, oldest deadline first.
            models.Index(fields=["next_attempt_at"], name="outbox_due", condition=Q(status__in=["pending", "sending"])),
            models.Index(fields=["-created_at"], name="outbox_failed", condition=Q(status="failed")),
            models.Index(fields=["status", "sent_at"], name="outbox_status_sent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed"]), name="outbox_status_valid"
            ),
            models.CheckConstraint(condition=~Q(status="sent") | Q(sent_at__isnull=False), name="outbox_sent_has_time"),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claim__isnull=False), name="outbox_sending_has_claim"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient} ({self.channel}, {self.status})"


class NotificationPreference(models.Model):
    """A member's choice for one event group and channel; no row means the default
    (see notifications/preferences.py)."""

    member = models.ForeignKey(
        "sellers.StoreMember",
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("store member"),
    )
    group = models.CharField(_("events"), max_length=20, choices=EventGroup.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["member", "group", "channel"], name="notification_pref_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.group}/{self.channel}={'on' if self.enabled else 'off'}"


class TelegramLinkToken(models.Model):
    """A one-time token of a deep link to the bot. Only its SHA-256 is stored."""

    store = models.ForeignKey(
        "sellers.Store", on_delete=models.CASCADE, related_name="telegram_link_tokens", verbose_name=_("store")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    chat_id = models.BigIntegerField(_("linked chat"), null=True, blank=True)

    class Meta:
        verbose_name = _("Telegram link")
        verbose_name_plural = _("Telegram links")
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(chat_id__isnull=False), name="telegram_link_used_has_chat"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store} ({'used' if self.used_at else 'open'})"
