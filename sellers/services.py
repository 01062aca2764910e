"""Seller-side writes of the cabinet: offers' stock and pause, store e-mail and language,
members and their invitations; and the platform's restriction of a store.

Each function is one atomic action: the row is locked, the actor's membership (and role,
where it matters) is checked under the lock, the change is stamped for history, messages go
through the outbox in the same transaction.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from marketplace import clock, phones
from marketplace.actors import Actor, ActorKind
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.history import stamp
from notifications.services import notify

from .models import Offer, PasswordResetRequest, Store, StoreInvitation, StoreMember

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


OFFER_PHOTO_MAX_BYTES = 5 * 1024 * 1024
_PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def _photo_extension(upload) -> str:
    """The file extension of an acceptable offer photo (a raster image Pillow can read), or RuleViolation."""
    from PIL import Image, UnidentifiedImageError

    size = getattr(upload, "size", None)
    if size is not None and size > OFFER_PHOTO_MAX_BYTES:
        raise RuleViolation(
            _("The photo is too large: at most %(mb)s MB.") % {"mb": OFFER_PHOTO_MAX_BYTES // (1024 * 1024)},
            code="photo",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        kind = None
    finally:
        upload.seek(0)
    if kind not in _PHOTO_FORMATS:
        raise RuleViolation(_("The photo must be a JPEG, PNG, WebP or GIF image."), code="photo")
    return _PHOTO_FORMATS[kind]


def offer_update_details(
    *,
    actor: Actor,
    offer: Offer | int,
    description: str = "",
    category=None,
    photo=None,
    remove_photo: bool = False,
) -> Offer:
    """What the storefront shows of an offer (sellers/catalog.py): its description, category and
    photo (`photo`: an uploaded image to replace it, None to keep it; `remove_photo` drops it).
    Stamped for history; a save that changes nothing writes none."""
    from .models import OFFER_DESCRIPTION_MAX

    description = (description or "").strip().replace("\r\n", "\n")
    if len(description) > OFFER_DESCRIPTION_MAX:
        raise RuleViolation(
            _("The description is too long (at most %(max)s characters).") % {"max": OFFER_DESCRIPTION_MAX},
            code="description",
        )
    extension = _photo_extension(photo) if photo is not None else ""
    with transaction.atomic():
        offer = _lock_offer(offer)
        _membership(actor, offer.store_id)
        category_id = category.pk if category is not None and not isinstance(category, int) else category
        changed = []
        if offer.description != description:
            offer.description = description
            changed.append("description")
        if offer.category_id != category_id:
            offer.category_id = category_id
            changed.append("category")
        old_photo = offer.photo.name
        if photo is not None:
            offer.photo.save(f"offer-{offer.pk}-{secrets.token_hex(6)}.{extension}", photo, save=False)
            changed.append("photo")
        elif remove_photo and old_photo:
            offer.photo = ""
            changed.append("photo")
        if changed:
            stamp(offer, actor, "edit_details")
            offer.save(update_fields=[*changed, "updated_at"])
        if "photo" in changed and old_photo:
            storage = offer.photo.storage
            transaction.on_commit(lambda: storage.delete(old_photo))
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


PROFILE_TEXT_MAX = 300  # Store.pickup_address, Store.pickup_hours
LOGO_MAX_BYTES = 512 * 1024
# A logo is shown on the buyer's page: only raster images whose first bytes say what they are
# (no SVG, which can carry scripts), kept as a FileField without an imaging library.
_LOGO_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


def _logo_extension(upload) -> str:
    """The file extension of an acceptable logo upload, or RuleViolation."""
    size = getattr(upload, "size", None)
    if size is not None and size > LOGO_MAX_BYTES:
        raise RuleViolation(
            _("The logo is too large: at most %(kb)s KB.") % {"kb": LOGO_MAX_BYTES // 1024}, code="logo"
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, extension in _LOGO_SIGNATURES:
        if head.startswith(signature):
            return extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    raise RuleViolation(_("The logo must be a PNG, JPEG, GIF or WebP image."), code="logo")


def store_update_profile(
    *,
    actor: Actor,
    store: Store | int,
    pickup_address: str = "",
    pickup_hours: str = "",
    phone: str = "",
    logo=None,
    remove_logo: bool = False,
) -> Store:
    """The store's public profile, the owner's: the pickup address and hours and the phone buyers
    of pickup orders read on their page and in their e-mails, and a logo (`logo`: an uploaded
    file to replace it, None to keep it; `remove_logo` drops it). Stamped for history; a save
    that changes nothing writes none."""
    values = {
        "pickup_address": " ".join((pickup_address or "").split()),
        "pickup_hours": " ".join((pickup_hours or "").split()),
    }
    labels = {"pickup_address": _("The pickup address"), "pickup_hours": _("The pickup hours")}
    for field, value in values.items():
        if len(value) > PROFILE_TEXT_MAX:
            raise RuleViolation(
                _("%(what)s is too long (at most %(max)s characters).")
                % {"what": labels[field], "max": PROFILE_TEXT_MAX},
                code=field,
            )
    phone = (phone or "").strip()
    if phone:
        if not phones.is_valid(phone):
            raise RuleViolation(_("Enter a valid phone number, for example +380 50 123 4567."), code="phone")
        phone = phones.normalize(phone)
    values["phone"] = phone
    extension = _logo_extension(logo) if logo is not None else ""
    store_id = store.pk if isinstance(store, Store) else store
    with transaction.atomic():
        store = _lock_store(store_id)
        _owner(actor, store.pk)
        changed = [field for field, value in values.items() if getattr(store, field) != value]
        for field in changed:
            setattr(store, field, values[field])
        old_logo = store.logo.name
        if logo is not None:
            store.logo.save(f"store-{store.pk}-{secrets.token_hex(6)}.{extension}", logo, save=False)
            changed.append("logo")
        elif remove_logo and old_logo:
            store.logo = ""
            changed.append("logo")
        if changed:
            stamp(store, actor, "edit_profile")
            store.save(update_fields=changed)
        if "logo" in changed and old_logo:
            storage = store.logo.storage
            transaction.on_commit(lambda: storage.delete(old_logo))
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


SUSPEND_REASON_MAX = 500


def _moderator_reason(actor: Actor, reason: str) -> str:
    from marketplace.actors import is_moderator

    if actor.kind != ActorKind.MODERATOR or not is_moderator(actor.user):
        raise NotAllowed(_("Only moderators may do this."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise RuleViolation(_("Give the reason: the store is told it."), code="reason")
    if len(reason) > SUSPEND_REASON_MAX:
        raise RuleViolation(
            _("The reason is too long (at most %(max)s characters).") % {"max": SUSPEND_REASON_MAX}, code="reason"
        )
    return reason


def store_suspend(*, actor: Actor, store: Store | int, reason: str) -> Store:
    """A moderator suspends the store with a reason (docs/rules.md §10): the storefront hides all of
    its offers (sellers.catalog) until a moderator unsuspends it; in the store's history, and the
    owner is told why."""
    reason = _moderator_reason(actor, reason)
    store_id = store.pk if isinstance(store, Store) else store
    with transaction.atomic():
        store = _lock_store(store_id)
        if store.is_suspended:
            raise RuleViolation(_("The store is suspended already."), code="suspended")
        store.is_suspended = True
        stamp(store, actor, "suspend", reason)
        store.save(update_fields=["is_suspended"])
        now = clock.now()
        notify("store_suspended", store=store, occurrence=f"suspended@{now.isoformat()}", reason=reason)
    return store


def store_unsuspend(*, actor: Actor, store: Store | int, reason: str) -> Store:
    """A moderator lifts the store's suspension with a reason: its offers are listed again (unless
    hidden for another cause); in the store's history, and the owner is told why."""
    reason = _moderator_reason(actor, reason)
    store_id = store.pk if isinstance(store, Store) else store
    with transaction.atomic():
        store = _lock_store(store_id)
        if not store.is_suspended:
            raise RuleViolation(_("The store is not suspended."), code="not_suspended")
        store.is_suspended = False
        stamp(store, actor, "unsuspend", reason)
        store.save(update_fields=["is_suspended"])
        now = clock.now()
        notify("store_unsuspended", store=store, occurrence=f"unsuspended@{now.isoformat()}", reason=reason)
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


