"""Who acts: every service takes an Actor, and history records its kind and user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

MODERATORS_GROUP = "moderators"


class ActorKind(models.TextChoices):
    SELLER = "seller", _("Seller")
    MODERATOR = "moderator", _("Moderator")
    BUYER = "buyer", _("Buyer")
    PLATFORM = "platform", _("Platform")
    CARRIER = "carrier", _("Carrier")


@dataclass(frozen=True)
class Actor:
    kind: str
    user: AbstractBaseUser | None = None

    @classmethod
    def seller(cls, user) -> Actor:
        return cls(ActorKind.SELLER, user)

    @classmethod
    def moderator(cls, user) -> Actor:
        return cls(ActorKind.MODERATOR, user)

    @classmethod
    def buyer(cls) -> Actor:
        return cls(ActorKind.BUYER)

    @classmethod
    def platform(cls) -> Actor:
        return cls(ActorKind.PLATFORM)

    @classmethod
    def carrier(cls) -> Actor:
        return cls(ActorKind.CARRIER)

    @property
    def is_seller(self) -> bool:
        return self.kind == ActorKind.SELLER

    @property
    def label(self) -> str:
        if self.user is not None:
            return f"{ActorKind(self.kind).label}: {self.user.get_username()}"
        return str(ActorKind(self.kind).label)


def is_moderator(user) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.is_staff and user.groups.filter(name=MODERATORS_GROUP).exists()
