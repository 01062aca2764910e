"""Moderators' edits of the platform's settings: the working calendar (non-working periods,
working-day overrides), the processing policy of each status and the platform policy.

Admin calls these and nothing else writes those tables. Each edit is one transaction: the
row is locked, the actor must be a moderator, the values are validated (the models' `clean`),
the row is saved with the history stamp (who, why), and the calendar revision is bumped, so
every process rebuilds its cached calendar and policy and open orders' deadlines are
recomputed after commit (docs/rules.md §4).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from .actors import Actor, ActorKind, is_moderator
from .calendar import calendar_changed
from .errors import NotAllowed, RuleViolation
from .history import stamp
from .models import NonWorkingPeriod, PlatformPolicy, ProcessingPolicy, UserSettings, WorkingDayOverride


def _check_moderator(actor: Actor) -> None:
    if actor.kind != ActorKind.MODERATOR or not is_moderator(actor.user):
        raise NotAllowed(_("Only the platform's moderators change the calendar and the policy."))


def _validated(instance: models.Model) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        raise RuleViolation(" ".join(error.messages), code="invalid") from None


def _lock(model, pk):
    try:
        return model.objects.select_for_update().get(pk=pk)
    except model.DoesNotExist:
        raise NotAllowed(_("No such record.")) from None


def _save(instance: models.Model, *, actor: Actor, action: str, reason: str = "") -> models.Model:
    _check_moderator(actor)
    with transaction.atomic():
        if instance.pk is not None and instance._state.adding is False:
            _lock(type(instance), instance.pk)
        _validated(instance)
        stamp(instance, actor, action, reason)
        instance.save()
        calendar_changed()
    return instance


def _delete(instance: models.Model, *, actor: Actor, action: str, reason: str = "") -> None:
    _check_moderator(actor)
    with transaction.atomic():
        locked = _lock(type(instance), instance.pk)
        stamp(locked, actor, action, reason)
        locked.delete()
        calendar_changed()


# --- the calendar ---------------------------------------------------------------------------


def non_working_period_save(*, actor: Actor, period: NonWorkingPeriod, reason: str = "") -> NonWorkingPeriod:
    """Add or change a closure of the platform (part days allowed)."""
    return _save(period, actor=actor, action="calendar_edit" if period.pk else "calendar_add", reason=reason)


def non_working_period_delete(*, actor: Actor, period: NonWorkingPeriod, reason: str = "") -> None:
    _delete(period, actor=actor, action="calendar_delete", reason=reason)


def working_day_override_save(*, actor: Actor, override: WorkingDayOverride, reason: str = "") -> WorkingDayOverride:
    """Make a weekend day or a public holiday a working day."""
    return _save(override, actor=actor, action="calendar_edit" if override.pk else "calendar_add", reason=reason)


def working_day_override_delete(*, actor: Actor, override: WorkingDayOverride, reason: str = "") -> None:
    _delete(override, actor=actor, action="calendar_delete", reason=reason)


# --- the policies ---------------------------------------------------------------------------


def processing_policy_update(*, actor: Actor, policy: ProcessingPolicy, reason: str = "") -> ProcessingPolicy:
    """Change the limits of one status; a combination the sweep cannot act on is refused."""
    if policy.pk is None:
        raise RuleViolation(_("The processing policy has one row per status; edit the existing one."))
    return _save(policy, actor=actor, action="policy_edit", reason=reason)


def platform_policy_update(*, actor: Actor, policy: PlatformPolicy, reason: str = "") -> PlatformPolicy:
    """Change the fee, the store-restriction thresholds or the ship-by limit."""
    _check_moderator(actor)
    with transaction.atomic():
        PlatformPolicy.get()
        current = _lock(PlatformPolicy, 1)
        policy.pk = 1
        policy._state.adding = False
        policy.calendar_revision = current.calendar_revision  # the counter belongs to calendar_changed()
        _validated(policy)
        stamp(policy, actor, "policy_edit", reason)
        policy.save()
        calendar_changed()
    return policy


# --- a person's own settings ----------------------------------------------------------------


def user_language_set(*, user, language: str) -> UserSettings:
    """The language a user reads the cabinet and admin in and gets their own messages in."""
    if language not in dict(settings.LANGUAGES):
        raise RuleViolation(_("Choose one of the offered languages."), code="language")
    if not (user and user.is_authenticated and user.is_active):
        raise NotAllowed(_("This action is not available to you."))
    with transaction.atomic():
        row, _created = UserSettings.objects.select_for_update().get_or_create(user=user)
        if row.language != language:
            row.language = language
            row.save(update_fields=["language"])
    return row
