"""The Nova Poshta client against the local fake of its JSON API 2.0 (fakes.py): each state group, an
unknown code, mixed answers in one batch, a readdressed parcel, every kind of failure, StatusCode as a
number and as a string, batches of at most 100, and the number format (docs/rules.md §8)."""

from __future__ import annotations

import logging
import socket
from datetime import date, datetime

import pytest

from marketplace.worktime import KYIV
from orders import carriers
from orders.carriers.base import ParcelQuery, StateGroup, TrackingUnavailable
from orders.carriers.novaposhta import NovaPoshta
from orders.choices import DeliveryMethod
from orders.rules import valid_ttn
from tests.orders.carriers.fakes import document

N1, N2, N3, N4 = "20450000000001", "20450000000002", "59000000000003", "20450000000004"


@pytest.fixture
def np(fake_novaposhta):
    return NovaPoshta()


def one(np, number, phone=""):
    (state,) = np.track([ParcelQuery(number, phone)])
    return state


GROUPS = [
    (1, StateGroup.CREATED),
    (2, StateGroup.NOT_FOUND),
    (3, StateGroup.NOT_FOUND),
    (4, StateGroup.IN_TRANSIT),
    (41, StateGroup.IN_TRANSIT),
    (5, StateGroup.IN_TRANSIT),
    (6, StateGroup.IN_TRANSIT),
    (101, StateGroup.IN_TRANSIT),
    (7, StateGroup.AT_BRANCH),
    (8, StateGroup.AT_BRANCH),
    (9, StateGroup.RECEIVED),
    (10, StateGroup.RECEIVED),
    (11, StateGroup.RECEIVED),
    (106, StateGroup.RECEIVED),
    (102, StateGroup.REFUSED),
    (103, StateGroup.REFUSED),
    (108, StateGroup.REFUSED),
    (104, StateGroup.READDRESSED),
    (111, StateGroup.FAILED_ATTEMPT),
    (112, StateGroup.FAILED_ATTEMPT),
]


@pytest.mark.parametrize(("code", "group"), GROUPS)
def test_every_status_code_maps_to_its_group(np, fake_novaposhta, code, group):
    fake_novaposhta.set(N1, code=code)
    state = one(np, N1)
    assert (state.number, state.group, state.code) == (N1, group, str(code))
    assert state.text == fake_novaposhta.documents[N1]["Status"]


@pytest.mark.parametrize("numeric", [False, True])
def test_status_code_as_a_string_or_a_number_means_the_same(np, fake_novaposhta, numeric):
    fake_novaposhta.set(N1, code=9, numeric_code=numeric)
    assert isinstance(fake_novaposhta.documents[N1]["StatusCode"], int if numeric else str)
    state = one(np, N1)
    assert (state.group, state.code) == (StateGroup.RECEIVED, "9")


def test_an_unknown_code_is_unknown_and_logged(np, fake_novaposhta, caplog):
    fake_novaposhta.set(N1, code=777, status="Щось нове")
    fake_novaposhta.set_raw(N2, {**document(N2, 5), "StatusCode": "abc"})
    with caplog.at_level(logging.WARNING, logger="orders.carriers.novaposhta"):
        states = np.track([ParcelQuery(N1), ParcelQuery(N2)])
    assert [(s.group, s.code, s.text) for s in states] == [
        (StateGroup.UNKNOWN, "777", "Щось нове"),
        (StateGroup.UNKNOWN, "abc", fake_novaposhta.documents[N2]["Status"]),
    ]
    assert "777" in caplog.text and N1 in caplog.text and N2 in caplog.text


def test_a_number_nobody_knows_is_not_found(np, fake_novaposhta):
    state = one(np, N3)
    assert (state.group, state.code, state.text) == (StateGroup.NOT_FOUND, "3", "Номер не знайдено")


