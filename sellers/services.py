"""Seller-side writes of the cabinet: offers' stock and pause, store e-mail, members.

Each function is one atomic action: the actor's membership (and role, where it matters) is
checked under the transaction, the change is stamped for history, e-mails go on commit.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from marketplace.actors import Actor, ActorKind
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.history import stamp

from .models import Offer, Store, StoreMember

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
        store = Store.objects.select_for_update().get(pk=store_id)
        _owner(actor, store.pk)
        store.email = email
        store.save(update_fields=["email"])
    return store


def _password_set_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("cabinet:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SITE_URL}{path}"


def _send_invitation(member_id: int, inviter_name: str) -> None:
    member = StoreMember.objects.select_related("store", "user").get(pk=member_id)
    user = member.user
    context = {
        "store": member.store,
        "user": user,
        "inviter": inviter_name,
        "set_password_url": "" if user.has_usable_password() else _password_set_link(user),
        "login_url": f"{settings.SITE_URL}{reverse('cabinet:login')}",
    }
    subject = "".join(render_to_string("registration/invite_subject.txt", context).splitlines())
    body = render_to_string("registration/invite_email.txt", context)
    send_mail(subject, body, None, [user.email])


def store_member_invite(*, actor: Actor, store: Store | int, email: str) -> StoreMember:
    """The owner adds a manager by e-mail. A new user gets a link to set a password (Django's
    password-reset token); an existing user is told they now have access to the store."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise RuleViolation(_("Enter a valid e-mail address."), code="email") from None
    store_id = store.pk if isinstance(store, Store) else store
    User = get_user_model()
    with transaction.atomic():
        store = Store.objects.select_for_update().get(pk=store_id)
        _owner(actor, store.pk)
        user = User.objects.filter(email__iexact=email).order_by("pk").first()
        if user is None:
            username = email.lower()[: User._meta.get_field(User.USERNAME_FIELD).max_length]
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
        transaction.on_commit(lambda: _send_invitation(member.pk, inviter))
    return member


def store_member_remove(*, actor: Actor, member: StoreMember | int) -> None:
    """The owner removes a manager; the owner cannot be removed here."""
    member_id = member.pk if isinstance(member, StoreMember) else member
    with transaction.atomic():
        try:
            member = StoreMember.objects.select_for_update().get(pk=member_id)
        except StoreMember.DoesNotExist:
            raise NotAllowed(_("No such member.")) from None
        _owner(actor, member.store_id)
        if member.role == StoreMember.Role.OWNER:
            raise RuleViolation(_("The store's owner cannot be removed."), code="owner")
        member.delete()
