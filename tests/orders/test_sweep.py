"""The deadline sweep (docs/rules.md §4): expiries, reminders, claims, failures."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from marketplace.calendar import forget
from marketplace.errors import RuleViolation
from marketplace.models import PlatformPolicy, ProcessingPolicy
from orders.choices import CancelReason, Status
from orders.deadlines import Reminder
from orders.models import Order
from orders.services import order_confirm, order_open, order_ready_for_pickup
from orders.sweep import sweep
from sellers.models import FeeCharge, Offer, Store
from tests.conftest import ready_delivery
from tests.orders.deadline_support import entered_at, kyiv

TUE_18 = kyiv(2026, 11, 24, 18, 0)  # new-order deadline: Wed 10:00, excellent Tue 19:00
DEADLINE = kyiv(2026, 11, 25, 10, 0)
SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def fresh_platform_cache():
    forget()
    yield
    forget()


def stock(offers):
    return [Offer.objects.get(pk=o.pk).stock for o in offers]


def test_nothing_happens_just_before_the_deadline(place_order):
    order = entered_at(place_order(), TUE_18)
    result = sweep(now=DEADLINE - SECOND)
    assert result.expired == 0
    assert Order.objects.get(pk=order.pk).status == Status.NEW


def test_expiry_at_the_deadline_cancels_returns_stock_charges_fee(place_order, offers):
    before = stock(offers)
    order = entered_at(place_order(), TUE_18)
    assert stock(offers) == [before[0] - 2, before[1] - 1]  # reserved on order
    result = sweep(now=DEADLINE)
    assert result.expired == 1
    order = Order.objects.get(pk=order.pk)
    assert order.status == Status.CANCELLED
    assert order.cancel_reason == CancelReason.PROCESSING_TIME_EXPIRED
    assert order.cancelled_by == "platform" and order.next_check_at is None
    assert stock(offers) == before  # returned on expiry
    fee = FeeCharge.objects.get(order=order)
    assert fee.kind == FeeCharge.Kind.EXPIRED and fee.amount == (order.total * Decimal("0.05")).quantize(
        Decimal("0.01")
    )
    last = order.history.order_by("-history_id").first()
    assert (last.action, last.actor_kind, last.history_user_id) == ("expire", "platform", None)
    assert last.status == Status.CANCELLED and last.history_change_reason == CancelReason.PROCESSING_TIME_EXPIRED


def test_the_expiry_history_row_is_a_full_snapshot_of_the_changed_order(place_order, seller):
    """The sweep copies history rows in the database; they must hold what simple-history's
    own bulk_history_create would: every tracked field of the order as saved, marked changed."""
    expiring = entered_at(place_order(), TUE_18)
    order = order_open(actor=seller, order=place_order())
    order = entered_at(ready_delivery(order, seller), TUE_18)  # a full row: delivery, cost, ship-by
    assert sweep(now=DEADLINE + timedelta(days=3)).expired == 2
    for pk in (expiring.pk, order.pk):
        saved = Order.objects.get(pk=pk)
        last = saved.history.order_by("-history_id").first()
        assert (last.history_type, last.history_date) == ("~", DEADLINE + timedelta(days=3))
        tracked = [f.attname for f in Order.history.model.tracked_fields]
        assert len(tracked) > 20
        assert {name: getattr(last, name) for name in tracked} == {name: getattr(saved, name) for name in tracked}
        assert last.prev_record is not None and last.diff_against(last.prev_record).changed_fields


def test_rerun_is_idempotent(place_order, offers):
    entered_at(place_order(), TUE_18)
    assert sweep(now=DEADLINE).expired == 1
    again = sweep(now=DEADLINE + timedelta(hours=1))
    assert (again.expired, again.reminded) == (0, 0)
    assert FeeCharge.objects.count() == 1


def test_reminders_each_exactly_once(place_order):
    order = entered_at(place_order(), TUE_18)
    assert sweep(now=kyiv(2026, 11, 24, 19, 0) - SECOND).reminded == 0
    first = sweep(now=kyiv(2026, 11, 24, 19, 0))  # excellent threshold passed
    assert first.reminded == 1
    assert Order.objects.get(pk=order.pk).reminders_sent == Reminder.EXCELLENT_PASSED
    assert sweep(now=kyiv(2026, 11, 24, 19, 30)).reminded == 0
    near = sweep(now=kyiv(2026, 11, 25, 9, 30))  # 30 working minutes before the deadline
    assert near.reminded == 1
    stored = Order.objects.get(pk=order.pk)
    assert stored.reminders_sent == Reminder.EXCELLENT_PASSED | Reminder.DEADLINE_NEAR
    assert stored.next_check_at == DEADLINE
    assert sweep(now=kyiv(2026, 11, 25, 9, 45)).reminded == 0
    assert stored.status == Status.NEW


def test_new_status_resets_reminders(place_order, seller):
    order = entered_at(place_order(), TUE_18)
    sweep(now=kyiv(2026, 11, 24, 19, 0))
    order = order_open(actor=seller, order=order)
    assert Order.objects.get(pk=order.pk).reminders_sent == 0


def test_shipping_deadline_expires_confirmed_order(place_order, seller):
    order = order_confirm(actor=seller, order=ready_delivery(order_open(actor=seller, order=place_order()), seller))
    deadline = Order.objects.get(pk=order.pk).acceptable_deadline
    assert sweep(now=deadline - SECOND).expired == 0
    assert sweep(now=deadline).expired == 1
    assert Order.objects.get(pk=order.pk).cancel_reason == CancelReason.SHIPPING_TIME_EXPIRED


def test_pickup_reminder_once_and_no_cancel(place_order, seller):
    order = order_open(actor=seller, order=place_order(delivery_method="pickup"))
    order = order_ready_for_pickup(
        actor=seller, order=order_confirm(actor=seller, order=ready_delivery(order, seller, "pickup"))
    )
    order = entered_at(order, kyiv(2026, 11, 24, 12, 0))
    assert sweep(now=kyiv(2026, 11, 27, 12, 0) - SECOND).pickup_reminded == 0
    assert sweep(now=kyiv(2026, 11, 27, 12, 0)).pickup_reminded == 1
    assert sweep(now=kyiv(2026, 11, 28, 12, 0)).pickup_reminded == 0
    stored = Order.objects.get(pk=order.pk)
    assert stored.status == Status.AWAITING_PICKUP and stored.next_check_at is None


def test_store_that_keeps_expiring_gets_offers_hidden(place_order, store):
    PlatformPolicy.objects.filter(pk=1).update(expiry_restrict_count=3)
    for _ in range(2):
        entered_at(place_order(), TUE_18)
    result = sweep(now=DEADLINE)
    assert result.expired == 2 and not Store.objects.get(pk=store.pk).offers_hidden
    entered_at(place_order(), TUE_18)
    result = sweep(now=DEADLINE)
    assert result.restricted_stores == [store.pk]
    assert Store.objects.get(pk=store.pk).offers_hidden


def test_a_failing_row_does_not_stop_the_others(place_order):
    orders = [entered_at(place_order(), TUE_18) for _ in range(3)]
    bad = orders[1]
    # Inconsistent data: a fee already charged for an open order makes its expiry fail.
    FeeCharge.objects.create(store_id=bad.store_id, order=bad, kind="received", base=1, percent=1, amount=0)
    result = sweep(now=DEADLINE)
    assert result.expired == 2 and result.failed == [bad.pk]
    statuses = {o.pk: Order.objects.get(pk=o.pk).status for o in orders}
    assert statuses[bad.pk] == Status.NEW
    assert [statuses[o.pk] for o in (orders[0], orders[2])] == [Status.CANCELLED, Status.CANCELLED]
    assert Order.objects.get(pk=bad.pk).next_check_at > DEADLINE  # pushed forward, retried later


def test_idle_sweep_reads_only_due_rows(place_order, django_assert_max_num_queries):
    for _ in range(5):
        entered_at(place_order(), TUE_18)
    sweep(now=TUE_18)  # warm the platform cache
    # One SELECT … FOR UPDATE SKIP LOCKED; inside the test's transaction the batch's atomic
    # block adds a SAVEPOINT and its RELEASE.
    with django_assert_max_num_queries(3):
        result = sweep(now=TUE_18 + SECOND)
    assert result.expired == result.reminded == 0


def test_command_prints_what_it_did(place_order, capsys):
    entered_at(place_order(), kyiv(2020, 1, 7, 10, 0))  # long overdue
    call_command("sweep_deadlines")
    assert "expired 1" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_migrations_data")
def test_two_concurrent_sweeps_never_double_process(place_order):
    orders = [entered_at(place_order(), TUE_18) for _ in range(3)]
    Offer.objects.update(stock=10_000)
    ids = [o.pk for o in orders]
    for _ in range(60):
        ids.append(entered_at(place_order(), TUE_18).pk)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(sweep(now=DEADLINE, batch_size=7))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(r.expired for r in results) == len(ids)
    assert Order.objects.filter(pk__in=ids, status=Status.CANCELLED).count() == len(ids)
    assert FeeCharge.objects.filter(order_id__in=ids).count() == len(ids)
    assert Order.history.filter(id__in=ids, action="expire").count() == len(ids)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("restore_migrations_data")
def test_seller_acting_during_the_sweep_wins_or_loses_cleanly(place_order, seller, offers):
    Offer.objects.update(stock=10_000)
    outcomes = {"seller": 0, "sweep": 0}
    for _ in range(20):
        order = order_open(actor=seller, order=place_order())
        order = ready_delivery(order, seller)
        order = entered_at(order, TUE_18)
        seller_result = {}
        barrier = threading.Barrier(2)

        def confirm():
            try:
                barrier.wait()
                order_confirm(actor=seller, order=order)
                seller_result["ok"] = True
            except RuleViolation as exc:
                seller_result["error"] = str(exc)
            finally:
                connection.close()

        def run_sweep():
            try:
                barrier.wait()
                seller_result["sweep"] = sweep(now=kyiv(2026, 11, 25, 13, 0))
            finally:
                connection.close()

        threads = [threading.Thread(target=confirm), threading.Thread(target=run_sweep)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        final = Order.objects.get(pk=order.pk)
        confirms = final.history.filter(action="confirm").count()
        expiries = final.history.filter(action="expire").count()
        if seller_result.get("ok"):
            outcomes["seller"] += 1
            assert final.status == Status.CONFIRMED and (confirms, expiries) == (1, 0)
        else:
            outcomes["sweep"] += 1
            assert final.status == Status.CANCELLED and (confirms, expiries) == (0, 1)
            assert "Cancelled" in seller_result["error"] or "Скасовано" in seller_result["error"]
    assert sum(outcomes.values()) == 20


def test_reminders_of_a_batch_go_to_the_outbox_once_in_a_fixed_number_of_queries(
    place_order, offers, django_assert_max_num_queries
):
    from notifications.models import OutboxMessage

    Offer.objects.update(stock=10_000)
    orders = [entered_at(place_order(), TUE_18) for _ in range(12)]
    with django_assert_max_num_queries(20):
        assert sweep(now=kyiv(2026, 11, 24, 19, 0)).reminded == len(orders)
    reminded = OutboxMessage.objects.filter(event="deadline_excellent_passed")
    assert sorted(reminded.values_list("order_id", flat=True)) == sorted(o.pk for o in orders)
    sweep(now=kyiv(2026, 11, 24, 19, 30))
    assert reminded.count() == len(orders)


# --- the sweep always makes progress (docs/rules.md §4) --------------------------------------


class Looping(BaseException):
    """Raised through the sweep's own error handling when a pass keeps re-reading rows."""


