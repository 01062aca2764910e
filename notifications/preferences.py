"""Per-member notification preferences: which event groups reach a member by which channel.

What the channels mean for a member:
- e-mail: the member's own address (events sent to store members), and for the owner also the
  store's order address (the store's e-mail, else the owner's), which follows the owner's choice;
- Telegram: the store's linked chat, which follows the owner's choice (a manager's Telegram
  choice is kept for when members link chats of their own).

Defaults: every group by e-mail; Telegram for new orders and reminders. Store-account messages
(offers hidden, chat linked or unlinked) cannot be switched off.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.errors import RuleViolation

from .models import Channel, EventGroup, NotificationPreference

DEFAULTS: dict[tuple[str, str], bool] = {
    **{(group, Channel.EMAIL.value): True for group in EventGroup.values},
    **{(group, Channel.TELEGRAM.value): False for group in EventGroup.values},
    (EventGroup.NEW_ORDERS.value, Channel.TELEGRAM.value): True,
    (EventGroup.REMINDERS.value, Channel.TELEGRAM.value): True,
    # A buyer's request waits for the store's answer (docs/rules.md §6): it needs action like a reminder.
    (EventGroup.REQUESTS.value, Channel.TELEGRAM.value): True,
}
# Cannot be switched off: a store must learn that its offers were hidden or its chat (un)linked.
MANDATORY = frozenset({(EventGroup.ACCOUNT.value, channel) for channel in Channel.values})


def effective(choices: dict[tuple[str, str], bool], group: str, channel: str) -> bool:
    """A member's stored choices (possibly empty) applied over the defaults."""
    if (group, channel) in MANDATORY:
        return True
    return choices.get((group, channel), DEFAULTS[(group, channel)])


def choices_by_member(member_ids) -> dict[int, dict[tuple[str, str], bool]]:
    """Stored choices of several members in one query: {member_id: {(group, channel): enabled}}."""
    found: dict[int, dict[tuple[str, str], bool]] = {member_id: {} for member_id in member_ids}
    rows = NotificationPreference.objects.filter(member_id__in=found).values_list(
        "member_id", "group", "channel", "enabled"
    )
    for member_id, group, channel, enabled in rows:
        found[member_id][(group, channel)] = enabled
    return found


def preferences_for(member) -> dict[str, dict[str, bool]]:
    """{group: {channel: enabled}} for every group and channel, defaults filled in.

    Labels: `EventGroup(group).label`, `Channel(channel).label`; `MANDATORY` lists the pairs a
    form should show as fixed."""
    choices = choices_by_member([member.pk])[member.pk]
    return {
        group: {channel: effective(choices, group, channel) for channel in Channel.values}
        for group in EventGroup.values
    }


def preferences_update(member, data: dict[str, dict[str, bool]]) -> dict[str, dict[str, bool]]:
    """Store a member's choices given as {group: {channel: bool}} (any subset); returns the result.

    Unknown groups or channels, non-boolean values and switching off a mandatory pair are refused
    as a whole; nothing is half-saved."""
    wanted: dict[tuple[str, str], bool] = {}
    if not isinstance(data, dict):
        raise RuleViolation(_("Notification preferences are not in the expected form."), code="preferences")
    for group, channels in data.items():
        if group not in EventGroup.values or not isinstance(channels, dict):
            raise RuleViolation(_("Unknown kind of notification."), code="preferences")
        for channel, enabled in channels.items():
            if channel not in Channel.values or not isinstance(enabled, bool):
                raise RuleViolation(_("Unknown notification channel."), code="preferences")
            if (group, channel) in MANDATORY and not enabled:
                raise RuleViolation(
                    _("“%(group)s” by %(channel)s cannot be switched off.")
                    % {"group": EventGroup(group).label, "channel": Channel(channel).label},
                    code="mandatory",
                )
            wanted[(group, channel)] = enabled
    with transaction.atomic():
        for (group, channel), enabled in wanted.items():
            NotificationPreference.objects.update_or_create(
                member=member, group=group, channel=channel, defaults={"enabled": enabled}
            )
    return preferences_for(member)
