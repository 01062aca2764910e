"""The Ukrposhta client against a local fake of its status-tracking API (fakes.py): the state groups,
an unknown event, a barcode the carrier does not know, failures, the number format (docs/rules.md §8)."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest

from marketplace.worktime import KYIV
from orders import carriers
from orders.carriers.base import ParcelQuery, StateGroup, TrackingUnavailable
from orders.carriers.ukrposhta import Ukrposhta

B1, B2, B3, B4 = "0500100000001", "0500100000002", "0500100000003", "RR123456789UA"


@pytest.fixture
def up(fake_ukrposhta):
    return Ukrposhta()


@pytest.mark.parametrize(
    ("event", "group"),
    [
        (10100, StateGroup.IN_TRANSIT),
        (20800, StateGroup.IN_TRANSIT),
        (21500, StateGroup.AT_BRANCH),
        (31100, StateGroup.FAILED_ATTEMPT),
        (31200, StateGroup.REFUSED),
        (41000, StateGroup.RECEIVED),
        (41010, StateGroup.RETURNED),
        (48000, StateGroup.REFUSED),
        (20123, StateGroup.IN_TRANSIT),  # not listed: its stage (2xxxx, transport) says it
    ],
)
def test_events_map_to_groups(up, fake_ukrposhta, event, group):
    fake_ukrposhta.set(B1, event=event, name="Подія")
    (state,) = up.track([ParcelQuery(B1)])
    assert (state.number, state.group, state.code, state.text) == (B1, group, str(event), "Подія")


def test_the_event_as_a_string_and_the_time_and_office(up, fake_ukrposhta):
    fake_ukrposhta.set(B1, event="21500", name="Надійшло у відділення", at=datetime(2026, 11, 24, 8, 30))
    (state,) = up.track([ParcelQuery(B1)])
    assert state.group == StateGroup.AT_BRANCH
    assert state.at == datetime(2026, 11, 24, 8, 30, tzinfo=KYIV)
    assert state.branch == "01001 Київ 1"


def test_an_unknown_event_is_unknown_and_logged(up, fake_ukrposhta, caplog):
    fake_ukrposhta.set(B1, event=99, name="?")
    with caplog.at_level(logging.WARNING, logger="orders.carriers.ukrposhta"):
        (state,) = up.track([ParcelQuery(B1)])
    assert state.group == StateGroup.UNKNOWN and B1 in caplog.text


def test_a_mixed_batch_with_an_unknown_barcode(up, fake_ukrposhta):
    fake_ukrposhta.set(B1, event=41000)
    fake_ukrposhta.set(B3, event=31100, eventReason="Адресат відсутній")
    states = up.track([ParcelQuery(b) for b in (B1, B2, B3)])
    assert [(s.number, s.group) for s in states] == [
        (B1, StateGroup.RECEIVED),
        (B2, StateGroup.NOT_FOUND),
        (B3, StateGroup.FAILED_ATTEMPT),
    ]
    assert states[2].text.endswith("Адресат відсутній")
    assert fake_ukrposhta.asked == [B1, B2, B3]


@pytest.mark.parametrize("failure", [500, 401, "timeout", "not_json"])
def test_a_failed_request_fails_the_batch(up, fake_ukrposhta, settings, failure):
    fake_ukrposhta.set(B1, event=41000)
    fake_ukrposhta.set(B2, event=41000)
    if failure == 401:
        settings.UKRPOSHTA_TRACKING_TOKEN = "wrong"
    else:
        fake_ukrposhta.fail(failure)
    with pytest.raises(TrackingUnavailable):
        up.track([ParcelQuery(B1), ParcelQuery(B2)])


def test_without_a_token_nothing_is_asked(up, fake_ukrposhta, settings):
    settings.UKRPOSHTA_TRACKING_TOKEN = ""
    with pytest.raises(TrackingUnavailable, match="UKRPOSHTA_TRACKING_TOKEN"):
        up.track([ParcelQuery(B1)])
    assert fake_ukrposhta.asked == []
    assert up.track([]) == []


def test_at_most_a_batch_per_call(up, fake_ukrposhta):
    with pytest.raises(ValueError):
        up.track([ParcelQuery(f"05001{i:08d}") for i in range(up.batch_size + 1)])
    assert fake_ukrposhta.asked == []


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [(B1, B1), ("0500 1000 0000 1", B1), ("rr123456789ua", B4), ("RR 123 456 789 UA", B4)],
)
def test_number_format_accepts(typed, normalized):
    assert Ukrposhta().normalize_number(typed) == normalized


@pytest.mark.parametrize(
    "typed", ["", "050010000000", "05001000000012", "20450000000001", "RR123456789US", "R1234567890UA"]
)
def test_number_format_refuses(typed):
    with pytest.raises(ValueError, match="13 digits"):
        Ukrposhta().normalize_number(typed)


def test_the_registry_has_ukrposhta():
    carrier = carriers.get("ukrposhta")
    assert carrier.code == "ukrposhta" and str(carrier.label) and carrier.batch_size == 20
    assert carrier in carriers.all()