@pytest.fixture
def loop_guard(monkeypatch):
    """Counts the batches a pass claims; a pass over a handful of rows that claims dozens loops."""
    import orders.sweep as sweep_module

    claims = {"n": 0}
    due = sweep_module._due

    def counted(now):
        claims["n"] += 1
        if claims["n"] > 20:
            raise Looping(f"{claims['n']} batches claimed in one pass")
        return due(now)

    monkeypatch.setattr(sweep_module, "_due", counted)
    return claims


def test_a_reminder_rule_on_a_cancelling_status_is_handled_once_and_the_pass_ends(place_order, loop_guard):
    """A moderator set `remind_pickup` for `new` orders: the sweep used to re-read them forever."""
    from marketplace.calendar import calendar_changed
    from notifications.models import OutboxMessage

    ProcessingPolicy.objects.filter(status=Status.NEW).update(on_expiry=ProcessingPolicy.OnExpiry.REMIND_PICKUP)
    calendar_changed()
    orders = [entered_at(place_order(), TUE_18) for _ in range(2)]
    now = DEADLINE + timedelta(hours=1)
    result = sweep(now=now, batch_size=2)
    assert (result.expired, result.pickup_reminded, result.failed, result.stalled) == (0, 2, [], False)
    for order in orders:
        stored = Order.objects.get(pk=order.pk)
        assert stored.status == Status.NEW
        assert stored.next_check_at is None or stored.next_check_at > now
    assert OutboxMessage.objects.filter(event="pickup_reminder", audience="store").count() == 2
    # Nothing is due any more: the next passes read no row.
    again = sweep(now=now + timedelta(minutes=1), batch_size=2)
    assert (again.pickup_reminded, again.reminded) == (0, 0)
    assert not Order.objects.filter(next_check_at__lte=now + timedelta(days=30), status=Status.NEW).exists()


