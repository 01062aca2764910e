"""Seller-side writes of the cabinet: offers' stock and pause, store e-mail and language,
members; and the platform's restriction of a store.

Each function is one atomic action: the row is locked, the actor's membership (and role,
where it matters) is checked under the lock, the change is stamped for history, messages go
through the outbox in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from marketplace import clock
from marketplace.actors import Actor, ActorKind
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.history import stamp
from notifications.services import notify

from .models import Offer, PasswordResetRequest, Store, StoreMember

MAX_STOCK = 1_000_000


def _membership(actor: Actor, store_id: int) -> StoreMember:
    """The actor's membership in the store, or NotAllowed (sellers only)."""
    user = actor.user
    if actor.kind != ActorKind.SELLER or not (user and user.is_authenticated and user.is_active):
        raise NotAllowed(_("This action is not available to you."))
    member = StoreMember.objects.filter(store_id=store_id, user=user).first()
    if member is None:
        raise NotAllowed(_("You are not a member of this store."))
    return member


def _owner(actor: Actor, store_id: int) -> StoreMember:
    member = _membership(actor, store_id)
    if member.role != StoreMember.Role.OWNER:
        raise NotAllowed(_("Only the store's owner may do this."))
    return member


def _lock_store(store_id: int) -> Store:
    try:
        return Store.objects.select_for_update().get(pk=store_id)
    except Store.DoesNotExist:
        raise NotAllowed(_("No such store.")) from None


def _lock_offer(offer: Offer | int) -> Offer:
    offer_id = offer.pk if isinstance(offer, Offer) else offer
    try:
        return Offer.objects.select_for_update().get(pk=offer_id)
    except Offer.DoesNotExist:
        raise NotAllowed(_("No such offer.")) from None


# --- offers -------------------------------------------------------------------------------


def offer_update_stock(*, actor: Actor, offer: Offer | int, stock: int) -> Offer:
    """Set the offer's stock to what the store really has."""
    try:
        stock = int(stock)
    except (TypeError, ValueError):
        raise RuleViolation(_("The stock must be a whole number."), code="stock") from None
    if stock < 0:
        raise RuleViolation(_("Stock cannot be negative."), code="stock")
    if stock > MAX_STOCK:
        raise RuleViolation(_("The stock cannot exceed %(max)s.") % {"max": MAX_STOCK}, code="stock")
    with transaction.atomic():
        offer = _lock_offer(offer)
        _membership(actor, offer.store_id)
        if offer.stock != stock:
            offer.stock = stock
            stamp(offer, actor, "edit_stock")
            offer.save(update_fields=["stock", "updated_at"])
    return offer


def offer_set_paused(*, actor: Actor, offer: Offer | int, paused: bool) -> Offer:
    """Pause an offer the store cannot ship (hidden from buyers), or put it back on sale."""
    with transaction.atomic():
        offer = _lock_offer(offer)
        _membership(actor, offer.store_id)
        if offer.paused != bool(paused):
            offer.paused = bool(paused)
            stamp(offer, actor, "pause" if paused else "resume")
            offer.save(update_fields=["paused", "updated_at"])
    return offer


# --- store settings -----------------------------------------------------------------------


def store_update_email(*, actor: Actor, store: Store | int, email: str) -> Store:
    """The address that gets new-order messages (empty: the owner's e-mail)."""
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RuleViolation(_("Enter a valid e-mail address."), code="email") from None
    store_id = store.pk if isinstance(store, Store) else store
    with transaction.atomic():
        store = _lock_store(store_id)
        _owner(actor, store.pk)
        if store.email != email:
            store.email = email
            stamp(store, actor, "edit_email")
            store.save(update_fields=["email"])
    return store


def store_update_language(*, actor: Actor, store: Store | int, language: str) -> Store:
    """The language of the store's own contacts: its order e-mail and its Telegram chat."""
    if language not in dict(settings.LANGUAGES):
        raise RuleViolation(_("Choose one of the offered languages."), code="language")
    store_id = store.pk if isinstance(store, Store) else store
    with transaction.atomic():
        store = _lock_store(store_id)
        _owner(actor, store.pk)
        if store.language != language:
            store.language = language
            stamp(store, actor, "edit_language")
            store.save(update_fields=["language"])
    return store


def store_hide_offers(*, actor: Actor, store: Store | int, reason: str) -> Store | None:
    """Hide the store's offers from the storefront (the platform, for repeated expiries, or a
    moderator), stamped with who and why (docs/rules.md §10). Returns the store when this call
    hid them, None when they were hidden already. The caller tells the store."""
    store_id = store.pk if isinstance(store, Store) else store
    with transaction.atomic():
        store = _lock_store(store_id)
        if store.offers_hidden:
            return None
        store.offers_hidden, store.offers_hidden_reason = True, reason[:300]
        stamp(store, actor, "hide_offers", reason)
        store.save(update_fields=["offers_hidden", "offers_hidden_reason"])
    return store


