"""Placeholder: the fee ledger with reversals and per-store rates (issue 15, fees lane) (the owner writes its operations)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sellers", "0006_storefront_catalog"), ("orders", "0011_requests_disputes")]

    operations = []
