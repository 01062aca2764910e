"""Moderators see the models added since 0004 in admin: store invitations, categories, parcels and
tracking events, checkout records (marketplace.defaults.grant_moderators, idempotent)."""

from django.db import migrations

from marketplace.defaults import grant_moderators


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0004_moderators_group_history_user_settings"),
        ("sellers", "0006_storefront_catalog"),
        ("orders", "0010_track_open_parcels"),
    ]

    operations = [migrations.RunPython(grant_moderators, migrations.RunPython.noop)]
