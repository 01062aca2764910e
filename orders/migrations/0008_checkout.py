from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0007_order_source")]

    operations = [
        migrations.CreateModel(
            name="Checkout",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(editable=False, max_length=64, unique=True, verbose_name="one-time key")),
                ("buyer_phone", models.CharField(max_length=32, verbose_name="buyer's phone")),
                ("ip", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address")),
                ("created_at", models.DateTimeField(verbose_name="placed")),
                ("order_ids", models.JSONField(default=list, verbose_name="orders")),
            ],
            options={
                "verbose_name": "checkout",
                "verbose_name_plural": "checkouts",
                "indexes": [
                    models.Index(fields=["buyer_phone", "created_at"], name="checkout_phone_time"),
                    models.Index(fields=["ip", "created_at"], name="checkout_ip_time"),
                ],
            },
        ),
    ]
