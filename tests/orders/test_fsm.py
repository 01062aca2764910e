"""The models' protection of concurrent transitions (orders.fsm): a copy read before another
transition saved cannot save over it, with the state fields found once per model."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_fsm import ConcurrentTransition

from orders.choices import Status
from orders.disputes.models import Dispute
from orders.fsm import ConcurrentTransitions
from orders.models import Order
from orders.requests.models import OrderRequest
from orders.services import order_open

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Order, OrderRequest, Dispute])
def test_each_model_finds_its_state_field(model):
    assert issubclass(model, ConcurrentTransitions)
    assert [field.name for field in model().state_fields] == ["state" if model is not Order else "status"]


def test_a_stale_copy_cannot_save_over_another_transition(place_order, seller):
    order = place_order()
    stale = Order.objects.get(pk=order.pk)
    order_open(actor=seller, order=order)  # new → accepted, saved
    stale.cancel_reason = "other"
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    assert Order.objects.get(pk=order.pk).status == Status.ACCEPTED
