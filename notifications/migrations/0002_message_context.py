"""Outbox rows keep what a message says (template and context) instead of the rendered text;
the delivery worker renders them. Rows written before keep their rendered text under
context["rendered"] and go out as they are (see rendering.render_message)."""

from django.db import migrations, models

import notifications.snapshot


def keep_rendered(apps, schema_editor):
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    for message in OutboxMessage.objects.only("pk", "payload").iterator(chunk_size=1000):
        OutboxMessage.objects.filter(pk=message.pk).update(context={"rendered": message.payload})


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
        migrations.RunPython(keep_rendered, migrations.RunPython.noop),
        migrations.RemoveField(model_name="outboxmessage", name="payload"),
    ]
