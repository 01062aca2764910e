"""The tracking pass (docs/rules.md §8): claims only due parcels, asks in batches, keeps the schedule
of parcels the carrier did not mention, backs off when the carrier cannot answer, tells the
moderators once when tracking has failed for over an hour, and moves every claimed parcel on."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace import clock as platform_clock
from notifications.models import Audience, OutboxMessage
from orders.carriers.base import StateGroup
from orders.choices import Status
from orders.tracking import schedule
from orders.tracking.models import Parcel
from orders.tracking.polling import run_pass
from tests.conftest import VALID_TTN
from tests.orders.support import bring, fetch
from tests.orders.tracking.support import CODE, ScriptedCarrier, counts, make_due, parcel_of, state, track

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(place_order, seller, offers):
    """Seven orders in delivery, each with its own tracking number."""
    offers[0].stock = offers[1].stock = 100
    offers[0].save()
    offers[1].save()
    orders = []
    for i in range(7):
        order = bring(place_order, seller, Status.CONFIRMED)
        from orders.services import order_ship

        orders.append(order_ship(actor=seller, order=order, ttn=f"2045000000010{i}"))
    return orders


def test_the_idle_pass_is_one_query(shipped, carrier):
    with CaptureQueriesContext(connection) as queries:
        result = run_pass(carriers={CODE: carrier})
    assert (result.claimed, result.requests) == (0, 0)
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "orders_parcel" in queries[0]["sql"] and "SKIP LOCKED" in queries[0]["sql"]


def test_a_shipped_parcel_is_first_asked_about_half_an_hour_later(shipped, carrier, clock):
    assert run_pass(carriers={CODE: carrier}).claimed == 0
    clock.move_to(platform_clock.now() + schedule.SOON + timedelta(seconds=1))
    carrier.set(VALID_TTN, state(StateGroup.IN_TRANSIT))
    result = run_pass(carriers={CODE: carrier})
    assert (result.claimed, result.asked, result.changed) == (1, 1, 1)
    parcel = parcel_of(shipped)
    assert parcel.next_check_at == parcel.last_checked_at + schedule.IN_TRANSIT


def test_batches_of_the_carriers_size_mixed_answers_and_unmentioned_parcels(many):
    carrier = ScriptedCarrier(batch_size=3)
    carrier.set(many[0].ttn, state(StateGroup.RECEIVED))
    carrier.set(many[1].ttn, state(StateGroup.REFUSED))
    carrier.set(many[2].ttn, state(StateGroup.IN_TRANSIT))
    carrier.set(many[3].ttn, state(StateGroup.AT_BRANCH, storage_free_until=platform_clock.today() + timedelta(3)))
    # many[4..6]: the carrier does not mention them.
    result = track(carrier, *many)
    assert [len(call) for call in carrier.calls] == [3, 3, 1]
    assert sorted(carrier.asked) == sorted(o.ttn for o in many)
    assert (result.claimed, result.asked, result.requests, result.changed, result.failures) == (7, 7, 3, 4, 0)
    assert [fetch(o).status for o in many[:4]] == [Status.RECEIVED, Status.CANCELLED, *[Status.IN_DELIVERY] * 2]
    now = platform_clock.now()
    for order in many[4:]:
        parcel = parcel_of(order)
        # Unmentioned: the schedule of its state (just shipped: soon), nothing recorded, moved past now.
        assert parcel.group == "" and parcel.last_checked_at is None
        assert now < parcel.next_check_at <= now + schedule.SOON
    # Every claimed parcel moved forward: the next pass finds nothing due.
    assert run_pass(carriers={CODE: carrier}).claimed == 0


def test_a_pass_takes_at_most_its_limit_and_the_rest_next_time(many, carrier):
    make_due(*many)
    first = run_pass(carriers={CODE: carrier}, limit=4)
    second = run_pass(carriers={CODE: carrier}, limit=4)
    assert (first.claimed, second.claimed) == (4, 3)
    assert sorted(carrier.asked) == sorted(o.ttn for o in many)


def test_one_bad_answer_does_not_stop_the_others(many, carrier):
    carrier.set(many[0].ttn, state(StateGroup.IN_TRANSIT, code="X" * 40))  # longer than any code column holds
    carrier.set(many[1].ttn, state(StateGroup.RECEIVED))
    result = track(carrier, *many[:2])
    assert result.errors == [parcel_of(many[0]).pk]
    assert fetch(many[1]).status == Status.RECEIVED
    bad = parcel_of(many[0])
    assert bad.group == "" and bad.next_check_at > platform_clock.now()


def test_a_number_corrected_while_the_carrier_is_asked_leaves_the_order_to_the_new_one(shipped, carrier, seller):
    from orders.services.editing import order_correct_ttn
    from tests.orders.tracking.support import NEW_TTN

    carrier.set(VALID_TTN, state(StateGroup.RECEIVED))
    carrier.during = lambda: order_correct_ttn(actor=seller, order=shipped, ttn=NEW_TTN)
    track(carrier, shipped)
    order = fetch(shipped)
    assert (order.status, order.ttn) == (Status.IN_DELIVERY, NEW_TTN)
    old = Parcel.objects.get(order=order, number=VALID_TTN)
    assert (old.active, old.next_check_at, old.group) == (False, None, "")
    assert parcel_of(order).number == NEW_TTN


def test_the_carrier_down_backs_off_exponentially_and_nothing_changes(shipped, carrier):
    before = counts(shipped)
    delays = []
    for _ in range(6):
        carrier.fail()
        now = platform_clock.now()
        result = track(carrier, shipped)
        assert (result.requests, result.failures, result.changed) == (1, 1, 0)
        delays.append(parcel_of(shipped).next_check_at - now)
    assert parcel_of(shipped).failures == 6
    assert counts(shipped) == before
    assert all(later > earlier for earlier, later in zip(delays[:3], delays[1:4], strict=True))
    assert max(delays) <= schedule.BACKOFF_MAX * 1.5
    # The carrier answers again: failures reset, the state applies.
    carrier.set(VALID_TTN, state(StateGroup.IN_TRANSIT))
    track(carrier, shipped)
    parcel = parcel_of(shipped)
    assert (parcel.failures, parcel.group) == (0, StateGroup.IN_TRANSIT)


def moderator_alerts():
    return OutboxMessage.objects.filter(event="tracking_failing", audience=Audience.MODERATORS)


def test_the_moderators_are_told_once_when_tracking_has_failed_for_over_an_hour(shipped, carrier, moderator, clock):
    carrier.set(VALID_TTN, state(StateGroup.IN_TRANSIT))
    track(carrier, shipped)  # a last good answer
    make_due(shipped)
    started = platform_clock.now()
    carrier.fail(times=1000)
    alerts_at = []
    while platform_clock.now() - started < timedelta(hours=4):
        result = run_pass(carriers={CODE: carrier})
        if result.alerts:
            alerts_at.append(platform_clock.now() - started)
        clock.move_to(max(platform_clock.now() + timedelta(minutes=1), parcel_of(shipped).next_check_at))
    assert moderator_alerts().count() == 1
    assert len(alerts_at) == 1 and timedelta(hours=1) <= alerts_at[0] < timedelta(hours=2)
    # Recovered, then down again: a new outage is told again, once.
    carrier.failing = 0
    track(carrier, shipped)
    carrier.fail(times=1000)
    make_due(shipped)
    started = platform_clock.now()
    while platform_clock.now() - started < timedelta(hours=3):
        run_pass(carriers={CODE: carrier})
        clock.move_to(max(platform_clock.now() + timedelta(minutes=1), parcel_of(shipped).next_check_at))
    assert moderator_alerts().count() == 2


def test_after_an_outage_the_backlog_is_caught_up_within_the_limits(many, clock):
    carrier = ScriptedCarrier(batch_size=2)
    make_due(*many)
    carrier.fail(times=1000)
    for _ in range(5):
        run_pass(carriers={CODE: carrier})
        clock.move_to(platform_clock.now() + timedelta(minutes=90))
    carrier.failing = 0
    carrier.calls.clear()
    # Due again at spread moments: no pass asks about more than its limit, in batches of the carrier's size.
    due_times = sorted(Parcel.objects.filter(order__in=many).values_list("next_check_at", flat=True))
    assert len(set(due_times)) == len(many)
    asked = 0
    for _ in range(30):
        result = run_pass(carriers={CODE: carrier}, limit=3)
        assert result.claimed <= 3 and all(len(call) <= 2 for call in carrier.calls)
        asked += result.asked
        clock.move_to(platform_clock.now() + timedelta(minutes=10))
        if asked >= len(many):
            break
    assert sorted(set(carrier.asked)) == sorted(o.ttn for o in many)


def test_track_parcels_command_asks_nova_poshta_and_prints_what_it_did(shipped, fake_novaposhta):
    fake_novaposhta.set(VALID_TTN, code=9)
    make_due(shipped)
    out = StringIO()
    call_command("track_parcels", stdout=out)
    assert fake_novaposhta.asked == [VALID_TTN]
    assert fetch(shipped).status == Status.RECEIVED
    assert out.getvalue().strip() == (
        "parcels due 1, asked 1 in 1 requests, changed 1, failed requests 0, failed parcels 0"
    )


def test_the_beat_runs_a_pass():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["track-parcels"]["task"] == "orders.tasks.track_parcels"
    from orders.tasks import track_parcels

    assert track_parcels.name == "orders.tasks.track_parcels"


SQLITE_SCRIPT = r"""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

