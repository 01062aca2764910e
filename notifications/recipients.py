"""Who an audience is, for one occurrence: addresses, channels and languages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.contrib.auth import get_user_model

from marketplace.actors import MODERATORS_GROUP
from marketplace.models import UserSettings
from sellers.models import StoreMember

from . import preferences
from .models import Audience, Channel


@dataclass(frozen=True)
class Recipient:
    audience: str
    channel: str
    address: str  # an e-mail address or a Telegram chat id
    language: str
    side: str  # buyer / seller / moderator / chat: an address gets one message per side and occurrence


def user_language(user) -> str:
    """A person's own language (their settings; the platform's when they chose none). The user
    comes with `select_related("settings")`."""
    try:
        return user.settings.language
    except UserSettings.DoesNotExist:
        return settings.LANGUAGE_CODE


def telegram_enabled() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN)


class StoreAudience:
    """A store's members and their choices, read once per notify() call."""

    def __init__(self, store):
        self.store = store

    @cached_property
    def members(self) -> list[StoreMember]:
        return list(StoreMember.objects.filter(store=self.store).select_related("user__settings").order_by("pk"))

    @cached_property
    def choices(self):
        return preferences.choices_by_member([member.pk for member in self.members])

    @cached_property
    def owner(self) -> StoreMember | None:
        return next((m for m in self.members if m.role == StoreMember.Role.OWNER), None)

    def wants(self, member: StoreMember | None, group: str, channel: str) -> bool:
        choices = self.choices.get(member.pk, {}) if member is not None else {}
        return preferences.effective(choices, group, channel)

    def contacts(self, group: str, channels: tuple[str, ...]) -> list[Recipient]:
        """The store's order e-mail (the store's, else the owner's) and its Telegram chat;
        both follow the owner's choices."""
        found = []
        store, owner = self.store, self.owner
        if Channel.EMAIL in channels and self.wants(owner, group, Channel.EMAIL):
            if store.email:
                found.append(Recipient(Audience.STORE, Channel.EMAIL, store.email, store.language, "seller"))
            elif owner is not None and owner.user.is_active and owner.user.email:
                # The store's contact: the store's language, even when it is the owner's address.
                found.append(Recipient(Audience.STORE, Channel.EMAIL, owner.user.email, store.language, "seller"))
        if (
            Channel.TELEGRAM in channels
            and store.telegram_chat_id
            and telegram_enabled()
            and self.wants(owner, group, Channel.TELEGRAM)
        ):
            found.append(
                Recipient(Audience.STORE, Channel.TELEGRAM, str(store.telegram_chat_id), store.language, "seller")
            )
        return found

    def personal(self, group: str, *, owner_only: bool = False) -> list[Recipient]:
        members = [self.owner] if owner_only else self.members
        return [
            Recipient(
                Audience.OWNER if owner_only else Audience.MEMBERS,
                Channel.EMAIL,
                m.user.email,
                user_language(m.user),
                "seller",
            )
            for m in members
            if m is not None and m.user.is_active and m.user.email and self.wants(m, group, Channel.EMAIL)
        ]


def store_audiences(stores) -> dict[int, StoreAudience]:
    """The audiences of several stores at once (a sweep batch's expiry lists): their members in
    one query and the members' choices in one more, instead of two queries per store."""
    stores = {store.pk: store for store in stores}
    if not stores:
        return {}
    members: dict[int, list[StoreMember]] = {pk: [] for pk in stores}
    for member in StoreMember.objects.filter(store__in=list(stores)).select_related("user__settings").order_by("pk"):
        members[member.store_id].append(member)
    choices = preferences.choices_by_member([m.pk for group in members.values() for m in group])
    audiences = {}
    for pk, store in stores.items():
        audience = audiences[pk] = StoreAudience(store)
        # The cached properties, filled as StoreAudience would read them for this store alone.
        audience.__dict__["members"] = members[pk]
        audience.__dict__["choices"] = {m.pk: choices[m.pk] for m in members[pk]}
    return audiences


def moderators() -> list[Recipient]:
    rows = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name=MODERATORS_GROUP)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", "settings__language")
        .distinct()
    )
    seen, found = set(), []
    for email, language in rows:
        if email.lower() not in seen:
            seen.add(email.lower())
            found.append(
                Recipient(Audience.MODERATORS, Channel.EMAIL, email, language or settings.LANGUAGE_CODE, "moderator")
            )
    return found


def person(user_id: int) -> list[Recipient]:
    """One member by their user id (an invitation, a password reset): their own e-mail in their
    own language. Messages about the account always come, so no preference applies."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).select_related("settings").first()
    if user is None or not user.email:
        return []
    return [Recipient(Audience.MEMBERS, Channel.EMAIL, user.email, user_language(user), "seller")]


def resolve(route, *, order, store_audience: StoreAudience | None, params: dict) -> list[Recipient]:
    audience = route.audience
    if audience == Audience.BUYER:
        if order is None or not order.buyer_email:
            return []
        return [Recipient(audience, Channel.EMAIL, order.buyer_email, order.buyer_language, "buyer")]
    if audience == Audience.MODERATORS:
        return moderators()
    if audience == Audience.MEMBERS and params.get("user") is not None:
        return person(params["user"])
    if audience == Audience.CHAT:
        if not telegram_enabled():
            return []
        language = params.get("language") if params.get("language") in dict(settings.LANGUAGES) else "uk"
        return [Recipient(audience, Channel.TELEGRAM, str(int(params["chat_id"])), language, "chat")]
    if store_audience is None:
        return []
    if audience == Audience.STORE:
        found = store_audience.contacts(route.group, route.channels)
    elif audience == Audience.MEMBERS:
        found = store_audience.personal(route.group)
    elif audience == Audience.OWNER:
        found = store_audience.personal(route.group, owner_only=True)
        if Channel.TELEGRAM in route.channels:
            found += [r for r in store_audience.contacts(route.group, (Channel.TELEGRAM,))]
    else:  # pragma: no cover - the registry only names the audiences above
        raise ValueError(f"Unknown audience {audience!r}")
    return [r for r in found if r.channel in route.channels]
