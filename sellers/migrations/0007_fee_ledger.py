"""The fee ledger with reversals and per-store rates (issue 15, fees lane): FeeCharge becomes a
ledger (many rows per order: at most one charge and one reversal), Store.fee_percent."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sellers", "0006_storefront_catalog"),
        ("orders", "0011_requests_disputes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="feecharge",
            name="fee_not_negative",
        ),
        migrations.AddField(
            model_name="feecharge",
            name="reason",
            field=models.CharField(blank=True, max_length=300, verbose_name="reason of the reversal"),
        ),
        migrations.AddField(
            model_name="feecharge",
            name="reversed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="reversed by",
            ),
        ),
        migrations.AddField(
            model_name="feecharge",
            name="reverses",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reversals",
                to="sellers.feecharge",
                verbose_name="reverses",
            ),
        ),
        migrations.AddField(
            model_name="historicalstore",
            name="fee_percent",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="Leave empty to charge the platform's fee.",
                max_digits=5,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(100),
                ],
                verbose_name="own fee, % of the order total",
            ),
        ),
        migrations.AddField(
            model_name="store",
            name="fee_percent",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="Leave empty to charge the platform's fee.",
                max_digits=5,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(0),
                    django.core.validators.MaxValueValidator(100),
                ],
                verbose_name="own fee, % of the order total",
            ),
        ),
        migrations.AlterField(
            model_name="feecharge",
            name="kind",
            field=models.CharField(
                choices=[("received", "Order received"), ("expired", "Deadline expired"), ("reversal", "Reversal")],
                max_length=10,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="feecharge",
            name="order",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="fee_charges",
                to="orders.order",
                verbose_name="order",
            ),
        ),
        migrations.AddConstraint(
            model_name="feecharge",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        models.Q(("kind", "reversal"), _negated=True),
                        ("amount__gte", 0),
                        ("reverses__isnull", True),
                    ),
                    models.Q(
                        ("kind", "reversal"),
                        ("amount__lte", 0),
                        ("reverses__isnull", False),
                        models.Q(("reason", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="fee_charge_or_reversal",
            ),
        ),
        migrations.AddConstraint(
            model_name="feecharge",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "reversal"), _negated=True),
                fields=("order",),
                name="fee_one_charge_per_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="feecharge",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "reversal")),
                fields=("order",),
                name="fee_one_reversal_per_order",
            ),
        ),
    ]
