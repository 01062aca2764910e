"""Members' notification preferences: defaults, updates, refusals."""

import pytest

from marketplace.errors import RuleViolation
from notifications.models import NotificationPreference
from notifications.preferences import preferences_for, preferences_update
from sellers.models import StoreMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(store, manager):
    return StoreMember.objects.get(store=store, user=manager)


def test_defaults_all_email_and_telegram_for_what_needs_action(member):
    """Telegram by default for new orders, reminders and requests (a buyer's request waits for the
    store's answer, docs/rules.md §6), and the account's mandatory messages."""
    prefs = preferences_for(member)
    assert all(channels["email"] for channels in prefs.values())
    assert {group for group, channels in prefs.items() if channels["telegram"]} == {
        "new_orders",
        "reminders",
        "requests",
        "account",
    }
    assert NotificationPreference.objects.count() == 0  # defaults are not stored


def test_update_stores_choices_and_returns_the_result(member):
    prefs = preferences_update(
        member, {"reminders": {"email": False, "telegram": False}, "cancellations": {"telegram": True}}
    )
    assert prefs["reminders"] == {"email": False, "telegram": False}
    assert prefs["cancellations"] == {"email": True, "telegram": True}
    assert preferences_for(member) == prefs
    preferences_update(member, {"reminders": {"email": True}})
    assert preferences_for(member)["reminders"]["email"] is True
    assert NotificationPreference.objects.count() == 3


@pytest.mark.parametrize(
    "data",
    [
        {"nonsense": {"email": True}},
        {"reminders": {"pigeon": True}},
        {"reminders": {"email": "yes"}},
        {"reminders": ["email"]},
        {"account": {"email": False}},
        ["reminders"],
    ],
)
def test_bad_or_forbidden_choices_are_refused_whole(member, data):
    with pytest.raises(RuleViolation):
        preferences_update(member, {"new_orders": {"email": False}, **data} if isinstance(data, dict) else data)
    assert NotificationPreference.objects.count() == 0
