"""Placeholder: late-shipment causes on orders (issue 15, fees lane) (the owner writes its operations)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0011_requests_disputes")]

    operations = []
