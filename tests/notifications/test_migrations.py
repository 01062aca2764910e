"""Migration 0002: messages waiting in the outbox when it runs still go out, as rendered."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from notifications.models import OutboxMessage
from notifications.rendering import render_message

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True),
              pytest.mark.usefixtures("restore_migrations_data")]

BEFORE, AFTER = ("notifications", "0001_initial"), ("notifications", "0002_message_context")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def test_a_message_rendered_before_the_migration_keeps_its_text():
    old_apps = migrate(BEFORE)
    try:
        old_apps.get_model("notifications", "OutboxMessage").objects.create(
            event="order_placed", audience="buyer", channel="email", recipient="b@example.com", language="uk",
            payload={"subject": "Замовлення №7", "text": "Дякуємо\n", "html": "<p>Дякуємо</p>"},
            dedupe_key="m" * 64)
    finally:
        migrate(AFTER)
    message = OutboxMessage.objects.get(recipient="b@example.com")
    assert render_message(message) == {"subject": "Замовлення №7", "text": "Дякуємо\n", "html": "<p>Дякуємо</p>"}
