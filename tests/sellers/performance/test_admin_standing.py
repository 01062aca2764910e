"""The moderators' store view: the "restrict" and "lift" actions call the standing services with the
reason typed beside the action, refuse with a sentence, and are no way around the services for
anybody else (docs/rules.md §10, "Thresholds")."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from marketplace.actors import Actor
from notifications.models import OutboxMessage
from sellers.models import Store
from sellers.performance.models import Standing, StoreStanding
from sellers.performance.standing import store_restrict
from tests.conftest import make_user
from tests.sellers.conftest import english_client

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sellers_store_changelist")


def client_of(user):
    client = english_client()
    client.force_login(user)
    return client


@pytest.fixture
def moderator_client(moderator):
    return client_of(moderator)


def act(client, action, stores, reason):
    data = {"action": action, "_selected_action": [s.pk for s in stores], "reason": reason}
    return client.post(CHANGELIST, data, follow=True)


def fresh(store) -> Store:
    return Store.objects.get(pk=store.pk)


def test_the_list_offers_both_actions_with_a_reason_field(moderator_client, store):
    page = moderator_client.get(CHANGELIST)
    assert page.status_code == 200
    assert 'value="restrict"' in page.text and 'value="lift_restriction"' in page.text
    assert 'name="reason"' in page.text


def test_a_moderator_restricts_then_lifts_with_a_reason(moderator_client, moderator, store, outsider_store):
    page = act(moderator_client, "restrict", [store], "Counterfeit goods reported")
    assert page.status_code == 200
    assert f"{store}: offers hidden" in page.text
    saved = fresh(store)
    assert saved.offers_hidden and saved.offers_hidden_reason == "Counterfeit goods reported"
    assert not fresh(outsider_store).offers_hidden  # only the selected store
    row = saved.history.latest("history_date")
    assert (row.action, row.actor_kind, row.history_user) == ("hide_offers", "moderator", moderator)
    assert row.history_change_reason == "Counterfeit goods reported"
    standing = StoreStanding.objects.get(store=store)
    assert (standing.level, standing.restricted_by, standing.reason) == (
        Standing.RESTRICTED,
        "moderator",
        "Counterfeit goods reported",
    )
    told = OutboxMessage.objects.filter(event="store_restricted", audience="owner").get()
    assert told.context["params"]["reason"] == "Counterfeit goods reported"

    page = act(moderator_client, "lift_restriction", [store], "The goods were checked")
    assert f"{store}: offers shown again" in page.text
    saved = fresh(store)
    assert not saved.offers_hidden
    assert saved.history.latest("history_date").history_change_reason == "The goods were checked"
    standing = StoreStanding.objects.get(store=store)
    assert (standing.level, standing.restricted_by) == (Standing.GOOD, "")
    assert [h.action for h in standing.history.order_by("history_id")][-2:] == ["restrict", "lift"]
    assert OutboxMessage.objects.filter(event="store_restriction_lifted", audience="owner").count() == 1


@pytest.mark.parametrize("action", ["restrict", "lift_restriction"])
def test_no_reason_is_refused_with_a_sentence_and_changes_nothing(moderator_client, moderator, store, action):
    if action == "lift_restriction":
        store_restrict(actor=Actor.moderator(moderator), store=store, reason="Checking the goods")
    before = (fresh(store).offers_hidden, fresh(store).history.count(), OutboxMessage.objects.count())
    page = act(moderator_client, action, [store], "   ")
    assert f"{store}: Give the reason: the store is told it." in page.text
    assert (fresh(store).offers_hidden, fresh(store).history.count(), OutboxMessage.objects.count()) == before


def test_refusals_are_said_per_store_and_the_others_go_through(moderator_client, moderator, store, outsider_store):
    store_restrict(actor=Actor.moderator(moderator), store=store, reason="Checking the goods")
    page = act(moderator_client, "restrict", [store, outsider_store], "Many complaints")
    assert f"{store}: The store&#x27;s offers are hidden already." in page.text
    assert f"{outsider_store}: offers hidden" in page.text
    assert fresh(store).offers_hidden_reason == "Checking the goods"  # not overwritten
    assert fresh(outsider_store).offers_hidden

    page = act(moderator_client, "lift_restriction", [store, outsider_store], "Checked")
    assert not fresh(store).offers_hidden and not fresh(outsider_store).offers_hidden
    page = act(moderator_client, "lift_restriction", [store], "Checked again")
    assert f"{store}: The store&#x27;s offers are not hidden." in page.text


def test_staff_who_is_not_a_moderator_is_refused_by_the_service(store):
    """Even with the permission to see stores (so the admin offers the action), the service decides."""
    helpdesk = make_user("helpdesk", is_staff=True)
    helpdesk.user_permissions.add(Permission.objects.get(codename="view_store"))
    client = client_of(helpdesk)
    assert client.get(CHANGELIST).status_code == 200
    page = act(client, "restrict", [store], "I do not like it")
    assert f"{store}: Only moderators may do this." in page.text
    saved = fresh(store)
    assert not saved.offers_hidden and not StoreStanding.objects.filter(store=store, level=Standing.RESTRICTED)
    assert not OutboxMessage.objects.filter(event="store_restricted").exists()


def test_staff_without_permissions_and_sellers_get_no_action(store, owner, moderator):
    store_restrict(actor=Actor.moderator(moderator), store=store, reason="Checking the goods")
    bare_staff = client_of(make_user("intern", is_staff=True))
    assert act(bare_staff, "lift_restriction", [store], "Let them sell").status_code == 403
    seller = client_of(owner)  # not staff: sent to the admin's login
    response = seller.post(
        CHANGELIST, {"action": "lift_restriction", "_selected_action": [store.pk], "reason": "Let me sell"}
    )
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert fresh(store).offers_hidden
