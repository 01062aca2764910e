"""Late-shipment causes on orders (issue 15, fees lane): when an order was shipped, and the seller's
recorded cause of a late shipment or a shipping-time expiry."""

from django.db import migrations, models

LATE_CAUSES = [
    ("stock", "Stock: the goods were not in stock"),
    ("logistics", "Logistics: the carrier did not collect or was late"),
    ("operator_error", "Operator error: the order was handled wrongly"),
    ("system_failure", "System failure: the platform's or the store's system failed"),
]


class Migration(migrations.Migration):
    dependencies = [("orders", "0011_requests_disputes")]

    operations = [
        migrations.AddField(
            model_name=model,
            name=name,
            field=field,
        )
        for model in ("historicalorder", "order")
        for name, field in (
            (
                "late_cause",
                models.CharField(blank=True, choices=LATE_CAUSES, max_length=16, verbose_name="cause of the delay"),
            ),
            ("late_cause_at", models.DateTimeField(blank=True, null=True, verbose_name="cause recorded")),
            ("late_cause_note", models.CharField(blank=True, max_length=500, verbose_name="note on the delay")),
            ("shipped_at", models.DateTimeField(blank=True, null=True, verbose_name="shipped")),
        )
    ]
