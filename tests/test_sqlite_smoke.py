"""`make run` runs on SQLite, the rest of the suite on PostgreSQL: this runs the SQLite branches
of the code (marketplace/paginators.py counts exactly, notifications/services.py inserts instead
of COPY, orders/seed/bulk.py writes through the ORM) in a separate process on a temporary SQLite
file, as `make run` does: migrate, seed the demo and 300 bulk orders, open the admin's order
list, deliver the outbox. The process's clock is pinned like the suite's (tests/conftest.py).
"""

import pytest

from tests.sqlite_support import run_on_sqlite

SCRIPT = r"""
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

# The suite's moment (tests/conftest.py): Tuesday 2026-11-24 10:00 Kyiv, ticking.
with time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Kyiv")), tick=True):
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # e-mail to the locmem backend, response.context recorded
    assert connection.vendor == "sqlite", connection.vendor
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", orders=300, seed=1, verbosity=0)

    from django.contrib.auth import get_user_model

    from notifications import delivery
    from notifications.models import OutboxMessage
    from orders.models import Order

    total = Order.objects.count()
    assert total >= 300, total
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    response = client.get("/admin/orders/order/")
    assert response.status_code == 200, response.status_code
    paginator = response.context["cl"].paginator
    assert (paginator.count, paginator.label, paginator.is_estimate) == (total, str(total), False), (
        paginator.count, paginator.label, total)
    assert client.get(f"/admin/orders/order/?p=2").status_code == 200

    pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, channel="email").count()
    assert pending > 0, "the demo wrote no e-mail"
    while delivery.drain(batch_size=500).sent:
        pass
    left = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, channel="email").count()
    assert left == 0 and len(mail.outbox) >= pending, (left, len(mail.outbox), pending)

    # The order page's journal reads comments and calls by a plain cursor (orders.selectors):
    # SQLite's naive text dates come back aware, in the order written.
    from marketplace.actors import Actor
    from orders.selectors import order_timeline
    from orders.services import order_call_log, order_comment_add

    from datetime import timedelta
    from sellers.models import StoreMember

    owner = StoreMember.objects.filter(role=StoreMember.Role.OWNER).select_related("user").first()
    order = Order.objects.filter(store_id=owner.store_id).order_by("pk").first()
    seller = Actor.seller(owner.user)
    order_comment_add(actor=seller, order=order, text="Asked for a gift wrap")
    order_call_log(actor=seller, order=order, outcome="no_answer", note="")
    notes = [e for e in order_timeline(order) if e.seller_only]
    utc = timedelta(0)
    assert [(e.kind, e.at.utcoffset()) for e in notes][-2:] == [("comment", utc), ("call", utc)], notes
    # `__any` (marketplace.db.AnyOf) is Django's IN on SQLite.
    assert Order.objects.filter(pk__any=[order.pk, None, 10**9]).count() == 1
    print(f"orders={total} label={paginator.label} e-mails={len(mail.outbox)}")
"""


@pytest.mark.slow
def test_make_run_paths_work_on_sqlite(tmp_path):
    result = run_on_sqlite(SCRIPT, tmp_path, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    assert "orders=" in result.stdout
