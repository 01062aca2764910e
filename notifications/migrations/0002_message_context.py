"""Outbox rows keep what a message says (template and context) instead of the rendered text;
the delivery worker renders them."""

from django.db import migrations, models

import notifications.snapshot


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="outboxmessage", name="template",
            field=models.CharField(default="", max_length=64, verbose_name="template"), preserve_default=False,
        ),
        migrations.AddField(
            model_name="outboxmessage", name="context",
            field=models.JSONField(decoder=notifications.snapshot.Decoder, default=dict,
                                   encoder=notifications.snapshot.Encoder, verbose_name="context"),
            preserve_default=False,
        ),
        migrations.RemoveField(model_name="outboxmessage", name="payload"),
    ]
