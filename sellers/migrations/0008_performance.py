"""Placeholder: store metrics per day, rating and standing (issue 15, metrics lane) (the owner writes its operations)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sellers", "0007_fee_ledger")]

    operations = []