def test_mixed_answers_in_one_batch(np, fake_novaposhta):
    fake_novaposhta.set(N1, code=9, at=datetime(2026, 11, 24, 9, 15, tzinfo=KYIV))
    fake_novaposhta.set(N2, code=7, branch="Відділення №5: вул. Січових Стрільців, 3", storage_until=date(2026, 12, 1))
    fake_novaposhta.set(N4, code=102)
    states = np.track([ParcelQuery(n, "+380501234567") for n in (N1, N2, N3, N4)])

    assert fake_novaposhta.request_count == 1 and fake_novaposhta.documents_per_request == [4]
    by_number = {s.number: s for s in states}
    assert {n: s.group for n, s in by_number.items()} == {
        N1: StateGroup.RECEIVED,
        N2: StateGroup.AT_BRANCH,
        N3: StateGroup.NOT_FOUND,
        N4: StateGroup.REFUSED,
    }
    assert by_number[N1].at == datetime(2026, 11, 24, 9, 15, tzinfo=KYIV)
    assert by_number[N2].branch == "Відділення №5: вул. Січових Стрільців, 3"
    # DatePayedKeeping is when paid storage starts (midnight of 1 December): 30 November is the last free day.
    assert by_number[N2].storage_free_until == date(2026, 11, 30)


def test_the_request_is_the_api_shape_with_the_phone_and_the_key(np, fake_novaposhta, settings):
    settings.NOVA_POSHTA_API_KEY = "np-key"
    np.track([ParcelQuery(N1, "+38 (050) 123-45-67"), ParcelQuery(N2, "0671234567"), ParcelQuery(N3)])
    (body,) = fake_novaposhta.requests
    assert body["apiKey"] == "np-key"
    assert (body["modelName"], body["calledMethod"]) == ("TrackingDocument", "getStatusDocuments")
    assert body["methodProperties"]["Documents"] == [
        {"DocumentNumber": N1, "Phone": "380501234567"},
        {"DocumentNumber": N2, "Phone": "380671234567"},
        {"DocumentNumber": N3, "Phone": ""},
    ]


def test_the_key_is_optional(np, fake_novaposhta):
    fake_novaposhta.set(N1, code=5)
    assert one(np, N1).group == StateGroup.IN_TRANSIT
    assert fake_novaposhta.api_keys == [""]


def test_times_in_either_format_are_kyiv_times(np, fake_novaposhta):
    fake_novaposhta.set(
        N1, code=9, RecipientDateTime="24.11.2026 12:30:05", ScheduledDeliveryDate="25.11.2026 13:00:00"
    )
    fake_novaposhta.set(
        N2, code=5, TrackingUpdateDate="2026-11-24 08:01:00", ScheduledDeliveryDate="2026-11-26 00:00:00"
    )
    fake_novaposhta.set(N4, code=5, TrackingUpdateDate="0001-01-01 00:00:00", ScheduledDeliveryDate="")
    received, moving, blank = np.track([ParcelQuery(N1), ParcelQuery(N2), ParcelQuery(N4)])
    assert received.at == datetime(2026, 11, 24, 12, 30, 5, tzinfo=KYIV)
    assert received.scheduled_delivery == date(2026, 11, 25)
    assert moving.at == datetime(2026, 11, 24, 8, 1, tzinfo=KYIV)
    assert moving.scheduled_delivery == date(2026, 11, 26)
    assert (blank.at, blank.scheduled_delivery) == (None, None)


def test_a_readdressed_parcel_names_the_number_it_travels_under(np, fake_novaposhta):
    fake_novaposhta.set(N1, code=104, new_number="59000000000099")
    # A new waybill created on the basis of this one while it is under way: readdressed too.
    fake_novaposhta.set(N2, code=5, new_number="2045 0000 0000 98")
    changed, redirected = np.track([ParcelQuery(N1), ParcelQuery(N2)])
    assert (changed.group, changed.new_number) == (StateGroup.READDRESSED, "59000000000099")
    assert (redirected.group, redirected.new_number, redirected.code) == (
        StateGroup.READDRESSED,
        "20450000000098",
        "5",
    )


def test_a_refused_parcel_names_its_return_waybill(np, fake_novaposhta):
    fake_novaposhta.set(N1, code=103, new_number="59000000000077", new_number_type="CargoReturn")
    state = one(np, N1)
    assert (state.group, state.new_number) == (StateGroup.REFUSED, "59000000000077")


def test_a_received_parcels_money_transfer_is_not_a_new_number(np, fake_novaposhta):
    fake_novaposhta.set(N1, code=11, new_number="59000000000055", new_number_type="BackwardDelivery")
    state = one(np, N1)
    assert (state.group, state.new_number) == (StateGroup.RECEIVED, "")


def test_a_return_waybill_received_by_the_store_is_returned(np, fake_novaposhta):
    fake_novaposhta.set(N3, code=9, OwnerDocumentNumber=N1, OwnerDocumentType="CargoReturn")
    assert one(np, N3).group == StateGroup.RETURNED


