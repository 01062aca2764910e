"""The seed's processing-time table (docs/rules.md §4) as the default policy."""

from django.db import migrations

from marketplace.defaults import DEFAULT_POLICIES, ensure_defaults


def create(apps, schema_editor):
    ensure_defaults(apps.get_model("marketplace", "ProcessingPolicy"), apps.get_model("marketplace", "PlatformPolicy"))


def remove(apps, schema_editor):
    apps.get_model("marketplace", "ProcessingPolicy").objects.filter(status__in=[d[0] for d in DEFAULT_POLICIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
