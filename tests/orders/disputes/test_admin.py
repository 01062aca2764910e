"""The moderators' queue in Django admin (docs/rules.md §6): undecided first, oldest first, the age
in working time; the change page shows the order's timeline, the request and its thread, the
complaint, and the take / decide forms that call the services. Nothing is added, edited or deleted."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from marketplace.actors import Actor
from marketplace.worktime import KYIV
from orders.choices import CancelReason, Status
from orders.disputes.models import Decision, Dispute, DisputeState
from orders.disputes.services import dispute_complain, dispute_decide, dispute_take
from tests.conftest import make_user
from tests.orders.disputes.support import confirmed_dispute
from tests.orders.support import bring, fetch, order_test_env  # noqa: F401 (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("order_test_env")]


@pytest.fixture
def mod_client(client, moderator):
    client.cookies.load({"django_language": "en"})  # admin speaks Ukrainian unless told otherwise
    client.force_login(moderator)
    return client


def change_url(dispute) -> str:
    return reverse("admin:orders_dispute_change", args=[dispute.pk])


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_queue_is_undecided_first_oldest_first_with_the_working_age(
    mod_client, place_order, seller, moderator, clock
):
    oldest = confirmed_dispute(place_order, seller)
    clock.move_to(datetime(2026, 11, 24, 12, 0, tzinfo=KYIV))
    decided = confirmed_dispute(place_order, seller)
    dispute_decide(actor=Actor.moderator(moderator), dispute=decided, decision=Decision.CONTINUE)
    clock.move_to(datetime(2026, 11, 24, 14, 0, tzinfo=KYIV))
    newest = confirmed_dispute(place_order, seller)
    # Exact opening moments (each setup took a moment of the ticking clock).
    Dispute.objects.filter(pk=oldest.pk).update(opened_at=datetime(2026, 11, 24, 10, 0, tzinfo=KYIV))
    Dispute.objects.filter(pk=newest.pk).update(opened_at=datetime(2026, 11, 24, 14, 0, tzinfo=KYIV))
    clock.move_to(datetime(2026, 11, 25, 9, 31, tzinfo=KYIV))  # Wed 09:31: the night does not count

    response = mod_client.get(reverse("admin:orders_dispute_changelist"))

    assert response.status_code == 200
    queue = [row.pk for row in response.context["cl"].result_list]
    assert queue == [oldest.pk, newest.pk, decided.pk]
    html = response.content.decode()
    assert "10 h 31 min" in html  # Tue 10:00 → 20:00 and Wed 09:00 → 09:31, in working time
    assert "6 h 31 min" in html
    filtered = mod_client.get(reverse("admin:orders_dispute_changelist"), {"state__exact": "decided"})
    assert [row.pk for row in filtered.context["cl"].result_list] == [decided.pk]


def test_the_change_page_shows_the_timeline_the_request_and_its_thread(mod_client, place_order, seller):
    dispute = confirmed_dispute(place_order, seller, thread=("We can offer another model instead.",))

    response = mod_client.get(change_url(dispute))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="order-timeline"' in html and 'id="request-thread"' in html
    assert "The supplier stopped making this charger." in html  # the request's message
    assert "I still want it." in html  # the buyer's answer
    assert "We can offer another model instead." in html  # the thread
    assert 'id="take-form"' in html and 'id="decide-form"' in html
    assert 'name="_save"' not in html  # no edit of fields
    assert mod_client.get(reverse("admin:orders_dispute_add")).status_code == 403
    assert mod_client.post(reverse("admin:orders_dispute_delete", args=[dispute.pk])).status_code == 403


def test_the_change_page_shows_the_complaint(mod_client, place_order, seller, clock):
    order = bring(place_order, seller, Status.CONFIRMED)
    clock.move_to(datetime.combine(order.ship_by + timedelta(days=1), datetime.min.time(), tzinfo=KYIV))
    dispute = dispute_complain(order=order, complaint="Promised for yesterday, nothing yet.")
    html = mod_client.get(change_url(dispute)).content.decode()
    assert "Promised for yesterday, nothing yet." in html


def test_take_and_decide_through_the_forms(mod_client, place_order, seller, moderator):
    dispute = confirmed_dispute(place_order, seller)
    response = mod_client.post(reverse("admin:orders_dispute_take", args=[dispute.pk]))
    assert response.status_code == 302
    assert Dispute.objects.get(pk=dispute.pk).taken_by == moderator

    response = mod_client.post(
        reverse("admin:orders_dispute_decide", args=[dispute.pk]),
        {"decision": "cancel", "fault": "seller", "note_to_buyer": "Sorry.", "note_to_seller": "Supply better."},
    )
    assert response.status_code == 302
    saved = Dispute.objects.get(pk=dispute.pk)
    assert (saved.state, saved.note_to_buyer, saved.note_to_seller) == (
        DisputeState.DECIDED,
        "Sorry.",
        "Supply better.",
    )
    order = fetch(dispute.order)
    assert (order.status, order.cancel_reason) == (Status.CANCELLED, CancelReason.DISPUTE_SELLER_FAULT)
    html = mod_client.get(change_url(dispute)).content.decode()
    assert 'id="decide-form"' not in html and 'id="take-form"' not in html


def test_a_refused_decision_shows_the_sentence_and_changes_nothing(mod_client, place_order, seller):
    dispute = confirmed_dispute(place_order, seller)
    before = Dispute.objects.filter(pk=dispute.pk).values().get()

    response = mod_client.post(
        reverse("admin:orders_dispute_decide", args=[dispute.pk]), {"decision": "cancel"}, follow=True
    )

    assert "Name who is at fault when cancelling: the store, the buyer or nobody." in response.content.decode()
    assert Dispute.objects.filter(pk=dispute.pk).values().get() == before
    assert fetch(dispute.order).status == Status.CONFIRMED

    response = mod_client.post(reverse("admin:orders_dispute_decide", args=[dispute.pk]), {"decision": "x"})
    assert any("not saved" in text for text in texts(response))
    assert Dispute.objects.filter(pk=dispute.pk).values().get() == before


def test_somebody_elses_dispute_shows_take_over(client, place_order, seller, moderator):
    dispute = confirmed_dispute(place_order, seller)
    dispute_take(actor=Actor.moderator(moderator), dispute=dispute)
    other = make_user("moderator2", is_staff=True)
    other.groups.add(*moderator.groups.all())
    client.cookies.load({"django_language": "en"})
    client.force_login(other)

    html = client.get(change_url(dispute)).content.decode()
    assert 'name="take_over"' in html and 'id="decide-form"' not in html

    response = client.post(reverse("admin:orders_dispute_take", args=[dispute.pk]))  # without take_over
    assert any("already took this dispute" in text for text in texts(response))
    assert Dispute.objects.get(pk=dispute.pk).taken_by == moderator
    client.post(reverse("admin:orders_dispute_take", args=[dispute.pk]), {"take_over": "on"})
    assert Dispute.objects.get(pk=dispute.pk).taken_by == other


def test_only_moderators_reach_the_forms(client, place_order, seller, owner):
    dispute = confirmed_dispute(place_order, seller)
    url = reverse("admin:orders_dispute_decide", args=[dispute.pk])
    data = {"decision": "continue"}
    assert client.post(url, data).status_code == 302  # to the login page
    client.force_login(owner)  # not staff
    assert client.post(url, data).status_code == 302
    staff = make_user("staff", is_staff=True)  # staff without the moderators' view permission
    client.force_login(staff)
    assert client.post(url, data).status_code == 403
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.OPEN
    assert client.get(reverse("admin:orders_dispute_take", args=[dispute.pk])).status_code in (403, 405)


def test_requests_are_there_to_look_at_and_the_order_links_to_them(mod_client, place_order, seller):
    dispute = confirmed_dispute(place_order, seller, thread=("A line in the thread.",))

    html = mod_client.get(reverse("admin:orders_orderrequest_change", args=[dispute.request.pk])).content.decode()
    assert "A line in the thread." in html and 'name="_save"' not in html
    assert mod_client.get(reverse("admin:orders_orderrequest_changelist")).status_code == 200
    assert mod_client.get(reverse("admin:orders_orderrequest_add")).status_code == 403

    html = mod_client.get(reverse("admin:orders_order_change", args=[dispute.order_id])).content.decode()
    assert reverse("admin:orders_dispute_changelist") + f"?q={dispute.order_id}" in html
    assert reverse("admin:orders_orderrequest_changelist") + f"?q={dispute.order_id}" in html
    found = mod_client.get(reverse("admin:orders_dispute_changelist"), {"q": str(dispute.order_id)})
    assert [row.pk for row in found.context["cl"].result_list] == [dispute.pk]
