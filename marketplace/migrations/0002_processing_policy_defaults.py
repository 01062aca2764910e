"""The seed's processing-time table (SPEC §4) as the default policy."""

from django.db import migrations

DEFAULTS = [
    # status, excellent (working min), deadline kind, acceptable (min), warn before (working min), on expiry
    ("new", 60, "working_minutes", 180, 30, "processing_time_expired"),
    ("accepted", 60, "working_minutes", 360, 60, "processing_time_expired"),
    ("confirmed", None, "ship_by_day_end", None, 120, "shipping_time_expired"),
    ("awaiting_shipment", None, "ship_by_day_end", None, 120, "shipping_time_expired"),
    ("awaiting_pickup", None, "calendar_minutes", 3 * 24 * 60, None, "remind_pickup"),
]


def create(apps, schema_editor):
    Policy = apps.get_model("marketplace", "ProcessingPolicy")
    for status, excellent, deadline, acceptable, warn, on_expiry in DEFAULTS:
        Policy.objects.update_or_create(
            status=status,
            defaults=dict(excellent_minutes=excellent, deadline=deadline, acceptable_minutes=acceptable,
                          warn_before_minutes=warn, on_expiry=on_expiry),
        )
    apps.get_model("marketplace", "PlatformPolicy").objects.get_or_create(pk=1)


def remove(apps, schema_editor):
    apps.get_model("marketplace", "ProcessingPolicy").objects.filter(status__in=[d[0] for d in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
