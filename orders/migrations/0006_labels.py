"""Labels only (no change to the tables): `cancelled_by` is shown by its actor's name
("Platform", not `platform`) in admin and the order's timeline; the bookkeeping columns get
readable, translatable names."""

from django.db import migrations, models

import orders.models

ACTOR_KINDS = [
    ("seller", "Seller"),
    ("moderator", "Moderator"),
    ("buyer", "Buyer"),
    ("platform", "Platform"),
    ("carrier", "Carrier"),
]


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_expiry_count_index")]

    operations = [
        migrations.AlterField(
            model_name="historicalorder",
            name="cancelled_by",
            field=models.CharField(blank=True, choices=ACTOR_KINDS, max_length=16, verbose_name="cancelled by"),
        ),
        migrations.AlterField(
            model_name="order",
            name="cancelled_by",
            field=models.CharField(blank=True, choices=ACTOR_KINDS, max_length=16, verbose_name="cancelled by"),
        ),
        migrations.AlterField(
            model_name="order",
            name="next_check_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="next check by the platform"
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="public_token",
            field=models.CharField(
                default=orders.models.new_public_token,
                editable=False,
                max_length=64,
                unique=True,
                verbose_name="buyer's link token",
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="reminders_sent",
            field=models.PositiveSmallIntegerField(
                db_default=0, default=0, editable=False, verbose_name="reminders sent"
            ),
        ),
    ]
