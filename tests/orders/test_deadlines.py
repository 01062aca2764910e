"""Deadlines are columns computed when an order enters a status (docs/rules.md §4)."""

from datetime import date, timedelta

import pytest

from marketplace.calendar import calendar_changed, forget
from marketplace.models import NonWorkingPeriod, ProcessingPolicy, WorkingDayOverride
from orders import deadlines
from orders.choices import Status
from orders.models import Order
from orders.services import order_confirm, order_open, order_pack, order_update_delivery
from orders.sweep import recompute_open_deadlines
from tests.conftest import ready_delivery
from tests.orders.deadline_support import entered_at, kyiv

# 2026-11-24 is a Tuesday, 2026-11-27 a Friday.
TUE_18 = kyiv(2026, 11, 24, 18, 0)


@pytest.fixture(autouse=True)
def fresh_platform_cache():
    forget()
    yield
    forget()


def test_new_order_seed_examples(place_order):
    order = entered_at(place_order(), TUE_18)
    assert order.excellent_deadline == kyiv(2026, 11, 24, 19, 0)
    assert order.acceptable_deadline == kyiv(2026, 11, 25, 10, 0)
    friday = entered_at(order, kyiv(2026, 11, 27, 18, 0))
    assert friday.acceptable_deadline == kyiv(2026, 11, 30, 10, 0)
    edge = entered_at(order, kyiv(2026, 11, 24, 17, 0))
    assert edge.acceptable_deadline == kyiv(2026, 11, 25, 9, 0)


def test_night_order_starts_counting_at_next_working_minute(place_order):
    order = entered_at(place_order(), kyiv(2026, 11, 28, 23, 30))  # Saturday night
    assert order.excellent_deadline == kyiv(2026, 11, 30, 10, 0)
    assert order.acceptable_deadline == kyiv(2026, 11, 30, 12, 0)


def test_accepted_has_six_working_hours(place_order, seller):
    order = order_open(actor=seller, order=place_order())
    order = entered_at(order, TUE_18)
    assert order.status == Status.ACCEPTED
    assert order.acceptable_deadline == kyiv(2026, 11, 25, 13, 0)


def test_status_change_recomputes_in_the_same_save(place_order, seller):
    from marketplace.calendar import platform_calendar

    order = place_order()
    cal = platform_calendar()
    assert order.acceptable_deadline == cal.add(order.status_changed_at, timedelta(hours=3))
    order = order_open(actor=seller, order=order)
    stored = Order.objects.get(pk=order.pk)
    assert stored.acceptable_deadline == cal.add(stored.status_changed_at, timedelta(hours=6))
    assert stored.excellent_deadline == cal.add(stored.status_changed_at, timedelta(hours=1))
    assert stored.next_check_at == stored.excellent_deadline


def test_confirmed_deadline_is_end_of_ship_by_working_day(place_order, seller):
    order = order_confirm(actor=seller, order=ready_delivery(order_open(actor=seller, order=place_order()), seller))
    order = order_update_delivery(
        actor=seller, order=order, method="nova_poshta", branch="Branch 1", cost="50.00", ship_by=date(2026, 11, 27)
    )  # a Friday
    assert order.excellent_deadline is None
    assert order.acceptable_deadline == kyiv(2026, 11, 30, 9, 0)  # next working instant after Friday
    order = order_pack(actor=seller, order=order, ship_by=date(2026, 11, 25))
    assert order.status == Status.AWAITING_SHIPMENT
    assert Order.objects.get(pk=order.pk).acceptable_deadline == kyiv(2026, 11, 26, 9, 0)


def test_terminal_and_in_delivery_have_no_deadline(place_order, seller):
    from orders.services import order_cancel

    order = order_cancel(
        actor=seller, order=order_open(actor=seller, order=place_order()), reason="other", comment="test"
    )
    assert (order.excellent_deadline, order.acceptable_deadline, order.next_check_at) == (None, None, None)


def test_pickup_waits_three_calendar_days(place_order, seller):
    from orders.services import order_ready_for_pickup

    order = order_open(actor=seller, order=place_order(delivery_method="pickup"))
    order = order_confirm(actor=seller, order=ready_delivery(order, seller, "pickup"))
    order = order_ready_for_pickup(actor=seller, order=order)
    order = entered_at(order, kyiv(2026, 11, 27, 19, 0))
    assert order.acceptable_deadline == kyiv(2026, 11, 30, 19, 0)


def test_warning_is_before_the_deadline_in_working_time(place_order):
    order = entered_at(place_order(), TUE_18)
    # 3 h budget, warned 30 working minutes before: 2.5 h after Tue 18:00 → Wed 09:30.
    assert deadlines.warn_at(order) == kyiv(2026, 11, 25, 9, 30)
    assert order.next_check_at == order.excellent_deadline


@pytest.mark.django_db(transaction=False)
def test_calendar_edit_recomputes_open_orders(place_order, django_capture_on_commit_callbacks):
    order = entered_at(place_order(), TUE_18)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        NonWorkingPeriod.objects.create(
            title="Platform day off", starts_at=kyiv(2026, 11, 25), ends_at=kyiv(2026, 11, 26)
        )
        calendar_changed()
    assert len(callbacks) == 1  # the recompute task is queued after commit, not run inside
    assert recompute_open_deadlines() >= 1
    assert Order.objects.get(pk=order.pk).acceptable_deadline == kyiv(2026, 11, 26, 10, 0)


