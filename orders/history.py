"""History context: who (actor kind) and why (action) on every historical row.

Services call `stamp()` before saving; simple-history copies the stamp into the row
through its documented `pre_create_historical_record` signal (metadata only, no logic).
"""

from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.signals import pre_create_historical_record

from marketplace.actors import Actor, ActorKind


class HistoryContext(models.Model):
    actor_kind = models.CharField(_("actor"), max_length=16, choices=ActorKind.choices, blank=True)
    action = models.CharField(_("action"), max_length=40, blank=True)

    class Meta:
        abstract = True


def stamp(instance, actor: Actor, action: str, reason: str = "") -> None:
    instance._history_user = actor.user
    instance._history_actor_kind = actor.kind
    instance._history_action = action
    instance._change_reason = reason or None


@receiver(pre_create_historical_record)
def _copy_stamp(sender, instance, history_instance, **kwargs):
    if isinstance(history_instance, HistoryContext):
        history_instance.actor_kind = getattr(instance, "_history_actor_kind", "") or ""
        history_instance.action = getattr(instance, "_history_action", "") or ""
