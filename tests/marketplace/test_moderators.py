"""Moderators: their group and permissions come from a migration; every edit of the calendar
and the policies goes through marketplace.services with history (who, why)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone, translation

from marketplace import clock
from marketplace.actors import MODERATORS_GROUP, Actor
from marketplace.errors import NotAllowed
from marketplace.models import (
    NonWorkingPeriod,
    PlatformPolicy,
    ProcessingPolicy,
    UserSettings,
    WorkingDayOverride,
)
from marketplace.services import non_working_period_delete, non_working_period_save, working_day_override_save
from notifications.recipients import moderators
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client(client, moderator, settings):
    client.force_login(moderator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # admin is asserted in English
    return client


def test_the_group_exists_without_any_seed():
    group = Group.objects.get(name=MODERATORS_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {
        "change_nonworkingperiod",
        "add_nonworkingperiod",
        "change_workingdayoverride",
        "change_processingpolicy",
        "change_platformpolicy",
        "view_historicalstore",
    } <= codenames


def _period(**changes):
    start = clock.now() + timedelta(days=10)
    values = {"title": "New Year", "starts_at": start, "ends_at": start + timedelta(days=2)}
    return NonWorkingPeriod(**{**values, **changes})


def test_a_calendar_edit_is_stamped_and_bumps_the_revision(moderator, django_capture_on_commit_callbacks):
    revision = PlatformPolicy.get().calendar_revision
    with django_capture_on_commit_callbacks() as callbacks:
        period = non_working_period_save(actor=Actor.moderator(moderator), period=_period(), reason="holidays")
    assert callbacks  # the deadlines' recompute is scheduled after commit
    assert PlatformPolicy.get().calendar_revision == revision + 1
    row = period.history.get()
    assert (row.history_user, row.actor_kind, row.action, row.history_change_reason) == (
        moderator,
        "moderator",
        "calendar_add",
        "holidays",
    )
    non_working_period_delete(actor=Actor.moderator(moderator), period=period)
    assert NonWorkingPeriod.history.filter(history_type="-", action="calendar_delete").exists()


@pytest.mark.parametrize("who", ["seller", "staff_outside_the_group"])
def test_only_moderators_edit_the_calendar(owner, who):
    user = owner if who == "seller" else make_user("staffer", is_staff=True)
    actor = Actor.seller(user) if who == "seller" else Actor.moderator(user)
    with pytest.raises(NotAllowed):
        non_working_period_save(actor=actor, period=_period())
    with pytest.raises(NotAllowed):
        working_day_override_save(actor=actor, override=WorkingDayOverride(date=clock.today()))
    assert not NonWorkingPeriod.objects.exists() and not WorkingDayOverride.objects.exists()


def test_moderator_edits_the_policy_in_admin_through_the_service(moderator_client, moderator):
    row = ProcessingPolicy.objects.get(status="new")
    url = reverse("admin:marketplace_processingpolicy_change", args=[row.pk])
    assert moderator_client.get(url).status_code == 200
    data = {
        "excellent_minutes": 60,
        "deadline": "working_minutes",
        "acceptable_minutes": 240,
        "warn_before_minutes": 30,
        "on_expiry": "processing_time_expired",
    }
    revision = PlatformPolicy.get().calendar_revision
    assert moderator_client.post(url, data).status_code == 302
    row.refresh_from_db()
    assert row.acceptable_minutes == 240 and PlatformPolicy.get().calendar_revision == revision + 1
    latest = row.history.latest("history_date")
    assert (latest.history_user, latest.actor_kind, latest.action) == (moderator, "moderator", "policy_edit")


def test_the_admin_form_refuses_a_nonsense_policy_with_the_message(moderator_client):
    row = ProcessingPolicy.objects.get(status="new")
    url = reverse("admin:marketplace_processingpolicy_change", args=[row.pk])
    data = {
        "excellent_minutes": 60,
        "deadline": "working_minutes",
        "acceptable_minutes": 180,
        "warn_before_minutes": 30,
        "on_expiry": "remind_pickup",
    }
    response = moderator_client.post(url, data)
    assert response.status_code == 200 and "does not apply" in response.content.decode()
    row.refresh_from_db()
    assert row.on_expiry == "processing_time_expired"


def test_moderator_edits_the_platform_policy_in_admin(moderator_client, moderator):
    url = reverse("admin:marketplace_platformpolicy_change", args=[1])
    PlatformPolicy.get()
    data = {
        "fee_percent": "5.00",
        "expiry_restrict_count": 4,
        "expiry_restrict_days": 30,
        "ship_by_max_days": 90,
        "buyer_cancel_mode": "request",
        "request_window_counting": "working",
        "request_accept_hours": 24,
        "request_expire_hours": 48,
        "follow_up_working_minutes": 240,
        "dispute_take_working_minutes": 660,
        "late_delivery_after_days": 3,
        "reorder_offer_hours": 72,
    }
    assert moderator_client.post(url, data).status_code == 302
    policy = PlatformPolicy.get()
    assert (policy.expiry_restrict_count, policy.buyer_cancel_mode, policy.request_window_counting) == (
        4,
        "request",
        "working",
    )
    # The answer window must end before the request goes through: refused with the sentence on the field.
    response = moderator_client.post(url, {**data, "request_expire_hours": 24})
    assert response.status_code == 200 and "after the answer window" in response.content.decode()
    assert PlatformPolicy.get().request_expire_hours == 48
    assert PlatformPolicy.history.latest("history_date").history_user == moderator


def test_moderators_get_messages_in_their_own_language(moderator):
    other = make_user("moderator2", email="mod2@example.com", is_staff=True)
    other.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    UserSettings.objects.create(user=moderator, language="en")
    assert {(r.address, r.language) for r in moderators()} == {("mod@example.com", "en"), ("mod2@example.com", "uk")}


def test_a_moderator_sets_their_language_in_admin_and_admin_speaks_it(moderator_client, moderator):
    response = moderator_client.post(reverse("admin:marketplace_usersettings_add"), {"language": "en"})
    assert response.status_code == 302
    assert UserSettings.objects.get(user=moderator).language == "en"
    moderator_client.force_login(moderator)  # the next sign-in
    assert moderator_client.get(reverse("admin:index")).headers["Content-Language"] == "en"


# --- the admin speaks in sentences and labels (issue 11, "Admin for moderators") ---------------

POLICY_FORM = {
    "excellent_minutes": 60,
    "deadline": "working_minutes",
    "acceptable_minutes": 180,
    "warn_before_minutes": 30,
    "on_expiry": "processing_time_expired",
}


def _admin_en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _period_form(start, end, **extra):
    data = {
        "title": "New Year",
        "starts_at_0": start.strftime("%Y-%m-%d"),
        "starts_at_1": start.strftime("%H:%M"),
        "ends_at_0": end.strftime("%Y-%m-%d"),
        "ends_at_1": end.strftime("%H:%M"),
        "announcement": "",
        "announce_from_0": "",
        "announce_from_1": "",
    }
    return {**data, **extra}


def test_a_period_that_ends_before_it_starts_gets_a_sentence_on_its_end(moderator_client):
    _admin_en(moderator_client)
    start = timezone.localtime(clock.now()) + timedelta(days=10)
    response = moderator_client.post(
        reverse("admin:marketplace_nonworkingperiod_add"), _period_form(start, start - timedelta(hours=3))
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    with translation.override("en"):
        assert form.errors == {"ends_at": ["The period must end after it starts."]}
    html = response.content.decode()
    assert "period_ends_after_start" not in html and "Constraint" not in html
    assert not NonWorkingPeriod.objects.exists()


def test_an_announcement_after_the_period_is_refused_on_its_field(moderator_client):
    _admin_en(moderator_client)
    start = timezone.localtime(clock.now()) + timedelta(days=10)
    late = start + timedelta(days=3)
    data = _period_form(
        start,
        start + timedelta(days=2),
        announce_from_0=late.strftime("%Y-%m-%d"),
        announce_from_1=late.strftime("%H:%M"),
    )
    response = moderator_client.post(reverse("admin:marketplace_nonworkingperiod_add"), data)
    assert list(response.context["adminform"].form.errors) == ["announce_from"]
    assert not NonWorkingPeriod.objects.exists()


def test_the_override_list_says_the_day_becomes_working_and_what_it_was(moderator_client, moderator):
    _admin_en(moderator_client)
    saturday = date(2026, 11, 28)
    monday = date(2026, 11, 30)
    for day in (saturday, monday):
        working_day_override_save(actor=Actor.moderator(moderator), override=WorkingDayOverride(date=day))
    html = moderator_client.get(reverse("admin:marketplace_workingdayoverride_changelist")).content.decode()
    assert "The day becomes" in html and "Without the override" in html
    assert html.count("a working day</td>") == 2
    assert "Saturday" in html and "a weekend day" in html
    assert "the override changes nothing" in html  # the Monday
    form = moderator_client.get(reverse("admin:marketplace_workingdayoverride_add")).content.decode()
    assert "Date that becomes a working day" in form and "add a non-working period" in form


@pytest.mark.parametrize(
    ("language", "label"),
    [("uk", "Потребує узгодження з покупцем"), ("en", "Needs agreement with the buyer")],
)
def test_policies_are_named_by_their_status_label(moderator_client, language, label):
    moderator_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = moderator_client.get(reverse("admin:marketplace_processingpolicy_changelist")).content.decode()
    assert label in html
    assert ">accepted<" not in html and ">new<" not in html
    row = ProcessingPolicy.objects.get(status="accepted")
    page = moderator_client.get(reverse("admin:marketplace_processingpolicy_change", args=[row.pk])).content.decode()
    assert 'name="status"' not in page


def test_the_policy_labels_are_the_order_statuses_labels():
    """marketplace repeats the labels (it imports no app); they must stay those of orders."""
    from marketplace.models import POLICY_STATUS_LABELS
    from orders.choices import OPEN_STATUSES, Status

    assert set(POLICY_STATUS_LABELS) == {str(status) for status in OPEN_STATUSES}
    for status, label in POLICY_STATUS_LABELS.items():
        assert str(label) == str(Status(status).label)
    assert set(ProcessingPolicy.objects.values_list("status", flat=True)) <= set(POLICY_STATUS_LABELS)


@pytest.mark.parametrize(
    ("status", "changes", "field", "words"),
    [
        ("new", {"on_expiry": "remind_pickup"}, "on_expiry", "“New”; it is for: “Awaiting at the pickup point”"),
        ("new", {"excellent_minutes": 200}, "excellent_minutes", "cannot be longer"),
        ("new", {"warn_before_minutes": 180}, "warn_before_minutes", "before the deadline"),
        ("new", {"acceptable_minutes": 0}, "acceptable_minutes", "more than 0"),
        ("new", {"excellent_minutes": 0}, "excellent_minutes", "more than 0"),
        ("new", {"warn_before_minutes": 0}, "warn_before_minutes", "more than 0"),
        ("awaiting_pickup", {"acceptable_minutes": 0}, "acceptable_minutes", "more than 0"),
        ("confirmed", {"acceptable_minutes": 60}, "acceptable_minutes", "leave the minutes empty"),
    ],
)
def test_each_policy_message_is_on_its_field_in_the_admin_form(moderator_client, status, changes, field, words):
    _admin_en(moderator_client)
    row = ProcessingPolicy.objects.get(status=status)
    current = {name: getattr(row, name) for name in POLICY_FORM}
    data = {name: "" if value is None else value for name, value in {**current, **changes}.items()}
    response = moderator_client.post(reverse("admin:marketplace_processingpolicy_change", args=[row.pk]), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field], errors
    with translation.override("en"):
        assert words in " ".join(errors[field])
    assert "policy_minutes_set_unless_ship_by" not in response.content.decode()
    row.refresh_from_db()
    assert {name: getattr(row, name) for name in POLICY_FORM} == current
