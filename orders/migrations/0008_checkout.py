from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0007_order_source")]

    operations: list = []
