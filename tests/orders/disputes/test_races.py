"""Two moderators decide one dispute at the same moment on PostgreSQL (docs/rules.md §6): one
decision, one refusal, 50 rounds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.actors import Actor
from marketplace.errors import ConflictError, RuleViolation
from orders.choices import CancelReason, Status
from orders.disputes.models import Decision, Dispute, DisputeState, Fault
from orders.disputes.services import dispute_decide
from orders.models import Order
from sellers.models import Offer
from tests.conftest import make_user
from tests.orders.disputes.support import confirmed_dispute, outbox
from tests.orders.support import fetch, order_test_env  # noqa: F401 (fixture)
from tests.races import run_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("order_test_env", "restore_migrations_data"),
]
ROUNDS = 50


def test_two_moderators_decide_one_dispute(place_order, seller, moderator, store):
    cable = Offer.objects.create(store=store, title="Cable", sku="CAB-1", price=Decimal("99.00"), stock=1000)
    other = make_user("moderator2", email="mod2@example.com", is_staff=True)
    other.groups.add(*moderator.groups.all())
    first, second = Actor.moderator(moderator), Actor.moderator(other)
    for _ in range(ROUNDS):
        dispute = confirmed_dispute(place_order, seller, lines=[(cable, 1)])
        results = run_at_once(
            [
                lambda d: dispute_decide(actor=first, dispute=d, decision=Decision.CANCEL, fault=Fault.SELLER),
                lambda d: dispute_decide(actor=second, dispute=d, decision=Decision.CONTINUE),
            ],
            read=lambda dispute=dispute: Dispute.objects.get(pk=dispute.pk),
        )
        outcomes = [outcome for outcome, _value in results]
        assert sorted(outcomes) == ["error", "ok"], results
        winner = outcomes.index("ok")
        error = results[1 - winner][1]
        assert isinstance(error, (RuleViolation, ConflictError)), repr(error)
        assert str(error).endswith("."), str(error)

        saved = Dispute.objects.get(pk=dispute.pk)
        assert saved.state == DisputeState.DECIDED
        assert Dispute.history.filter(id=dispute.pk, action="decide").count() == 1
        assert len(outbox("dispute_decided", order_id=dispute.order_id)) == 2
        order = fetch(dispute.order)
        cancels = Order.history.filter(id=order.pk, action="cancel").count()
        if winner == 0:
            assert (saved.decision, saved.decided_by) == (Decision.CANCEL, moderator)
            assert (order.status, order.cancel_reason, cancels) == (
                Status.CANCELLED,
                CancelReason.DISPUTE_SELLER_FAULT,
                1,
            )
        else:
            assert (saved.decision, saved.decided_by) == (Decision.CONTINUE, other)
            assert (order.status, cancels) == (Status.CONFIRMED, 0)