def test_a_cancel_rule_that_does_not_apply_to_the_status_is_left_alone(place_order, loop_guard, caplog):
    """`shipping_time_expired` on `new` orders: not the platform's reason there; logged, not re-read."""
    from marketplace.calendar import calendar_changed

    ProcessingPolicy.objects.filter(status=Status.NEW).update(on_expiry=ProcessingPolicy.OnExpiry.CANCEL_SHIPPING)
    calendar_changed()
    orders = [entered_at(place_order(), TUE_18) for _ in range(2)]
    result = sweep(now=DEADLINE + timedelta(hours=1), batch_size=2)
    assert (result.expired, result.failed, result.stalled) == (0, [], False)
    assert {Order.objects.get(pk=o.pk).status for o in orders} == {Status.NEW}
    assert "does not apply" in caplog.text
    assert sweep(now=DEADLINE + timedelta(hours=2), batch_size=2).reminded == 0


def test_a_row_that_would_stay_due_is_pushed_forward_and_the_rest_are_handled(
    place_order, monkeypatch, loop_guard, caplog
):
    """A poisoned row (its next check computed in the past) no longer holds the pass."""
    from orders import deadlines

    orders = [entered_at(place_order(), TUE_18) for _ in range(3)]
    poisoned = orders[1].pk
    now = kyiv(2026, 11, 24, 19, 0)
    honest = deadlines.next_check

    def next_check(order, *args, **kwargs):
        return now - timedelta(hours=1) if order.pk == poisoned else honest(order, *args, **kwargs)

    monkeypatch.setattr(deadlines, "next_check", next_check)
    result = sweep(now=now, batch_size=2)
    assert (result.reminded, result.failed, result.stalled) == (3, [], False)
    assert Order.objects.get(pk=poisoned).next_check_at == now + timedelta(minutes=10)
    assert all(Order.objects.get(pk=o.pk).next_check_at > now for o in orders)
    assert f"order {poisoned} would be due again" in caplog.text