def test_working_day_override_opens_a_saturday(place_order):
    WorkingDayOverride.objects.create(date=date(2026, 11, 28), note="Working Saturday")
    calendar_changed()
    order = entered_at(place_order(), kyiv(2026, 11, 27, 18, 0))
    assert order.acceptable_deadline == kyiv(2026, 11, 28, 10, 0)


def test_policy_edit_applies(place_order):
    ProcessingPolicy.objects.filter(status="new").update(acceptable_minutes=60 * 5)
    calendar_changed()
    order = entered_at(place_order(), TUE_18)
    assert order.acceptable_deadline == kyiv(2026, 11, 25, 12, 0)


def test_working_time_left_and_state(place_order):
    order = entered_at(place_order(), TUE_18)
    assert deadlines.deadline_state(order, kyiv(2026, 11, 24, 18, 30)) == "excellent"
    assert deadlines.deadline_state(order, kyiv(2026, 11, 24, 19, 30)) == "acceptable"
    assert deadlines.deadline_state(order, kyiv(2026, 11, 25, 10, 0)) == "overdue"
    # From Tue 19:30: 30 min until 20:00 and 60 min on Wednesday morning.
    assert deadlines.working_time_left(order, kyiv(2026, 11, 24, 19, 30)) == timedelta(minutes=90)
    assert deadlines.working_time_left(order, kyiv(2026, 11, 25, 10, 5)) == -timedelta(minutes=5)


# --- a moved ship-by date arms the deadline warning again (docs/rules.md §4) -----------------


def test_a_new_ship_by_date_is_warned_about_again(place_order, seller, clock):
    from notifications.models import OutboxMessage
    from orders.deadlines import Reminder
    from orders.sweep import sweep

    order = order_confirm(actor=seller, order=ready_delivery(order_open(actor=seller, order=place_order()), seller))
    assert order.ship_by == date(2026, 11, 26)  # Thursday: deadline Fri 09:00, warned 2 working hours before
    warnings = OutboxMessage.objects.filter(event="deadline_warning", audience="store", order=order)
    assert sweep(now=kyiv(2026, 11, 26, 18, 0)).reminded == 1
    assert Reminder.DEADLINE_NEAR in Reminder(Order.objects.get(pk=order.pk).reminders_sent)
    assert warnings.count() == 1

    clock.move_to(kyiv(2026, 11, 26, 18, 30))
    order = order_update_delivery(
        actor=seller, order=order, method="nova_poshta", branch="Branch 12", cost="70.00", ship_by=date(2026, 11, 30)
    )  # Monday
    stored = Order.objects.get(pk=order.pk)
    assert stored.acceptable_deadline == kyiv(2026, 12, 1, 9, 0)
    assert Reminder.DEADLINE_NEAR not in Reminder(stored.reminders_sent)
    assert stored.next_check_at == kyiv(2026, 11, 30, 18, 0)
    assert sweep(now=kyiv(2026, 11, 30, 18, 0)).reminded == 1
    assert warnings.count() == 2  # a fresh occurrence: not dropped as a repeat of Thursday's
    assert sweep(now=kyiv(2026, 11, 30, 18, 30)).reminded == 0


def test_an_edit_that_keeps_the_deadline_does_not_warn_again(place_order, seller):
    from orders.deadlines import Reminder
    from orders.services import order_update_payment
    from orders.sweep import sweep

    order = order_confirm(actor=seller, order=ready_delivery(order_open(actor=seller, order=place_order()), seller))
    sweep(now=kyiv(2026, 11, 26, 18, 0))
    order_update_payment(actor=seller, order=order, method="card")
    assert Reminder.DEADLINE_NEAR in Reminder(Order.objects.get(pk=order.pk).reminders_sent)
    assert sweep(now=kyiv(2026, 11, 26, 19, 0)).reminded == 0


# --- recomputed deadlines are in the order's history -------------------------------------------


def test_a_recompute_records_the_deadlines_that_moved(place_order):
    moved = entered_at(place_order(), TUE_18)
    kept = entered_at(place_order(), kyiv(2026, 11, 27, 12, 0))  # Friday: its deadline is before the closure
    rows = {o.pk: o.history.count() for o in (moved, kept)}
    NonWorkingPeriod.objects.create(title="Platform day off", starts_at=kyiv(2026, 11, 25), ends_at=kyiv(2026, 11, 26))
    calendar_changed()
    assert recompute_open_deadlines() == 2
    saved = Order.objects.get(pk=moved.pk)
    assert saved.acceptable_deadline == kyiv(2026, 11, 26, 10, 0)
    last = saved.history.order_by("-history_id").first()
    assert saved.history.count() == rows[moved.pk] + 1
    assert (last.action, last.actor_kind, last.history_user_id) == ("deadlines", "platform", None)
    assert (last.excellent_deadline, last.acceptable_deadline) == (saved.excellent_deadline, saved.acceptable_deadline)
    assert Order.objects.get(pk=kept.pk).history.count() == rows[kept.pk]  # nothing moved: no row
    assert recompute_open_deadlines() == 2 and saved.history.count() == rows[moved.pk] + 1  # idempotent
