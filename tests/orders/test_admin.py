"""Orders in Django admin: moderators look, nobody writes around the services."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localtime

from marketplace.actors import MODERATORS_GROUP
from marketplace.paginators import EstimatedCountPaginator
from orders.choices import CancelReason, Status
from orders.models import CallAttempt, Order
from orders.services import order_call_log, order_comment_add, order_confirm, order_open, order_ship
from tests.conftest import VALID_TTN, make_user, ready_delivery

CHANGELIST = reverse("admin:orders_order_changelist")


def change_url(order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # assertions below read English
    return client


@pytest.fixture
def worked_order(place_order, seller):
    """An order with a real history: placed, opened, a call, a seller comment, confirmed, shipped."""
    order = order_open(actor=seller, order=place_order())
    order_call_log(actor=seller, order=order, outcome=CallAttempt.Outcome.NO_ANSWER, note="no answer at 10:05")
    order_comment_add(actor=seller, order=order, text="Buyer asked to call after six")
    order = order_confirm(actor=seller, order=ready_delivery(order, seller))
    return order_ship(actor=seller, order=order, ttn=VALID_TTN)


def _changelist_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_moderator_sees_the_list_in_a_fixed_number_of_queries(moderator_client, place_order, offers):
    for _ in range(2):
        place_order([(offers[0], 1)])
    few = _changelist_queries(moderator_client)
    for _ in range(6):
        place_order([(offers[0], 1)])
    many = _changelist_queries(moderator_client)

    assert len(many) == len(few) <= 10
    response = moderator_client.get(CHANGELIST)
    newest = Order.objects.order_by("-pk").first()
    assert f"#{newest.pk}" in response.content.decode()
    assert "Alpha Shop" in response.content.decode()


def test_the_list_never_counts_the_whole_table(moderator_client, place_order, offers):
    place_order([(offers[0], 1)])
    for url in (CHANGELIST, f"{CHANGELIST}?status__exact=new", f"{CHANGELIST}?q=Iryna"):
        with CaptureQueriesContext(connection) as ctx:
            assert moderator_client.get(url).status_code == 200
        counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper() and "orders_order" in q["sql"]]
        assert counts, url
        assert all("LIMIT" in sql.upper() for sql in counts), counts


def test_estimated_paginator_counts_exactly_up_to_its_limit_then_estimates(place_order, offers):
    for _ in range(5):
        place_order([(offers[0], 1)])
    queryset = Order.objects.order_by("-pk")

    exact = EstimatedCountPaginator(queryset, 2)
    assert (exact.count, exact.is_estimate, exact.label) == (5, False, "5")

    small = EstimatedCountPaginator(queryset, 2)
    small.exact_limit = 3
    assert small.count >= 4
    assert small.is_estimate
    assert small.label == "3+" or small.label.startswith("≈ ")


def test_change_page_shows_items_and_the_timeline_with_seller_only_notes(moderator_client, worked_order):
    with CaptureQueriesContext(connection) as ctx:
        response = moderator_client.get(change_url(worked_order))
    assert response.status_code == 200
    assert len(ctx.captured_queries) <= 25
    html = response.content.decode()
    assert "Phone case" in html and "Charger" in html  # items inline
    assert 'id="order-timeline"' in html
    assert "Buyer asked to call after six" in html
    assert "no answer at 10:05" in html
    assert html.count(">seller-only<") == 2  # the comment and the call
    assert "New → Needs agreement with the buyer" in html
    assert VALID_TTN in html
    assert worked_order.public_token not in html
    assert 'name="status"' not in html and 'name="buyer_name"' not in html
    assert "Vodafone" in html  # the operator check of the buyer's phone


def test_history_is_visible_and_cannot_be_reverted(moderator_client, worked_order):
    history_url = reverse("admin:orders_order_history", args=[worked_order.pk])
    assert moderator_client.get(history_url).status_code == 200
    placed = worked_order.history.earliest()
    version_url = reverse("admin:orders_order_simple_history", args=[worked_order.pk, placed.history_id])
    page = moderator_client.get(version_url)
    assert page.status_code == 200
    assert worked_order.public_token not in page.content.decode()

    response = moderator_client.post(version_url, {"_change_history": "1"})

    assert response.status_code == 405
    worked_order.refresh_from_db()
    assert worked_order.status == Status.IN_DELIVERY


@pytest.mark.parametrize("who", ["moderator", "superuser"])
def test_status_cannot_be_changed_in_admin(client, moderator, worked_order, who):
    user = moderator if who == "moderator" else make_user("root", is_staff=True, is_superuser=True)
    client.force_login(user)
    history_rows = worked_order.history.count()

    response = client.post(
        change_url(worked_order),
        {
            "status": Status.RECEIVED,
            "buyer_name": "Someone Else",
            "buyer_phone": "+380671112233",
            "total": "1.00",
            "_save": "Save",
        },
    )

    assert response.status_code == 403
    worked_order.refresh_from_db()
    assert worked_order.status == Status.IN_DELIVERY
    assert worked_order.buyer_name == "Iryna Buyer"
    assert worked_order.history.count() == history_rows
    assert client.get(reverse("admin:orders_order_add")).status_code == 403
    assert client.post(reverse("admin:orders_order_delete", args=[worked_order.pk]), {"post": "yes"}).status_code == 403
    assert Order.objects.filter(pk=worked_order.pk).exists()


def test_outsider_without_staff_is_sent_to_the_admin_login(client, outsider, worked_order):
    client.force_login(outsider)
    for url in (CHANGELIST, change_url(worked_order)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_the_view_permission_sees_no_orders(client, worked_order):
    client.force_login(make_user("helpdesk", is_staff=True))
    assert client.get(CHANGELIST).status_code == 403


@pytest.mark.parametrize("term", ["050 123 45 67", "+380501234567", "Iryna", "BUYER@example.com", VALID_TTN, "#{pk}"])
def test_search_by_number_phone_name_email_and_ttn(moderator_client, worked_order, place_order, offers, term):
    other = place_order([(offers[0], 1)], phone="+380671112233")
    Order.objects.filter(pk=other.pk).update(buyer_name="Taras Other", buyer_email="taras@example.com")

    response = moderator_client.get(CHANGELIST, {"q": term.format(pk=worked_order.pk)})

    assert response.status_code == 200
    shown = [order.pk for order in response.context["cl"].result_list]
    assert shown == [worked_order.pk]


def test_comments_and_calls_are_listed_read_only(moderator_client, worked_order):
    for name in ("ordercomment", "callattempt"):
        listing = moderator_client.get(reverse(f"admin:orders_{name}_changelist"))
        assert listing.status_code == 200
        assert f"#{worked_order.pk}" in listing.content.decode()
        assert moderator_client.get(reverse(f"admin:orders_{name}_add")).status_code == 403
    comment = worked_order.comments.get()
    url = reverse("admin:orders_ordercomment_change", args=[comment.pk])
    assert moderator_client.get(url).status_code == 200
    assert moderator_client.post(url, {"text": "rewritten"}).status_code == 403
    comment.refresh_from_db()
    assert comment.text == "Buyer asked to call after six"


def test_moderators_group_has_the_permissions_moderators_need(moderator):
    """The group comes from marketplace's migration 0004: moderators look at everything, change
    the calendar and the policies (through marketplace.services), and write no order in admin."""
    group = Group.objects.get(name=MODERATORS_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {
        "view_order",
        "view_orderitem",
        "view_ordercomment",
        "view_callattempt",
        "view_store",
        "view_offer",
        "view_outboxmessage",
        "view_historicalorder",
    } <= codenames
    assert {
        "add_nonworkingperiod",
        "change_nonworkingperiod",
        "delete_nonworkingperiod",
        "add_workingdayoverride",
        "change_workingdayoverride",
        "delete_workingdayoverride",
        "change_processingpolicy",
        "change_platformpolicy",
        "change_performancethreshold",
    } <= codenames
    assert moderator.has_perm("orders.view_order") and moderator.has_perm("marketplace.change_processingpolicy")
    assert not {
        code
        for code in codenames
        if not code.startswith("view_")
        and not code.endswith(
            ("nonworkingperiod", "workingdayoverride", "processingpolicy", "platformpolicy", "performancethreshold")
        )
    }
    assert not Permission.objects.filter(group=group, codename="change_order").exists()


# --- deadlines: columns and filters (issue 11, "Admin for moderators") ------------------------


@pytest.fixture
def deadline_orders(place_order, offers, clock):
    """At Tue 12:30 Kyiv: `soon` (placed 10:00, deadline 13:00), `later` (placed 12:30, 15:30),
    `expired_today` (expired 00:30 Kyiv today, 22:30 UTC yesterday) and `expired_yesterday`
    (23:50 Kyiv yesterday)."""
    from orders.services import order_expire
    from tests.conftest import PINNED_NOW

    soon = place_order([(offers[0], 1)])
    made = {}
    for name, at in (
        ("expired_today", PINNED_NOW.replace(hour=0, minute=30)),
        ("expired_yesterday", PINNED_NOW.replace(hour=0, minute=0) - timedelta(minutes=10)),
    ):
        order = order_expire(order=place_order([(offers[0], 1)]), reason=CancelReason.PROCESSING_TIME_EXPIRED)
        Order.objects.filter(pk=order.pk).update(status_changed_at=at)
        made[name] = order
    clock.move_to(PINNED_NOW + timedelta(hours=2, minutes=30))
    later = place_order([(offers[0], 1)])
    return {"soon": soon, "later": later, **made}


def _shown(client, **params) -> list[int]:
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return sorted(order.pk for order in response.context["cl"].result_list)


def test_the_deadline_filters_follow_the_pinned_clock(moderator_client, deadline_orders, clock):
    from tests.conftest import PINNED_NOW

    soon, later = deadline_orders["soon"], deadline_orders["later"]
    assert abs(soon.acceptable_deadline - (PINNED_NOW + timedelta(hours=3))) < timedelta(seconds=5)
    assert _shown(moderator_client, deadline="within_hour") == [soon.pk]
    assert _shown(moderator_client, deadline="overdue") == []
    assert _shown(moderator_client, deadline="expired_today") == [deadline_orders["expired_today"].pk]

    clock.move_to(soon.acceptable_deadline)  # the deadline itself: overdue from that moment
    assert _shown(moderator_client, deadline="overdue") == [soon.pk]
    assert _shown(moderator_client, deadline="within_hour") == []
    clock.move_to(PINNED_NOW + timedelta(hours=4, minutes=31))  # 14:31: `later` is due at 15:30
    assert _shown(moderator_client, deadline="within_hour") == [later.pk]
    assert _shown(moderator_client, deadline="overdue") == [soon.pk]


def test_the_list_shows_the_deadline_columns(moderator_client, deadline_orders):
    response = moderator_client.get(CHANGELIST, {"deadline": "within_hour"})
    html = response.content.decode()
    for header in ("Excellent by", "Acceptable deadline", "Next check by the platform", "Working time left"):
        assert header in html, header
    soon = deadline_orders["soon"]
    assert "24.11.2026 13:00" in html  # the acceptable deadline, Kyiv time
    assert "24.11.2026 11:00" in html  # excellent within 60 working minutes
    assert soon.next_check_at is not None and localtime(soon.next_check_at).strftime("%d.%m.%Y %H:%M") in html
    assert re.search(r'class="deadline-acceptable">\s*30 min', html), html  # working time left, coloured
    assert "Overdue" in html and "Expiring within an hour" in html and "Expired today" in html


@pytest.mark.parametrize("deadline", ["", "overdue", "within_hour", "expired_today"])
def test_the_deadline_filters_cost_a_fixed_number_of_queries(moderator_client, place_order, offers, deadline):
    params = f"?deadline={deadline}" if deadline else ""
    place_order([(offers[0], 1)])
    with CaptureQueriesContext(connection) as few:
        assert moderator_client.get(CHANGELIST + params).status_code == 200
    for _ in range(5):
        place_order([(offers[0], 1)])
    with CaptureQueriesContext(connection) as many:
        assert moderator_client.get(CHANGELIST + params).status_code == 200
    assert len(many) == len(few) <= 10
    counts = [q["sql"] for q in many.captured_queries if "COUNT(" in q["sql"].upper() and "orders_order" in q["sql"]]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


@pytest.mark.parametrize(
    ("deadline", "index"),
    [
        # either partial index of open orders (the list's one also holds the deadline)
        ("overdue", ("order_store_deadline", "order_store_open_list")),
        ("within_hour", ("order_store_deadline", "order_store_open_list")),
        ("expired_today", ("order_store_expiries",)),
    ],
)
def test_each_deadline_filter_can_use_its_partial_index(moderator_client, deadline, index):
    """The filter's WHERE implies the partial index's predicate, so PostgreSQL may read the index
    alone (shown with sequential scans switched off, as the planner would choose on 1M rows)."""
    from orders.admin import DeadlineFilter, OrderAdmin

    admin_site_order = OrderAdmin(Order, None)
    request = RequestFactory().get(CHANGELIST, {"deadline": deadline})
    chosen = DeadlineFilter(request, {"deadline": [deadline]}, Order, admin_site_order)
    queryset = chosen.queryset(request, Order.objects.all())
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert any(name in plan for name in index), plan