def password_set_link(user) -> str:
    """The one-time link to set a password (Django's password-reset token), built on SITE_URL,
    never on the request's Host."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("cabinet:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SITE_URL}{path}"


def _email_field_length() -> int:
    User = get_user_model()
    return min(User._meta.get_field("email").max_length, User._meta.get_field(User.USERNAME_FIELD).max_length)


def store_member_invite(*, actor: Actor, store: Store | int, email: str) -> StoreMember:
    """The owner adds a manager by e-mail. A new user gets a link to set a password (Django's
    password-reset token); an existing user is told they now have access to the store. The
    e-mail goes through the outbox in the same transaction: a mail service that is down only
    delays it (docs/rules.md §9); a lost one is made good by the password reset, which lets
    invited members without a password in."""
    email = (email or "").strip()
    limit = _email_field_length()
    if len(email) > limit:
        raise RuleViolation(
            _("The e-mail address is too long (at most %(max)s characters).") % {"max": limit}, code="email"
        )
    try:
        validate_email(email)
    except ValidationError:
        raise RuleViolation(_("Enter a valid e-mail address."), code="email") from None
    store_id = store.pk if isinstance(store, Store) else store
    User = get_user_model()
    with transaction.atomic():
        store = _lock_store(store_id)
        _owner(actor, store.pk)
        user = User.objects.filter(email__iexact=email).order_by("pk").first()
        if user is None:
            username = email.lower()
            if User.objects.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists():
                raise RuleViolation(_("A user with this login already exists; ask the platform's support."))
            user = User(**{User.USERNAME_FIELD: username}, email=email.lower())
            user.set_unusable_password()
            user.save()
        elif not user.is_active:
            raise RuleViolation(_("This user's account is disabled; ask the platform's support."), code="inactive")
        if StoreMember.objects.filter(store=store, user=user).exists():
            raise RuleViolation(_("%(email)s is already a member of this store.") % {"email": email}, code="member")
        member = StoreMember.objects.create(store=store, user=user, role=StoreMember.Role.MANAGER)
        inviter = actor.user.get_full_name() or actor.user.get_username()
        notify(
            "member_invited",
            store=store,
            occurrence=member.pk,
            user=user.pk,
            inviter=inviter,
            login=user.get_username(),
            set_password_url="" if user.has_usable_password() else password_set_link(user),
            login_url=f"{settings.SITE_URL}{reverse('cabinet:login')}",
        )
    return member


def store_member_remove(*, actor: Actor, member: StoreMember | int) -> None:
    """The owner removes a manager; the owner cannot be removed here."""
    member_id = member.pk if isinstance(member, StoreMember) else member
    store_id = StoreMember.objects.filter(pk=member_id).values_list("store_id", flat=True).first()
    if store_id is None:
        raise NotAllowed(_("No such member."))
    with transaction.atomic():
        _lock_store(store_id)  # the store first, as every member change does
        _owner(actor, store_id)
        member = StoreMember.objects.select_for_update().filter(pk=member_id, store_id=store_id).first()
        if member is None:
            raise NotAllowed(_("No such member."))
        if member.role == StoreMember.Role.OWNER:
            raise RuleViolation(_("The store's owner cannot be removed."), code="owner")
        member.delete()


# --- password reset -------------------------------------------------------------------------

RESET_PER_ADDRESS_PER_HOUR = 3
RESET_PER_IP_PER_HOUR = 10


def _reset_users(email: str):
    """Who may set a password by e-mail: active users with this address who have a password or
    are a store's member — an invited member whose invitation was lost has none yet."""
    User = get_user_model()
    members = StoreMember.objects.filter(user=OuterRef("pk"))
    return [
        user
        for user in User.objects.filter(email__iexact=email, is_active=True)
        .annotate(member=Exists(members))
        .order_by("pk")
        if user.member or user.has_usable_password()
    ]


def password_reset_request(*, email: str, ip: str | None) -> int:
    """Send a link to set a password to every account with this e-mail (through the outbox, in
    the account owner's language). At most RESET_PER_ADDRESS_PER_HOUR requests per address and
    RESET_PER_IP_PER_HOUR per IP address an hour, whether the address is known or not (the
    answer does not tell). Returns how many messages were written."""
    email = (email or "").strip()
    if not email or len(email) > 254:
        raise RuleViolation(_("Enter a valid e-mail address."), code="email")
    now = clock.now()
    hour_ago = now - timedelta(hours=1)
    with transaction.atomic():
        PasswordResetRequest.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
        recent = PasswordResetRequest.objects.filter(created_at__gte=hour_ago)
        if recent.filter(email=email.lower()).count() >= RESET_PER_ADDRESS_PER_HOUR:
            raise RuleViolation(
                _(
                    "We have already sent several links to this address in the last hour. Check your "
                    "mailbox (and the spam folder), or try again in an hour."
                ),
                code="throttled",
            )
        if ip and recent.filter(ip=ip).count() >= RESET_PER_IP_PER_HOUR:
            raise RuleViolation(
                _("Too many password-reset requests from your network in the last hour. Try again in an hour."),
                code="throttled",
            )
        request = PasswordResetRequest.objects.create(email=email.lower(), ip=ip or None, created_at=now)
        written = 0
        for user in _reset_users(email):
            written += notify(
                "password_reset",
                occurrence=f"reset{request.pk}",
                user=user.pk,
                email=user.email,
                login=user.get_username(),
                reset_url=password_set_link(user),
            )
    return written
