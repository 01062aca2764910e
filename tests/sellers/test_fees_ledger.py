"""The fee ledger (docs/rules.md §10): every charge and every reversal is a row; at most one charge
and one reversal per order; the store's own rate or the platform's; reversals by moderators only,
with a reason, once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from marketplace.actors import Actor
from marketplace.calendar import forget
from marketplace.errors import NotAllowed, RuleViolation
from marketplace.models import PlatformPolicy
from orders.choices import Status
from orders.fees import fee_for
from orders.services import order_expire
from orders.services.base import lock_order
from orders.services.handover import orders_hand_over
from sellers.fees import fee_reverse, store_set_fee_percent
from sellers.models import FeeCharge, Store
from tests.conftest import make_user
from tests.orders.support import bring
from tests.sellers.conftest import english_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(place_order, seller):
    return bring(place_order, seller, Status.RECEIVED)


def charge_of(order) -> FeeCharge:
    return FeeCharge.objects.get(order=order, kind__in=[FeeCharge.Kind.RECEIVED, FeeCharge.Kind.EXPIRED])


def test_the_platform_rate_when_the_store_has_none(received):
    charge = charge_of(received)
    assert (charge.kind, charge.percent, charge.base) == (FeeCharge.Kind.RECEIVED, Decimal("5.00"), received.total)
    assert charge.amount == fee_for(received.total, Decimal("5"))


def test_the_stores_own_rate_wins_on_every_charge_path(store, place_order, seller, moderator):
    store_set_fee_percent(actor=Actor.moderator(moderator), store=store, percent=Decimal("7.50"))
    # one order at a time (order_hand_over), the sweep's INSERT … SELECT (order_expire) and the
    # tracking pass's batch (orders_hand_over)
    received = bring(place_order, seller, Status.RECEIVED)
    expired = order_expire(order=bring(place_order, seller, Status.ACCEPTED))
    shipped = bring(place_order, seller, Status.IN_DELIVERY)
    with transaction.atomic():
        done, _refused = orders_hand_over([lock_order(shipped)])
    assert done
    for order in (received, expired, shipped):
        charge = charge_of(order)
        assert charge.percent == Decimal("7.50")
        assert charge.amount == fee_for(order.total, Decimal("7.5")), order.pk
    assert charge_of(expired).kind == FeeCharge.Kind.EXPIRED


def test_a_charge_keeps_the_percent_it_used(store, received, moderator, place_order, seller):
    before = charge_of(received)
    store_set_fee_percent(actor=Actor.moderator(moderator), store=store, percent=Decimal("2"))
    PlatformPolicy.objects.filter(pk=1).update(fee_percent=Decimal("9"))
    assert FeeCharge.objects.get(pk=before.pk).percent == Decimal("5.00")
    later = bring(place_order, seller, Status.RECEIVED)
    assert charge_of(later).percent == Decimal("2.00")
    # back to the platform's rate (read from the policy)
    store_set_fee_percent(actor=Actor.moderator(moderator), store=store, percent=None)
    forget()
    assert charge_of(bring(place_order, seller, Status.RECEIVED)).percent == Decimal("9.00")


def test_only_moderators_set_a_stores_rate(store, owner, outsider):
    staff = make_user("staff", is_staff=True)
    for actor in (Actor.seller(owner), Actor.moderator(staff), Actor.moderator(outsider)):
        with pytest.raises(NotAllowed):
            store_set_fee_percent(actor=actor, store=store, percent=Decimal("1"))
    assert Store.objects.get(pk=store.pk).fee_percent is None


def test_a_moderator_reverses_a_charge_once_with_a_reason(received, moderator):
    charge = charge_of(received)
    reversal = fee_reverse(actor=Actor.moderator(moderator), charge=charge, reason="  The buyer returned the goods. ")
    assert (reversal.kind, reversal.amount, reversal.base, reversal.percent) == (
        FeeCharge.Kind.REVERSAL,
        -charge.amount,
        charge.base,
        charge.percent,
    )
    assert (reversal.reverses_id, reversal.reason, reversal.reversed_by, reversal.store_id) == (
        charge.pk,
        "The buyer returned the goods.",
        moderator,
        charge.store_id,
    )
    # the charge stays; the ledger's sum for the order is zero
    assert FeeCharge.objects.get(pk=charge.pk).amount == charge.amount
    assert sum(FeeCharge.objects.filter(order=received).values_list("amount", flat=True)) == 0
    with pytest.raises(RuleViolation, match="already been reversed"):
        fee_reverse(actor=Actor.moderator(moderator), charge=charge, reason="Again")
    with pytest.raises(RuleViolation, match="cannot be reversed"):
        fee_reverse(actor=Actor.moderator(moderator), charge=reversal, reason="Undo")
    assert FeeCharge.objects.filter(order=received).count() == 2


def test_a_reversal_is_refused_to_sellers_and_without_a_reason(received, owner, moderator):
    charge = charge_of(received)
    staff = make_user("staff", is_staff=True)
    for actor in (Actor.seller(owner), Actor.moderator(staff), Actor.platform()):
        with pytest.raises(NotAllowed):
            fee_reverse(actor=actor, charge=charge, reason="Because")
    for reason in ("", "   ", "x" * 301):
        with pytest.raises(RuleViolation):
            fee_reverse(actor=Actor.moderator(moderator), charge=charge, reason=reason)
    assert FeeCharge.objects.filter(order=received).count() == 1


def test_the_ledger_refuses_a_second_charge_or_reversal_per_order(received, moderator):
    charge = charge_of(received)
    with pytest.raises(IntegrityError), transaction.atomic():
        FeeCharge.objects.create(
            store_id=charge.store_id, order=received, kind="expired", base=1, percent=1, amount=Decimal("0.01")
        )
    fee_reverse(actor=Actor.moderator(moderator), charge=charge, reason="Returned")
    with pytest.raises(IntegrityError), transaction.atomic():
        FeeCharge.objects.create(
            store_id=charge.store_id,
            order=received,
            kind="reversal",
            base=1,
            percent=1,
            amount=Decimal("-0.01"),
            reverses=charge,
            reason="Twice",
        )
    # a reversal is never positive and always points at its charge; a charge never negative
    for bad in (
        {"kind": "reversal", "amount": Decimal("1"), "reverses": charge, "reason": "x"},
        {"kind": "reversal", "amount": Decimal("-1"), "reverses": None, "reason": "x"},
        {"kind": "received", "amount": Decimal("-1")},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            FeeCharge.objects.create(store_id=charge.store_id, order=received, base=1, percent=1, **bad)


# --- admin -------------------------------------------------------------------------------------


@pytest.fixture
def moderator_client(moderator):
    client = english_client()
    client.force_login(moderator)
    return client


def test_moderators_reverse_from_the_ledgers_admin_with_the_reason_beside_the_action(received, moderator_client):
    charge = charge_of(received)
    url = reverse("admin:sellers_feecharge_changelist")
    page = moderator_client.get(url)
    assert page.status_code == 200 and f"#{received.pk}" in page.text
    data = {"action": "reverse_fees", "_selected_action": [charge.pk], "reason": "Expiry not the store's fault"}
    assert moderator_client.post(url, data).status_code == 302
    reversal = FeeCharge.objects.get(order=received, kind="reversal")
    assert reversal.reason == "Expiry not the store's fault" and reversal.amount == -charge.amount
    # without a reason: refused, said, nothing written
    other = moderator_client.post(url, {**data, "reason": ""}, follow=True)
    assert FeeCharge.objects.filter(order=received).count() == 2
    assert "Say why the fee is reversed." in other.text
    again = moderator_client.post(url, data, follow=True)
    assert f"#{received.pk}: The fee on order #{received.pk} has already been reversed." in again.text
    assert FeeCharge.objects.filter(order=received).count() == 2


def test_the_store_list_shows_this_months_totals_and_moderators_set_the_rate(
    store, received, moderator, moderator_client
):
    fee_reverse(actor=Actor.moderator(moderator), charge=charge_of(received), reason="Returned")
    page = moderator_client.get(reverse("admin:sellers_store_changelist"))
    assert page.status_code == 200
    assert f"?store__id__exact={store.pk}" in page.text
    change = reverse("admin:sellers_store_change", args=[store.pk])
    form = moderator_client.get(change)
    assert form.status_code == 200 and 'name="fee_percent"' in form.text
    data = {
        "fee_percent": "3.25",
        "members-TOTAL_FORMS": "0",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
    }
    response = moderator_client.post(change, data)
    assert response.status_code == 302, response.text[:2000]
    saved = Store.objects.get(pk=store.pk)
    assert saved.fee_percent == Decimal("3.25") and saved.name == "Alpha Shop"
    last = saved.history.order_by("-history_id").first()
    assert (last.fee_percent, last.history_user, last.action) == (Decimal("3.25"), moderator, "fee_percent")
