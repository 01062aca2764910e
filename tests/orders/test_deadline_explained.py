"""The ship-by date beside the working-time deadline, explained on the cabinet's order page
(orders.selectors.deadline_explained, docs/rules.md §4): "ship by Friday; the platform cancels
at the end of that working day, 20:00" and "weekend: the deadline is Monday 09:00". The clock
is moved from the pinned Tuesday to a Thursday afternoon and a Friday evening."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from marketplace import clock as platform_clock
from marketplace.calendar import calendar_changed
from marketplace.models import NonWorkingPeriod
from marketplace.worktime import KYIV
from orders.selectors import deadline_explained
from orders.services import order_confirm, order_open, order_update_delivery
from tests.orders.support import NP, order_test_env  # noqa: F401 (order_test_env is a fixture)

pytestmark = pytest.mark.usefixtures("order_test_env")
THU, FRI, SAT, MON = date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 28), date(2026, 11, 30)


def kyiv(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=KYIV)


def confirmed(place_order, seller, ship_by: date):
    order = order_open(actor=seller, order=place_order(delivery_method=NP))
    order = order_update_delivery(
        actor=seller, order=order, method=NP, branch="Branch 12", cost=Decimal("70"), ship_by=ship_by
    )
    return order_confirm(actor=seller, order=order)


def explanation(order, manager) -> str:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(manager)
    html = client.get(reverse("cabinet:order_detail", args=[order.pk])).content.decode()
    start = html.index('id="deadline-explained"')
    return " ".join(html[start : html.index("</p>", start)].split())


def test_friday_evening_ship_by_friday_ends_at_20_and_the_weekend_puts_the_deadline_on_monday(
    clock, place_order, seller, manager
):
    clock.move_to(kyiv(FRI, 18, 30))
    order = confirmed(place_order, seller, FRI)
    explained = deadline_explained(order, platform_clock.now())
    assert explained.deadline == kyiv(MON, 9) == order.acceptable_deadline
    assert (explained.ship_by, explained.working_end, explained.ship_by_day_end) == (FRI, kyiv(FRI, 20), True)
    assert explained.cancels and explained.closed_for == ("weekend",) and explained.resumes_at is None
    text = explanation(order, manager)
    assert "Ship by Friday, 27 November; the platform cancels the order at the end of that working day, 20:00." in text
    assert "Weekend: the deadline is Monday, 30 November, 09:00." in text


def test_after_hours_on_friday_the_countdown_resumes_on_monday(clock, place_order, seller, manager):
    clock.move_to(kyiv(FRI, 21))
    order = place_order(delivery_method=NP)  # new: 3 working hours from the next working minute
    explained = deadline_explained(order, platform_clock.now())
    assert explained.deadline == kyiv(MON, 12) and explained.working_end == explained.deadline
    assert explained.ship_by is None and explained.closed_for == ("weekend",)
    assert (explained.resumes_at, explained.resumes_after) == (kyiv(MON, 9), ("weekend",))
    order = order_open(actor=seller, order=order)  # the page opens it: accepted, 6 working hours from Monday 09:00
    text = explanation(order, manager)
    assert "Weekend: the deadline is Monday, 30 November, 15:00." in text
    assert "Weekend: the countdown resumes Monday, 30 November, 09:00." in text


def test_before_a_weekend_a_ship_by_saturday_runs_out_on_friday_evening(clock, place_order, seller, manager):
    clock.move_to(kyiv(THU, 15))
    order = confirmed(place_order, seller, SAT)
    explained = deadline_explained(order, platform_clock.now())
    assert (explained.working_end, explained.deadline, explained.ship_by_day_end) == (
        kyiv(FRI, 20),
        kyiv(MON, 9),
        False,
    )
    text = explanation(order, manager)
    assert "Ship by Saturday, 28 November, a day off" in text and "Friday, 27 November, 20:00" in text
    assert "Weekend: the deadline is Monday, 30 November, 09:00." in text


def test_a_weekday_ship_by_date_needs_no_weekend_note(place_order, seller, manager):
    order = confirmed(place_order, seller, date(2026, 11, 25))  # Wednesday: the deadline is Thursday 09:00
    explained = deadline_explained(order, platform_clock.now())
    assert (explained.working_end, explained.deadline) == (kyiv(date(2026, 11, 25), 20), kyiv(THU, 9))
    assert explained.closed_for == () and explained.resumes_at is None
    text = explanation(order, manager)
    assert "the end of that working day, 20:00." in text and "deadline is" not in text


def test_a_platform_day_off_after_the_weekend_is_named(clock, place_order, seller):
    NonWorkingPeriod.objects.create(
        title="Platform day off", starts_at=kyiv(MON, 0), ends_at=kyiv(date(2026, 12, 1), 0)
    )
    calendar_changed()
    clock.move_to(kyiv(FRI, 12))
    order = confirmed(place_order, seller, FRI)
    explained = deadline_explained(order, platform_clock.now())
    assert (explained.working_end, explained.deadline) == (kyiv(FRI, 20), kyiv(date(2026, 12, 1), 9))
    assert explained.closed_for == ("weekend", "closed")
    assert explained.closed_text == "Weekend, the platform's non-working period"


def test_an_order_without_a_ship_by_date_in_working_time_has_nothing_to_explain(place_order, seller, manager):
    order = order_open(actor=seller, order=place_order(delivery_method=NP))  # Tuesday 10:00: 6 working hours
    assert not deadline_explained(order, platform_clock.now()).says_anything
    client = Client()
    client.force_login(manager)
    assert (
        'id="deadline-explained"' not in client.get(reverse("cabinet:order_detail", args=[order.pk])).content.decode()
    )