def store_member_invite(*, actor: Actor, store: Store | int, email: str) -> StoreInvitation:
    """The owner invites a manager by e-mail. Nothing gives access yet: the invitee gets a
    signed link that expires in INVITATION_DAYS days, and becomes a member only by accepting it
    (store_invitation_accept). A person without an account gets one without a password (no
    store, no password: it cannot sign in), set on the acceptance form. Inviting an address
    with an open invitation sends it again with a fresh link (`times_sent` tells). The e-mail
    goes through the outbox in the same transaction: a mail service that is down only delays
    it (docs/rules.md §9)."""
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
        if user is not None and not user.is_active:
            raise RuleViolation(_("This user's account is disabled; ask the platform's support."), code="inactive")
        if user is not None and StoreMember.objects.filter(store=store, user=user).exists():
            raise RuleViolation(_("%(email)s is already a member of this store.") % {"email": email}, code="member")
        open_one = _open_invitations(store).select_for_update().filter(email=email.lower()).first()
        if open_one is not None:
            return _send_invitation(open_one, actor, resend=True)
        if user is None:
            username = email.lower()
            if User.objects.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists():
                raise RuleViolation(_("A user with this login already exists; ask the platform's support."))
            user = User(**{User.USERNAME_FIELD: username}, email=email.lower())
            user.set_unusable_password()
            user.save()
        now = clock.now()
        invitation = StoreInvitation(
            store=store, email=email.lower(), user=user, invited_by=actor.user, created_at=now, times_sent=0
        )
        return _send_invitation(invitation, actor, resend=False, now=now)


