"""Performance thresholds with their defaults (docs/rules.md §10); moderators see the new models and
change the thresholds (marketplace.defaults.grant_moderators, idempotent)."""

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from marketplace.defaults import grant_moderators


def default_thresholds(apps, schema_editor):
    from marketplace.models import DEFAULT_THRESHOLDS

    Threshold = apps.get_model("marketplace", "PerformanceThreshold")
    for metric, direction, warning, restriction, days, min_orders, needs_overdue in DEFAULT_THRESHOLDS:
        Threshold.objects.get_or_create(
            metric=metric,
            defaults=dict(
                direction=direction,
                warning=warning,
                restriction=restriction,
                window_days=days,
                min_orders=min_orders,
                needs_overdue=needs_overdue,
            ),
        )


def moderators_change_thresholds(apps, schema_editor):
    grant_moderators(apps, schema_editor)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.get(name="moderators")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="marketplace", codename="change_performancethreshold")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0006_request_policy"),
        ("sellers", "0008_performance"),
        ("orders", "0012_late_causes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PerformanceThreshold",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "metric",
                    models.CharField(
                        choices=[
                            ("seller_fault_rate", "Seller-fault cancellation rate, %"),
                            ("late_shipment_rate", "Late shipment rate, %"),
                            ("valid_tracking_rate", "Valid tracking rate, %"),
                            ("expiries", "Expired orders"),
                            ("on_time_delivery_rate", "On-time delivery rate, %"),
                            ("answered_requests_rate", "Answered requests rate, %"),
                        ],
                        max_length=32,
                        unique=True,
                        verbose_name="metric",
                    ),
                ),
                (
                    "direction",
                    models.CharField(
                        choices=[("above", "bad when above the level"), ("below", "bad when below the level")],
                        default="above",
                        max_length=8,
                        verbose_name="direction",
                    ),
                ),
                (
                    "warning",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=7,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(0)],
                        verbose_name="warning level",
                    ),
                ),
                (
                    "restriction",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=7,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(0)],
                        verbose_name="restriction level",
                    ),
                ),
                (
                    "window_days",
                    models.PositiveSmallIntegerField(
                        default=30,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(90),
                        ],
                        verbose_name="over the last (days)",
                    ),
                ),
                (
                    "min_orders",
                    models.PositiveIntegerField(
                        default=20,
                        help_text="Fewer orders than this: the rate says too little and the threshold is not applied.",
                        verbose_name="only with at least this many orders in the window",
                    ),
                ),
                (
                    "needs_overdue",
                    models.BooleanField(
                        default=False,
                        help_text="The restriction applies only while the store has an order past its deadline.",
                        verbose_name="restrict only with an overdue order open",
                    ),
                ),
            ],
            options={
                "verbose_name": "performance threshold",
                "verbose_name_plural": "performance thresholds",
                "ordering": ["metric"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalPerformanceThreshold",
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
                    "metric",
                    models.CharField(
                        choices=[
                            ("seller_fault_rate", "Seller-fault cancellation rate, %"),
                            ("late_shipment_rate", "Late shipment rate, %"),
                            ("valid_tracking_rate", "Valid tracking rate, %"),
                            ("expiries", "Expired orders"),
                            ("on_time_delivery_rate", "On-time delivery rate, %"),
                            ("answered_requests_rate", "Answered requests rate, %"),
                        ],
                        db_index=True,
                        max_length=32,
                        verbose_name="metric",
                    ),
                ),
                (
                    "direction",
                    models.CharField(
                        choices=[("above", "bad when above the level"), ("below", "bad when below the level")],
                        default="above",
                        max_length=8,
                        verbose_name="direction",
                    ),
                ),
                (
                    "warning",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=7,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(0)],
                        verbose_name="warning level",
                    ),
                ),
                (
                    "restriction",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=7,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(0)],
                        verbose_name="restriction level",
                    ),
                ),
                (
                    "window_days",
                    models.PositiveSmallIntegerField(
                        default=30,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(90),
                        ],
                        verbose_name="over the last (days)",
                    ),
                ),
                (
                    "min_orders",
                    models.PositiveIntegerField(
                        default=20,
                        help_text="Fewer orders than this: the rate says too little and the threshold is not applied.",
                        verbose_name="only with at least this many orders in the window",
                    ),
                ),
                (
                    "needs_overdue",
                    models.BooleanField(
                        default=False,
                        help_text="The restriction applies only while the store has an order past its deadline.",
                        verbose_name="restrict only with an overdue order open",
                    ),
                ),
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
            ],
            options={
                "verbose_name": "historical performance threshold",
                "verbose_name_plural": "historical performance thresholds",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(default_thresholds, migrations.RunPython.noop),
        migrations.RunPython(moderators_change_thresholds, migrations.RunPython.noop),
    ]
