"""The fee statement in the cabinet (docs/rules.md §10): a Kyiv month of the store's ledger, its
totals equal to the ledger's sum, each row and why, and the same rows as CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from marketplace.formats import money
from marketplace.worktime import KYIV
from orders.models import Order
from sellers.fees import Month, statement_rows, statement_totals
from sellers.models import FeeCharge
from tests.conftest import PINNED_NOW

pytestmark = pytest.mark.django_db

D = Decimal


def at(clock, when: datetime, **row) -> FeeCharge:
    """A ledger row written at `when` (Kyiv), the clock put back after."""
    clock.move_to(when)
    try:
        return FeeCharge.objects.create(**row)
    finally:
        clock.move_to(PINNED_NOW)


@pytest.fixture
def ledger(clock, store, outsider_store, place_order, outsider_offer):
    """Hand-made rows: November (this month) — a charge at 00:30 on the 1st in Kyiv (still October
    in UTC: the month is Kyiv's), an expiry, the first one's reversal; October — a charge at 23:30 on
    the 31st; another store's November row."""
    first, expired, october = place_order(), place_order(), place_order()
    Order.objects.filter(pk=expired.pk).update(status="cancelled", cancel_reason="shipping_time_expired")
    foreign = place_order([(outsider_offer, 1)], target_store=outsider_store)
    charge = at(
        clock,
        datetime(2026, 11, 1, 0, 30, tzinfo=KYIV),
        store=store,
        order=first,
        kind="received",
        base=D("200.00"),
        percent=D("5"),
        amount=D("10.00"),
    )
    rows = {
        "first": charge,
        "expired": at(
            clock,
            datetime(2026, 11, 20, 12, 0, tzinfo=KYIV),
            store=store,
            order=expired,
            kind="expired",
            base=D("410.00"),
            percent=D("5"),
            amount=D("20.50"),
        ),
        "reversal": at(
            clock,
            datetime(2026, 11, 22, 9, 0, tzinfo=KYIV),
            store=store,
            order=first,
            kind="reversal",
            base=D("200.00"),
            percent=D("5"),
            amount=D("-10.00"),
            reverses=charge,
            reason="=Returned by the buyer",
        ),
        "october": at(
            clock,
            datetime(2026, 10, 31, 23, 30, tzinfo=KYIV),
            store=store,
            order=october,
            kind="received",
            base=D("140.00"),
            percent=D("5"),
            amount=D("7.00"),
        ),
        "foreign": at(
            clock,
            datetime(2026, 11, 10, 12, 0, tzinfo=KYIV),
            store=outsider_store,
            order=foreign,
            kind="received",
            base=D("1980.00"),
            percent=D("5"),
            amount=D("99.00"),
        ),
    }
    return rows


def test_the_months_totals_equal_the_ledgers_sum(store, ledger):
    november, october = Month(2026, 11), Month(2026, 10)
    totals = statement_totals(store.pk, november)
    assert (totals.charged, totals.reversed, totals.net, totals.rows) == (D("30.50"), D("-10.00"), D("20.50"), 3)
    assert [r.pk for r in statement_rows(store.pk, november)] == [
        ledger["first"].pk,
        ledger["expired"].pk,
        ledger["reversal"].pk,
    ]
    assert statement_totals(store.pk, october).net == D("7.00")
    # every row of the store is in exactly one month: the months' nets add up to the ledger's
    ledger_sum = sum(FeeCharge.objects.filter(store=store).values_list("amount", flat=True))
    assert statement_totals(store.pk, november).net + statement_totals(store.pk, october).net == ledger_sum
    assert statement_totals(store.pk, Month(2026, 12)).net == 0


def test_the_page_shows_this_month_by_default_with_each_row_and_why(manager_client, ledger):
    page = manager_client.get(reverse("cabinet:statement"))
    assert page.status_code == 200
    text = page.text
    for total, value in (("charged", "30.50"), ("reversed", "-10.00"), ("net", "20.50")):
        assert f'id="total-{total}">' in text and money(D(value), "en") in text
    assert text.count('<tr data-kind="') == 3
    assert f'data-order="{ledger["foreign"].order_id}"' not in text and money(D("99.00"), "en") not in text
    assert f'href="/cabinet/orders/{ledger["first"].order_id}/"' in text
    for why in ("received", "expired: shipping time", "reversed: =Returned by the buyer"):
        assert why in text
    assert "5.00 %" in text


def test_the_month_picker_and_a_bad_month(manager_client, owner_client, ledger):
    october = manager_client.get(reverse("cabinet:statement"), {"month": "2026-10"})
    assert october.text.count('<tr data-kind="') == 1 and money(D("7.00"), "en") in october.text
    assert 'href="?month=2026-11"' in october.text  # the next month
    assert 'rel="next"' not in manager_client.get(reverse("cabinet:statement")).text.split("statement-totals")[0]
    for junk in ("2026-13", "abc", "2026-1x", "99999-01"):
        page = manager_client.get(reverse("cabinet:statement"), {"month": junk})
        assert page.status_code == 200 and page.text.count('<tr data-kind="') == 3  # this month
    assert owner_client.get(reverse("cabinet:statement")).status_code == 200  # the owner too


def test_another_store_sees_only_its_own_rows(outsider_client, ledger):
    page = outsider_client.get(reverse("cabinet:statement"), {"month": "2026-11"})
    assert page.text.count('<tr data-kind="') == 1 and money(D("99.00"), "en") in page.text


def test_the_csv_has_the_same_rows_excel_safe(manager_client, ledger):
    response = manager_client.get(reverse("cabinet:statement_export"), {"month": "2026-11"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].endswith('-2026-11.csv"')
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[0] == ["Date", "Order", "Kind", "Order total", "Percent", "Fee", "Why"]
    first, expired = ledger["first"], ledger["expired"]
    assert rows[1:] == [
        ["01.11.2026 00:30", str(first.order_id), "Order received", "200.00", "5.00", "10.00", "received"],
        [
            "20.11.2026 12:00",
            str(expired.order_id),
            "Deadline expired",
            "410.00",
            "5.00",
            "20.50",
            "expired: shipping time",
        ],
        # the reason comes after "reversed:": a cell that never starts like a formula
        [
            "22.11.2026 09:00",
            str(first.order_id),
            "Reversal",
            "200.00",
            "5.00",
            "-10.00",
            "reversed: =Returned by the buyer",
        ],
    ]
    # the total of the CSV's fees is the page's net
    assert sum(D(row[5]) for row in rows[1:]) == D("20.50")
