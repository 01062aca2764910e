"""Store metrics per day, the store's standing and its history (issue 15, docs/rules.md §10)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sellers", "0007_fee_ledger"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalStoreStanding",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                (
                    "actor_kind",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("seller", "Seller"),
                            ("moderator", "Moderator"),
                            ("buyer", "Buyer"),
                            ("platform", "Platform"),
                            ("carrier", "Carrier"),
                        ],
                        max_length=16,
                        verbose_name="actor",
                    ),
                ),
                ("action", models.CharField(blank=True, max_length=40, verbose_name="action")),
                (
                    "level",
                    models.CharField(
                        choices=[("good", "Good"), ("warning", "Warning"), ("restricted", "Restricted: offers hidden")],
                        default="good",
                        max_length=12,
                        verbose_name="standing",
                    ),
                ),
                ("metrics", models.JSONField(blank=True, default=list, verbose_name="metrics past a level")),
                ("reason", models.CharField(blank=True, max_length=500, verbose_name="reason")),
                ("since", models.DateTimeField(blank=True, null=True, verbose_name="since")),
                ("restricted_by", models.CharField(blank=True, max_length=16, verbose_name="restricted by")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "store",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="sellers.store",
                        verbose_name="store",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical store's standing",
                "verbose_name_plural": "historical stores' standing",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="StoreStanding",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "level",
                    models.CharField(
                        choices=[("good", "Good"), ("warning", "Warning"), ("restricted", "Restricted: offers hidden")],
                        default="good",
                        max_length=12,
                        verbose_name="standing",
                    ),
                ),
                ("metrics", models.JSONField(blank=True, default=list, verbose_name="metrics past a level")),
                ("reason", models.CharField(blank=True, max_length=500, verbose_name="reason")),
                ("since", models.DateTimeField(blank=True, null=True, verbose_name="since")),
                ("restricted_by", models.CharField(blank=True, max_length=16, verbose_name="restricted by")),
                ("evaluated_at", models.DateTimeField(blank=True, null=True, verbose_name="evaluated")),
                (
                    "store",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="standing",
                        to="sellers.store",
                        verbose_name="store",
                    ),
                ),
            ],
            options={
                "verbose_name": "store's standing",
                "verbose_name_plural": "stores' standing",
            },
        ),
        migrations.CreateModel(
            name="StoreDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="day")),
                ("orders", models.PositiveIntegerField(db_default=0, default=0, verbose_name="orders ended")),
                ("received", models.PositiveIntegerField(db_default=0, default=0, verbose_name="received")),
                ("new_left", models.PositiveIntegerField(db_default=0, default=0, verbose_name="left “new”")),
                (
                    "new_excellent",
                    models.PositiveIntegerField(
                        db_default=0, default=0, verbose_name="left “new” within the excellent time"
                    ),
                ),
                (
                    "new_acceptable",
                    models.PositiveIntegerField(
                        db_default=0, default=0, verbose_name="left “new” within the acceptable time"
                    ),
                ),
                ("accepted_left", models.PositiveIntegerField(db_default=0, default=0, verbose_name="left “accepted”")),
                (
                    "accepted_excellent",
                    models.PositiveIntegerField(
                        db_default=0, default=0, verbose_name="left “accepted” within the excellent time"
                    ),
                ),
                (
                    "accepted_acceptable",
                    models.PositiveIntegerField(
                        db_default=0, default=0, verbose_name="left “accepted” within the acceptable time"
                    ),
                ),
                ("expired", models.PositiveIntegerField(db_default=0, default=0, verbose_name="expired")),
                (
                    "seller_fault",
                    models.PositiveIntegerField(
                        db_default=0, default=0, verbose_name="cancelled through the store's fault"
                    ),
                ),
                (
                    "buyer_cancelled",
                    models.PositiveIntegerField(db_default=0, default=0, verbose_name="cancelled by the buyer"),
                ),
                ("mutual", models.PositiveIntegerField(db_default=0, default=0, verbose_name="cancelled by agreement")),
                ("shipped", models.PositiveIntegerField(db_default=0, default=0, verbose_name="shipped")),
                (
                    "shipped_late",
                    models.PositiveIntegerField(db_default=0, default=0, verbose_name="shipped after the ship-by day"),
                ),
                (
                    "carrier_shipped",
                    models.PositiveIntegerField(db_default=0, default=0, verbose_name="shipped with a carrier"),
                ),
                (
                    "tracking_valid",
                    models.PositiveIntegerField(
                        db_default=0, default=0, verbose_name="with a tracking number the carrier found"
                    ),
                ),
                ("delivered", models.PositiveIntegerField(db_default=0, default=0, verbose_name="delivered")),
                (
                    "delivered_on_time",
                    models.PositiveIntegerField(db_default=0, default=0, verbose_name="delivered by the agreed date"),
                ),
                (
                    "requests",
                    models.PositiveIntegerField(db_default=0, default=0, verbose_name="buyers' requests to answer"),
                ),
                (
                    "requests_answered",
                    models.PositiveIntegerField(db_default=0, default=0, verbose_name="requests answered in time"),
                ),
                (
                    "store",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="days",
                        to="sellers.store",
                        verbose_name="store",
                    ),
                ),
            ],
            options={
                "verbose_name": "store's day",
                "verbose_name_plural": "stores' days",
                "ordering": ["store", "-day"],
                "constraints": [models.UniqueConstraint(fields=("store", "day"), name="store_day_once")],
            },
        ),
    ]