# --- invitations ----------------------------------------------------------------------------

INVITATION_DAYS = 7
_INVITATION_SALT = "sellers.invitation"


def _open_invitations(store: Store | int):
    return StoreInvitation.objects.filter(
        store=store, accepted_at__isnull=True, declined_at__isnull=True, revoked_at__isnull=True
    )


def invitation_link(invitation: StoreInvitation) -> str:
    """The invitee's link, built on SITE_URL: the invitation's id and its current nonce, signed
    with the site's key (a changed character fails the signature). Its expiry is the row's
    `expires_at`, read from the platform's clock; a re-send changes the nonce, so only the
    latest link works."""
    token = signing.Signer(salt=_INVITATION_SALT).sign_object([invitation.pk, invitation.nonce])
    return f"{settings.SITE_URL}{reverse('cabinet:invitation', kwargs={'token': token})}"


def _send_invitation(invitation: StoreInvitation, actor: Actor, *, resend: bool, now=None) -> StoreInvitation:
    """A fresh link and expiry, saved with the history stamp, and the e-mail in the outbox.
    The caller holds the store (and an existing invitation) locked."""
    now = now or clock.now()
    invitation.nonce = secrets.token_urlsafe(24)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=INVITATION_DAYS)
    invitation.times_sent += 1
    stamp(invitation, actor, "resend" if resend else "invite")
    invitation.save()
    user = invitation.user
    inviter = actor.user.get_full_name() or actor.user.get_username()
    notify(
        "member_invited",
        store=invitation.store,
        occurrence=f"invitation{invitation.pk}.{invitation.times_sent}",
        user=user.pk,
        inviter=inviter,
        login=user.get_username(),
        new_account=not user.has_usable_password(),
        accept_url=invitation_link(invitation),
        expires_at=invitation.expires_at,
    )
    return invitation


def _owned_invitation(actor: Actor, invitation: StoreInvitation | int) -> StoreInvitation:
    """The invitation locked (after its store, as every member change locks), its store's owner
    checked under the lock; it must still be open."""
    invitation_id = invitation.pk if isinstance(invitation, StoreInvitation) else invitation
    store_id = StoreInvitation.objects.filter(pk=invitation_id).values_list("store_id", flat=True).first()
    if store_id is None:
        raise NotAllowed(_("No such invitation."))
    _lock_store(store_id)
    _owner(actor, store_id)
    invitation = StoreInvitation.objects.select_for_update().select_related("store", "user").get(pk=invitation_id)
    if not invitation.is_open:
        raise RuleViolation(_("This invitation is no longer open."), code="closed")
    return invitation


def store_invitation_resend(*, actor: Actor, invitation: StoreInvitation | int) -> StoreInvitation:
    """The owner sends an open invitation again: a new link (the older one stops working) and a
    new expiry."""
    with transaction.atomic():
        invitation = _owned_invitation(actor, invitation)
        if StoreMember.objects.filter(store_id=invitation.store_id, user_id=invitation.user_id).exists():
            raise RuleViolation(
                _("%(email)s is already a member of this store.") % {"email": invitation.email}, code="member"
            )
        return _send_invitation(invitation, actor, resend=True)


def store_invitation_revoke(*, actor: Actor, invitation: StoreInvitation | int) -> StoreInvitation:
    """The owner withdraws an open invitation: its link gives nothing from now on."""
    with transaction.atomic():
        invitation = _owned_invitation(actor, invitation)
        invitation.revoked_at = clock.now()
        stamp(invitation, actor, "revoke")
        invitation.save(update_fields=["revoked_at"])
    return invitation


def _invitation_id(token: str) -> tuple[int, str]:
    try:
        pk, nonce = signing.Signer(salt=_INVITATION_SALT).unsign_object(token or "")
        return int(pk), str(nonce)
    except (signing.BadSignature, TypeError, ValueError):
        raise RuleViolation(
            _(
                "This invitation link is not valid. Open the whole link from the e-mail, or ask the store's "
                "owner for a new one."
            ),
            code="invalid",
        ) from None


