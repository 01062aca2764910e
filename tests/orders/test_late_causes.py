"""Late-shipment causes (docs/rules.md §10, seed 002): a store member records why an order shipped
after its ship-by day or expired before shipping, within 30 days; refused otherwise, changing nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from marketplace import clock as platform_clock
from marketplace.actors import Actor
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.worktime import KYIV
from orders.choices import CancelReason, LateCause, Status
from orders.services import order_expire, order_record_late_cause
from tests.orders.support import bring, fetch, last_history, order_test_env, refused, ship  # noqa: F401
from tests.sellers.conftest import english_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("order_test_env")]


@pytest.fixture
def manager_client(manager, store):
    client = english_client()
    client.force_login(manager)
    return client


@pytest.fixture
def shipped_late(clock, place_order, seller):
    order = bring(place_order, seller, Status.AWAITING_SHIPMENT)
    day_after = order.ship_by + timedelta(days=1)
    clock.move_to(datetime(day_after.year, day_after.month, day_after.day, 9, 0, tzinfo=KYIV))
    return ship(seller, order)


@pytest.fixture
def expired(place_order, seller):
    order = order_expire(order=bring(place_order, seller, Status.AWAITING_SHIPMENT))
    assert fetch(order).cancel_reason == CancelReason.SHIPPING_TIME_EXPIRED
    return fetch(order)


def test_shipping_sets_shipped_at(place_order, seller):
    order = fetch(bring(place_order, seller, Status.IN_DELIVERY))
    assert order.shipped_at is not None and abs(order.shipped_at - platform_clock.now()) < timedelta(minutes=1)


@pytest.mark.parametrize("case", ["shipped_late", "expired"])
def test_a_member_records_the_cause_with_a_note(case, request, seller, manager):
    order = request.getfixturevalue(case)
    order_record_late_cause(actor=seller, order=order, cause=LateCause.LOGISTICS, note="  The courier was late. ")
    saved = fetch(order)
    assert (saved.late_cause, saved.late_cause_note) == ("logistics", "The courier was late.")
    assert abs(saved.late_cause_at - platform_clock.now()) < timedelta(minutes=1)
    row = last_history(order)
    assert (row.action, row.actor_kind, row.history_user, row.late_cause) == (
        "late_cause",
        "seller",
        manager,
        "logistics",
    )
    # corrected within the window
    order_record_late_cause(actor=seller, order=order, cause=LateCause.STOCK, note="")
    assert (fetch(order).late_cause, fetch(order).late_cause_note) == ("stock", "")


def test_refused_on_an_order_that_was_not_late(place_order, seller):
    on_time = bring(place_order, seller, Status.IN_DELIVERY)
    refused(
        on_time,
        RuleViolation,
        lambda: order_record_late_cause(actor=seller, order=on_time, cause="stock", note=""),
        "was not late",
    )
    open_order = bring(place_order, seller, Status.AWAITING_SHIPMENT)
    refused(open_order, RuleViolation, lambda: order_record_late_cause(actor=seller, order=open_order, cause="stock"))
    processing = order_expire(order=bring(place_order, seller, Status.ACCEPTED))
    assert fetch(processing).cancel_reason == CancelReason.PROCESSING_TIME_EXPIRED
    refused(processing, RuleViolation, lambda: order_record_late_cause(actor=seller, order=processing, cause="stock"))


def test_refused_after_30_days(clock, expired, seller):
    clock.move_to(expired.status_changed_at + timedelta(days=30, minutes=1))
    refused(
        expired,
        RuleViolation,
        lambda: order_record_late_cause(actor=seller, order=expired, cause="stock", note=""),
        "within 30 days",
    )


def test_a_day_before_the_end_of_the_window_is_still_open(clock, shipped_late, seller):
    clock.move_to(fetch(shipped_late).shipped_at + timedelta(days=29))
    order_record_late_cause(actor=seller, order=shipped_late, cause="system_failure", note="")
    assert fetch(shipped_late).late_cause == "system_failure"


def test_refused_for_a_bad_cause_a_long_note_or_another_actor(expired, seller, outsider, moderator):
    for cause, note in (("weather", ""), ("", ""), ("stock", "x" * 501)):
        refused(
            expired,
            RuleViolation,
            lambda c=cause, n=note: order_record_late_cause(actor=seller, order=expired, cause=c, note=n),
        )
    for actor in (Actor.seller(outsider), Actor.moderator(moderator), Actor.platform()):
        refused(expired, NotAllowed, lambda a=actor: order_record_late_cause(actor=a, order=expired, cause="stock"))


# --- the cabinet's order page and the moderators' list -------------------------------------


def test_the_order_page_takes_the_cause_and_shows_it(manager_client, expired):
    page = manager_client.get(reverse("cabinet:order_detail", args=[expired.pk]))
    assert 'id="edit-late_cause"' in page.text
    fragment = manager_client.get(
        reverse("cabinet:order_form", args=[expired.pk]), {"form": "late_cause"}, HTTP_HX_REQUEST="true"
    )
    assert 'data-form="late_cause"' in fragment.text
    url = reverse("cabinet:order_late_cause", args=[expired.pk])
    bad = manager_client.post(url, {"late_cause-cause": "weather"})
    assert bad.status_code == 422 and fetch(expired).late_cause == ""
    response = manager_client.post(url, {"late_cause-cause": "operator_error", "late_cause-note": "Missed the list"})
    assert response.status_code == 302
    page = manager_client.get(reverse("cabinet:order_detail", args=[expired.pk]))
    assert "Operator error" in page.text and "Missed the list" in page.text and 'id="late-cause-recorded"' in page.text


def test_an_order_that_was_not_late_has_no_form(manager_client, place_order, seller):
    order = bring(place_order, seller, Status.IN_DELIVERY)
    page = manager_client.get(reverse("cabinet:order_detail", args=[order.pk]))
    assert 'id="late-cause"' not in page.text
    assert (
        manager_client.post(
            reverse("cabinet:order_late_cause", args=[order.pk]), {"late_cause-cause": "stock"}
        ).status_code
        == 422
    )


def test_the_moderators_expiry_list_shows_and_filters_by_the_cause(client, moderator, expired, seller, place_order):
    order_record_late_cause(actor=seller, order=expired, cause="stock", note="")
    other = order_expire(order=bring(place_order, seller, Status.AWAITING_SHIPMENT))
    client.force_login(moderator)
    url = reverse("admin:orders_order_changelist")
    listed = client.get(url, {"cancel_reason__exact": "shipping_time_expired", "late_cause__exact": "stock"})
    assert listed.status_code == 200
    assert f">#{expired.pk}<" in listed.text and f">#{other.pk}<" not in listed.text
    assert str(LateCause.STOCK.label) in listed.text or "column-late_cause" in listed.text