with time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Kyiv")), tick=True):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    assert connection.vendor == "sqlite", connection.vendor
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", orders=300, seed=1, verbosity=0)

    from django.test.utils import CaptureQueriesContext

    from marketplace import clock
    from orders.carriers.base import ParcelState, StateGroup
    from orders.models import Order
    from orders.tracking.models import Parcel
    from orders.tracking.polling import run_pass

    class Carrier:
        code, label, batch_size = "nova_poshta", "Nova Poshta", 100

        def __init__(self):
            self.calls = 0

        def track(self, parcels):
            self.calls += 1
            return [ParcelState(p.number, StateGroup.RECEIVED, "9", "Received") for p in parcels]

    in_delivery = Order.objects.filter(status="in_delivery", delivery_method="nova_poshta").exclude(ttn="")
    expected = set(in_delivery.values_list("pk", "ttn"))
    assert expected and expected <= set(Parcel.objects.filter(active=True).values_list("order_id", "number"))
    tracked = Parcel.objects.filter(next_check_at__isnull=False).count()
    Parcel.objects.filter(next_check_at__isnull=False).update(next_check_at=clock.now() - timedelta(seconds=1))
    carrier = Carrier()
    result = run_pass(carriers={"nova_poshta": carrier})
    assert result.claimed == tracked and result.changed == tracked and not result.errors, result
    assert not in_delivery.exists()
    with CaptureQueriesContext(connection) as queries:
        idle = run_pass(carriers={"nova_poshta": carrier})
    assert idle.claimed == 0 and len(queries) == 1, [q["sql"] for q in queries]
    print(f"tracked={tracked} requests={result.requests}")
"""


@pytest.mark.slow
def test_the_pass_works_on_sqlite(tmp_path):
    from tests.sqlite_support import run_on_sqlite

    result = run_on_sqlite(SQLITE_SCRIPT, tmp_path, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    assert "tracked=" in result.stdout
