"""A dispute nobody took within one working day (dispute_take_working_minutes, 660) reminds the
moderators once (docs/rules.md §6)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from marketplace.actors import Actor
from marketplace.calendar import platform
from marketplace.worktime import KYIV
from notifications.models import Audience
from orders.disputes.models import Dispute
from orders.disputes.services import dispute_take
from orders.disputes.sweep import remind_untaken
from tests.orders.disputes.support import confirmed_dispute, outbox
from tests.orders.support import order_test_env  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("order_test_env")]
SECOND = timedelta(seconds=1)


def test_the_untaken_reminder_goes_once_at_one_working_day(place_order, seller, moderator):
    dispute = confirmed_dispute(place_order, seller)  # Tue 10:00
    due = dispute.next_check_at
    assert due == platform().calendar.add(dispute.opened_at, timedelta(minutes=660))
    assert due.astimezone(KYIV).date() == dispute.opened_at.astimezone(KYIV).date() + timedelta(days=1)

    assert remind_untaken(now=due - SECOND) == 0
    assert outbox("dispute_waiting") == []

    assert remind_untaken(now=due) == 1
    rows = outbox("dispute_waiting")
    assert [(row.audience, row.recipient) for row in rows] == [(Audience.MODERATORS, moderator.email)]
    saved = Dispute.objects.get(pk=dispute.pk)
    assert (saved.reminded_at, saved.next_check_at) == (due, None)
    assert Dispute.history.filter(id=dispute.pk, action="remind").count() == 1

    assert remind_untaken(now=due + timedelta(days=3)) == 0
    assert len(outbox("dispute_waiting")) == 1


def test_working_time_only_counts(place_order, seller, moderator, clock):
    clock.move_to(datetime(2026, 11, 27, 18, 0, tzinfo=KYIV))  # Friday 18:00
    dispute = confirmed_dispute(place_order, seller)
    # 2 working hours on Friday, 9 on Monday: Monday 18:00.
    assert dispute.next_check_at.astimezone(KYIV).replace(second=0, microsecond=0) == datetime(
        2026, 11, 30, 18, 0, tzinfo=KYIV
    )
    monday_morning = datetime.combine(datetime(2026, 11, 30).date(), time(9), tzinfo=KYIV)
    assert remind_untaken(now=monday_morning) == 0
    assert remind_untaken(now=dispute.next_check_at) == 1


def test_a_taken_dispute_is_not_reminded(place_order, seller, moderator):
    dispute = confirmed_dispute(place_order, seller)
    due = dispute.next_check_at
    dispute_take(actor=Actor.moderator(moderator), dispute=dispute)
    assert remind_untaken(now=due + timedelta(hours=1)) == 0
    assert outbox("dispute_waiting") == []


def test_a_bad_row_does_not_stop_the_others(place_order, seller, moderator, monkeypatch):
    first = confirmed_dispute(place_order, seller)
    second = confirmed_dispute(place_order, seller)
    due = max(first.next_check_at, second.next_check_at)
    from orders.disputes import sweep

    real = sweep.tell_dispute

    def failing(event, dispute, **kwargs):
        if dispute.pk == first.pk:
            raise RuntimeError("template missing")
        return real(event, dispute, **kwargs)

    monkeypatch.setattr(sweep, "tell_dispute", failing)
    assert remind_untaken(now=due) == 1
    assert Dispute.objects.get(pk=second.pk).reminded_at == due
    pushed = Dispute.objects.get(pk=first.pk)
    assert pushed.reminded_at is None and pushed.next_check_at > due  # looked at again later