def _usable(invitation: StoreInvitation | None, nonce: str) -> StoreInvitation:
    """The invitation if its link still works, else RuleViolation saying why not."""
    if invitation is None:
        raise RuleViolation(
            _("This invitation link is not valid. Ask the store's owner for a new one."), code="invalid"
        )
    if invitation.accepted_at is not None:
        raise RuleViolation(_("This invitation has already been accepted."), code="used")
    if invitation.declined_at is not None:
        raise RuleViolation(_("This invitation was declined."), code="declined")
    if invitation.revoked_at is not None:
        raise RuleViolation(_("The store's owner has withdrawn this invitation."), code="revoked")
    if not constant_time_compare(invitation.nonce, nonce):
        raise RuleViolation(
            _("A newer invitation was sent to this address: use the link in the latest e-mail."), code="replaced"
        )
    if invitation.expires_at <= clock.now():
        raise RuleViolation(_("This invitation has expired. Ask the store's owner to send it again."), code="expired")
    if not invitation.user.is_active:
        raise RuleViolation(_("This user's account is disabled; ask the platform's support."), code="inactive")
    return invitation


def store_invitation_for_link(token: str) -> StoreInvitation:
    """The open invitation a link names (for the acceptance page; nothing is changed), or
    RuleViolation: tampered, expired, revoked, declined, already used or replaced by a newer one."""
    pk, nonce = _invitation_id(token)
    invitation = StoreInvitation.objects.select_related("store", "user", "invited_by").filter(pk=pk).first()
    return _usable(invitation, nonce)


def _lock_invitation(token: str) -> StoreInvitation:
    pk, nonce = _invitation_id(token)
    store_id = StoreInvitation.objects.filter(pk=pk).values_list("store_id", flat=True).first()
    if store_id is not None:
        _lock_store(store_id)
    invitation = StoreInvitation.objects.select_for_update().select_related("store", "user").filter(pk=pk).first()
    return _usable(invitation, nonce)


def store_invitation_accept(*, token: str, user=None, password: str | None = None) -> StoreMember:
    """The invitee accepts: the store's manager from now on, once. `user` is who is signed in:
    it must be the invited account. Nobody signed in: only an account without a password (a
    new person) accepts, setting `password` in the same transaction; an account with a password
    must sign in first. The invitation's history records who accepted and when."""
    signed_in = user is not None and user.is_authenticated
    with transaction.atomic():
        invitation = _lock_invitation(token)
        invitee = invitation.user
        if signed_in and user.pk != invitee.pk:
            raise NotAllowed(
                _("This invitation is for %(email)s: sign in as that account to accept it.")
                % {"email": invitation.email}
            )
        if not signed_in:
            if invitee.has_usable_password():
                raise NotAllowed(_("Sign in as %(email)s to accept this invitation.") % {"email": invitation.email})
            if not password:
                raise RuleViolation(_("Choose a password for your account."), code="password")
            try:
                password_validation.validate_password(password, invitee)
            except ValidationError as error:
                raise RuleViolation(" ".join(error.messages), code="password") from None
            invitee.set_password(password)
            invitee.save(update_fields=["password"])
        member, _created = StoreMember.objects.get_or_create(
            store=invitation.store, user=invitee, defaults={"role": StoreMember.Role.MANAGER}
        )
        invitation.accepted_at = clock.now()
        stamp(invitation, Actor.seller(invitee), "accept")
        invitation.save(update_fields=["accepted_at"])
        _tell_owner(invitation, accepted=True)
    return member


def store_invitation_decline(*, token: str) -> StoreInvitation:
    """The invitee declines (whoever holds the link sent to the address): no access, the link is
    used up; the owner may invite the address again."""
    with transaction.atomic():
        invitation = _lock_invitation(token)
        invitation.declined_at = clock.now()
        stamp(invitation, Actor.seller(invitation.user), "decline")
        invitation.save(update_fields=["declined_at"])
        _tell_owner(invitation, accepted=False)
    return invitation


def _tell_owner(invitation: StoreInvitation, *, accepted: bool) -> None:
    """The owner learns the invitee's answer (an accepted invitation is a new member with access)."""
    notify(
        "invitation_answered",
        store=invitation.store,
        occurrence=f"invitation{invitation.pk}.answer",
        email=invitation.email,
        accepted=accepted,
        settings_url=f"{settings.SITE_URL}{reverse('cabinet:store_settings')}",
    )


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
