"""Parcels already in delivery when tracking landed (docs/rules.md §8): every carrier order in
`in_delivery` with a tracking number gets its active parcel, due at once, so the next pass asks
about it. Historical models only (the migration does not import the app's code)."""

from django.db import migrations

CARRIER_METHODS = ("nova_poshta",)


def track_open_parcels(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Parcel = apps.get_model("orders", "Parcel")
    from marketplace import clock

    now = clock.now()
    tracked = Parcel.objects.filter(active=True).values("order_id")
    open_orders = (
        Order.objects.filter(status="in_delivery", delivery_method__in=CARRIER_METHODS)
        .exclude(ttn="")
        .exclude(pk__in=tracked)
        .values_list("pk", "delivery_method", "ttn", "buyer_phone")
        .order_by("pk")
    )
    batch = []
    for pk, method, ttn, phone in open_orders.iterator(chunk_size=2000):
        batch.append(
            Parcel(order_id=pk, carrier=method, number=ttn, phone=phone, active=True, created_at=now, next_check_at=now)
        )
        if len(batch) >= 2000:
            Parcel.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        Parcel.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("orders", "0009_tracking")]

    operations = [migrations.RunPython(track_open_parcels, migrations.RunPython.noop, elidable=True)]
