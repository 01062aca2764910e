"""The processing policy refuses combinations that make no sense; the platform's cached policy
follows every edit (docs/rules.md §4)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from marketplace import calendar
from marketplace.actors import Actor
from marketplace.errors import RuleViolation
from marketplace.models import PlatformPolicy, ProcessingPolicy
from marketplace.services import platform_policy_update, processing_policy_update

pytestmark = pytest.mark.django_db


def policy(status: str, **changes) -> ProcessingPolicy:
    row = ProcessingPolicy.objects.get(status=status)
    for name, value in changes.items():
        setattr(row, name, value)
    return row


@pytest.mark.parametrize("status", ["new", "accepted", "confirmed", "awaiting_shipment", "awaiting_pickup"])
def test_the_default_policy_is_valid(status):
    policy(status).full_clean()


@pytest.mark.parametrize(
    "status,changes,field,words",
    [
        ("new", {"on_expiry": "remind_pickup"}, "on_expiry", "does not apply"),
        ("confirmed", {"on_expiry": "remind_pickup"}, "on_expiry", "does not apply"),
        ("confirmed", {"on_expiry": "processing_time_expired"}, "on_expiry", "does not apply"),
        ("awaiting_pickup", {"on_expiry": "processing_time_expired"}, "on_expiry", "does not apply"),
        ("new", {"on_expiry": "shipping_time_expired"}, "on_expiry", "does not apply"),
        ("awaiting_pickup", {"on_expiry": "shipping_time_expired"}, "on_expiry", "does not apply"),
        ("new", {"acceptable_minutes": None}, "acceptable_minutes", "needs the number of minutes"),
        ("awaiting_pickup", {"acceptable_minutes": 0}, "acceptable_minutes", "needs the number of minutes"),
        ("confirmed", {"acceptable_minutes": 60}, "acceptable_minutes", "leave the minutes empty"),
        ("new", {"warn_before_minutes": 180}, "warn_before_minutes", "before the deadline"),
        ("new", {"warn_before_minutes": 500}, "warn_before_minutes", "before the deadline"),
        ("new", {"warn_before_minutes": 0}, "warn_before_minutes", "more than 0"),
        ("accepted", {"excellent_minutes": 400}, "excellent_minutes", "cannot be longer"),
    ],
)
def test_nonsense_combinations_are_refused_with_a_clear_message(status, changes, field, words):
    with pytest.raises(ValidationError) as refused:
        policy(status, **changes).full_clean()
    assert field in refused.value.message_dict
    assert words in " ".join(refused.value.message_dict[field])


def test_the_service_refuses_them_and_changes_nothing(moderator):
    before = list(ProcessingPolicy.objects.values())
    revision = PlatformPolicy.get().calendar_revision
    with pytest.raises(RuleViolation, match="does not apply"):
        processing_policy_update(actor=Actor.moderator(moderator), policy=policy("new", on_expiry="remind_pickup"))
    assert list(ProcessingPolicy.objects.values()) == before
    assert PlatformPolicy.get().calendar_revision == revision
    assert not ProcessingPolicy.history.filter(action="policy_edit").exists()


@pytest.mark.parametrize(
    "field,value",
    [("expiry_restrict_count", 7), ("expiry_restrict_days", 10), ("ship_by_max_days", 30), ("fee_percent", 7)],
)
def test_every_platform_policy_edit_reaches_the_cached_platform(moderator, field, value, monkeypatch):
    monkeypatch.setattr(calendar, "REVISION_TTL_SECONDS", 0.0)
    calendar.platform()  # cached
    row = PlatformPolicy.get()
    setattr(row, field, value)
    platform_policy_update(actor=Actor.moderator(moderator), policy=row)
    assert getattr(calendar.platform(), field) == value


def test_an_edit_made_elsewhere_reaches_the_cache_too(monkeypatch, db):
    """Another process's edit (no forget() here): the cache compares every value it holds."""
    monkeypatch.setattr(calendar, "REVISION_TTL_SECONDS", 0.0)
    assert calendar.platform().expiry_restrict_count == 3
    PlatformPolicy.objects.filter(pk=1).update(expiry_restrict_count=5)
    assert calendar.platform().expiry_restrict_count == 5


def test_a_policy_edit_keeps_the_revision_counter_and_bumps_it(moderator):
    row = PlatformPolicy.get()
    stale = PlatformPolicy.get()
    PlatformPolicy.objects.filter(pk=1).update(calendar_revision=41)  # bumped meanwhile by a calendar edit
    stale.ship_by_max_days = 60
    platform_policy_update(actor=Actor.moderator(moderator), policy=stale)
    assert PlatformPolicy.get().calendar_revision == 42 and row.pk == 1