def test_a_row_that_fails_in_a_reminder_batch_does_not_hold_the_others(place_order, monkeypatch, loop_guard):
    from orders import deadlines

    orders = [entered_at(place_order(), TUE_18) for _ in range(3)]
    poisoned = orders[0].pk
    now = kyiv(2026, 11, 24, 19, 0)
    honest = deadlines.compute

    def compute(order, *args, **kwargs):
        if order.pk == poisoned and order.status == Status.NEW:
            raise ValueError("poisoned row")
        return honest(order, *args, **kwargs)

    monkeypatch.setattr(deadlines, "compute", compute)
    result = sweep(now=now, batch_size=2)
    assert (result.reminded, result.failed, result.stalled) == (2, [poisoned], False)
    assert Order.objects.get(pk=poisoned).next_check_at == now + timedelta(minutes=10)


def test_a_batch_that_makes_no_progress_stops_the_pass_with_an_error(place_order, monkeypatch, loop_guard, caplog):
    """Whatever the cause, a pass that reads back only rows it already handled stops (and says so)."""
    import logging

    import orders.sweep as sweep_module

    for _ in range(3):
        entered_at(place_order(), TUE_18)
    monkeypatch.setattr(sweep_module, "_remind", lambda orders, now, p, result: None)  # leaves every row due
    with caplog.at_level(logging.ERROR, logger="orders.sweep"):
        result = sweep(now=kyiv(2026, 11, 24, 19, 0), batch_size=2)
    assert result.stalled and "no progress" in str(result)
    assert "no progress" in caplog.text
    assert loop_guard["n"] <= 3


def test_the_command_reports_a_stopped_pass(place_order, monkeypatch, capsys, loop_guard):
    import orders.sweep as sweep_module

    for _ in range(2):
        entered_at(place_order(), kyiv(2020, 1, 7, 10, 0))
    monkeypatch.setattr(sweep_module, "_process", lambda orders, now, p, result: None)  # leaves every row due
    call_command("sweep_deadlines", "--batch-size", "1")
    captured = capsys.readouterr()
    assert "stopped: no progress" in captured.out and "already handled" in captured.err


# --- the offers-hidden notice, each time (docs/rules.md §4) ----------------------------------


def test_offers_hidden_lifted_and_hidden_again_the_same_day_is_told_twice(place_order, store):
    from notifications.models import OutboxMessage

    PlatformPolicy.objects.filter(pk=1).update(expiry_restrict_count=1)
    entered_at(place_order(), TUE_18)
    assert sweep(now=DEADLINE).restricted_stores == [store.pk]
    Store.objects.filter(pk=store.pk).update(offers_hidden=False, offers_hidden_reason="")  # a moderator lifts it
    entered_at(place_order(), TUE_18)
    assert sweep(now=DEADLINE + timedelta(hours=3)).restricted_stores == [store.pk]  # the same Wednesday
    assert OutboxMessage.objects.filter(event="store_offers_hidden", audience="owner").count() == 2
