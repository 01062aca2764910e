"""Placeholder: performance thresholds; moderators see the new models (issue 15, metrics lane) (the owner writes its operations)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0006_request_policy"),
        ("sellers", "0008_performance"),
        ("orders", "0012_late_causes"),
    ]

    operations = []
