"""The countdown of the cabinet: its colour follows excellent / acceptable / overdue at every
boundary, from the same time left it shows (docs/rules.md §4); "0 min" is never shown green."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import translation

from marketplace.calendar import forget
from orders import deadlines
from tests.orders.deadline_support import entered_at, kyiv

# The seed policy for `new`: excellent within 1 working hour, acceptable within 3.
# Entered Tue 18:00: excellent Tue 19:00, acceptable Wed 10:00 (18–20 and 09–10).
TUE_18 = kyiv(2026, 11, 24, 18, 0)
S = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def fresh_platform_cache():
    forget()
    yield
    forget()


def shown(left) -> str:
    with translation.override("en"):
        return Template("{% load display %}{{ left|time_left }}").render(Context({"left": left}))


@pytest.mark.parametrize(
    "now, state, text",
    [
        (kyiv(2026, 11, 24, 18, 0), "excellent", "3 h 00 min"),
        (kyiv(2026, 11, 24, 19, 0) - S, "excellent", "2 h 01 min"),  # a part-minute counts as one
        (kyiv(2026, 11, 24, 19, 0), "acceptable", "2 h 00 min"),  # at the excellent threshold
        (kyiv(2026, 11, 24, 19, 0) + S, "acceptable", "2 h 00 min"),
        (kyiv(2026, 11, 24, 21, 0), "acceptable", "1 h 00 min"),  # the evening: no working time passes
        (kyiv(2026, 11, 25, 9, 59), "acceptable", "1 min"),
        (kyiv(2026, 11, 25, 10, 0) - S, "acceptable", "1 min"),  # never "0 min" while time is left
        (kyiv(2026, 11, 25, 10, 0), "overdue", "time is up"),  # at the deadline: red, not green
        (kyiv(2026, 11, 25, 10, 0) + S, "overdue", "time is up"),
        (kyiv(2026, 11, 25, 10, 35), "overdue", "overdue by 35 min"),
    ],
)
def test_colour_and_text_at_each_boundary(place_order, now, state, text):
    order = entered_at(place_order(), TUE_18)
    assert (order.excellent_deadline, order.acceptable_deadline) == (kyiv(2026, 11, 24, 19), kyiv(2026, 11, 25, 10))
    assert deadlines.deadline_state(order, now) == state
    assert shown(deadlines.working_time_left(order, now)) == text


def test_no_working_time_left_before_the_deadline_is_overdue_not_green(place_order):
    """Entered Tue 17:00: the 3 working hours run out at 20:00, so the deadline is Wed 09:00; at
    20:30 no working time is left: the countdown shows it as overdue."""
    order = entered_at(place_order(), kyiv(2026, 11, 24, 17, 0))
    assert order.acceptable_deadline == kyiv(2026, 11, 25, 9, 0)
    evening = kyiv(2026, 11, 24, 20, 30)
    assert deadlines.working_time_left(order, evening) == timedelta(0)
    assert deadlines.deadline_state(order, evening) == "overdue"
    assert shown(deadlines.working_time_left(order, evening)) == "time is up"


def test_an_excellent_threshold_with_no_working_time_left_has_passed(place_order):
    """Entered Tue 19:00: the excellent hour runs out at 20:00 (threshold Wed 09:00); at 20:30 it
    has passed though the threshold's instant has not."""
    order = entered_at(place_order(), kyiv(2026, 11, 24, 19, 0))
    assert order.excellent_deadline == kyiv(2026, 11, 25, 9, 0)
    assert deadlines.deadline_state(order, kyiv(2026, 11, 24, 19, 59)) == "excellent"
    assert deadlines.deadline_state(order, kyiv(2026, 11, 24, 20, 30)) == "acceptable"


def test_filter_texts():
    assert shown(None) == ""
    assert shown(timedelta(seconds=1)) == "1 min"
    assert shown(timedelta(minutes=125)) == "2 h 05 min"
    assert shown(timedelta(0)) == "time is up"
    assert shown(-timedelta(seconds=59)) == "time is up"
    assert shown(-timedelta(minutes=1)) == "overdue by 1 min"
    assert shown(-timedelta(days=1, hours=2)) == "overdue by 1 d 2 h"