@pytest.mark.parametrize("failure", ["success_false", 500, 503, "timeout", "not_json"])
def test_a_failed_call_raises_tracking_unavailable(np, fake_novaposhta, failure):
    fake_novaposhta.set(N1, code=9)
    fake_novaposhta.fail(failure)
    with pytest.raises(TrackingUnavailable):
        np.track([ParcelQuery(N1)])
    # The next call is answered again.
    assert one(np, N1).group == StateGroup.RECEIVED


def test_success_false_says_the_carriers_errors(np, fake_novaposhta):
    fake_novaposhta.fail("success_false", errors=["Document number is not correct"])
    with pytest.raises(TrackingUnavailable, match="Document number is not correct"):
        np.track([ParcelQuery(N1)])


def test_a_refused_connection_raises_tracking_unavailable(np, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.NOVA_POSHTA_API_URL = f"http://127.0.0.1:{port}/v2.0/json/"
    with pytest.raises(TrackingUnavailable):
        np.track([ParcelQuery(N1)])


def test_an_answer_without_data_raises_tracking_unavailable(np, fake_novaposhta, monkeypatch):
    original = fake_novaposhta._json
    monkeypatch.setattr(fake_novaposhta, "_json", lambda payload: original({"success": True}))
    with pytest.raises(TrackingUnavailable):
        np.track([ParcelQuery(N1)])


def test_250_parcels_are_asked_in_3_calls_of_at_most_100(np, fake_novaposhta):
    numbers = [f"2045{i:010d}" for i in range(250)]
    for number in numbers[::7]:
        fake_novaposhta.set(number, code=6)
    states = []
    for start in range(0, len(numbers), np.batch_size):
        states += np.track([ParcelQuery(n) for n in numbers[start : start + np.batch_size]])
    assert fake_novaposhta.documents_per_request == [100, 100, 50]
    assert [s.number for s in states] == numbers
    assert sum(s.group == StateGroup.IN_TRANSIT for s in states) == len(numbers[::7])


def test_more_than_a_batch_in_one_call_is_refused(np, fake_novaposhta):
    with pytest.raises(ValueError):
        np.track([ParcelQuery(f"2045{i:010d}") for i in range(101)])
    assert fake_novaposhta.request_count == 0


def test_the_session_is_kept_between_calls(np, fake_novaposhta):
    np.track([ParcelQuery(N1)])
    session = np.http.session
    np.track([ParcelQuery(N2)])
    assert np.http.session is session and fake_novaposhta.request_count == 2


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("20450000000001", "20450000000001"),
        ("59000000000003", "59000000000003"),
        (" 2045 0000 0000 01 ", "20450000000001"),
        ("2045-0000-0000-01", "20450000000001"),
    ],
)
def test_number_format_accepts(typed, normalized):
    assert NovaPoshta().normalize_number(typed) == normalized


@pytest.mark.parametrize(
    "typed", ["", "2045000000000", "204500000000011", "10450000000001", "2045000000000A", "0123456789123"]
)
def test_number_format_refuses(typed):
    with pytest.raises(ValueError, match="14 digits"):
        NovaPoshta().normalize_number(typed)


def test_the_registry_finds_nova_poshta_by_code_and_delivery_method():
    carrier = carriers.get("nova_poshta")
    assert carrier is carriers.get("nova_poshta")  # one shared instance (one kept-alive session)
    assert carriers.for_delivery_method(DeliveryMethod.NOVA_POSHTA) is carrier
    assert carriers.for_delivery_method(DeliveryMethod.COURIER) is None
    assert carriers.for_delivery_method(DeliveryMethod.PICKUP) is None
    assert {c.code for c in carriers.all()} == {"nova_poshta", "ukrposhta"}
    assert str(carrier.label) and carrier.batch_size == 100
    with pytest.raises(KeyError):
        carriers.get("pigeon_post")


def test_valid_ttn_reads_the_carriers_number_format():
    assert valid_ttn(DeliveryMethod.NOVA_POSHTA, "20450000000001")
    assert not valid_ttn(DeliveryMethod.NOVA_POSHTA, "2045 0000000001")  # stored numbers are normalized ones
    assert not valid_ttn(DeliveryMethod.NOVA_POSHTA, "12345")
    assert not valid_ttn(DeliveryMethod.NOVA_POSHTA, "")
    assert not valid_ttn(DeliveryMethod.COURIER, "20450000000001")
