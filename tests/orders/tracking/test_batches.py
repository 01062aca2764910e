"""10,000 parcels in delivery are checked in at most 100 requests per pass, each of at most 100
documents, every parcel asked about once (docs/rules.md §8)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from marketplace import clock
from orders.seed.bulk import add_orders
from orders.tracking import polling
from orders.tracking.models import Parcel
from orders.tracking.parcels import track_open_parcels
from tests.orders.carriers.fakes import _novaposhta_server, document, fake_novaposhta  # noqa: F401

PARCELS = 10_000


def ship_all_with_nova_poshta() -> list[str]:
    """Every order in delivery by Nova Poshta under its own number, its parcel due a minute ago."""
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE orders_order SET status = 'in_delivery', delivery_method = 'nova_poshta', "
            "ttn = '2045' || lpad(id::text, 10, '0'), cancel_reason = '', cancelled_by = '' RETURNING ttn"
        )
        numbers = [row[0] for row in cur.fetchall()]
    Parcel.objects.all().delete()
    assert track_open_parcels() == len(numbers)
    Parcel.objects.update(next_check_at=clock.now() - timedelta(minutes=1))
    return numbers


@pytest.mark.slow
def test_10000_parcels_in_delivery_take_at_most_100_requests(db, store, offers, fake_novaposhta):  # noqa: F811
    add_orders(PARCELS, [store], history=False, seed=13)
    numbers = ship_all_with_nova_poshta()
    assert len(numbers) == PARCELS
    # All on their way, as they were at the last check: the pass only asks and moves the next checks.
    fake_novaposhta.default = {"code": 5}
    doc = document("", 5)
    Parcel.objects.update(group="in_transit", code="5", text=doc["Status"], branch=doc["WarehouseRecipient"])

    result = polling.run_pass()

    assert result.claimed == PARCELS and result.failures == 0 and not result.errors, result
    assert fake_novaposhta.request_count <= 100
    assert max(fake_novaposhta.documents_per_request) <= 100
    assert sorted(fake_novaposhta.asked) == sorted(numbers)  # each parcel once
    assert not Parcel.objects.filter(next_check_at__lte=clock.now()).exists()  # all moved past now

    # Nothing is due right after: the next pass asks nobody.
    before = fake_novaposhta.request_count
    assert polling.run_pass().claimed == 0
    assert fake_novaposhta.request_count == before
