"""The one table of cancellation reasons (orders.choices.REASONS) walked against the rules
(docs/rules.md §5, with §4 for the platform, §6 for the buyer, §8 for the carrier), and every
module that lists reasons reads it."""

import pytest

from marketplace.actors import ActorKind as K
from marketplace.models import ProcessingPolicy
from orders import choices
from orders.choices import REASONS
from orders.choices import CancelReason as R
from orders.choices import Status as S

OPEN = tuple(choices.OPEN_STATUSES)
BEFORE = tuple(choices.BEFORE_SHIPMENT)

# The rules' table, transcribed: code -> (who and from which statuses, counts against the seller,
# buyer-side (§6 collaboration history), buyer told at once (§5 last line), fee charged (§4)).
RULES = {
    R.OUT_OF_STOCK: ({K.SELLER: OPEN}, True, False, True, False),
    R.BUYER_UNREACHABLE: ({K.SELLER: OPEN}, False, True, False, False),
    # "only a refusal at the pickup point; set automatically when the carrier reports a refusal"
    R.BUYER_CHANGED_MIND: ({K.SELLER: (S.AWAITING_PICKUP,), K.CARRIER: (S.IN_DELIVERY,)}, False, True, False, False),
    R.BUYER_NOT_PICKED_UP: ({K.SELLER: (S.AWAITING_PICKUP,)}, False, True, False, False),
    R.OTHER: ({K.SELLER: OPEN}, True, False, True, False),
    R.BUYER_CANCELLED: ({K.BUYER: OPEN}, False, False, False, False),
    # "before shipment or in delivery: the agreed date has passed (§6)"
    R.LATE_DELIVERY: ({K.BUYER: (*BEFORE, S.IN_DELIVERY)}, True, False, False, False),
    R.PROCESSING_TIME_EXPIRED: ({K.PLATFORM: (S.NEW, S.ACCEPTED)}, True, False, False, True),
    R.SHIPPING_TIME_EXPIRED: ({K.PLATFORM: (S.CONFIRMED, S.AWAITING_SHIPMENT)}, True, False, False, True),
    # "both: an accepted cancellation request"
    R.MUTUAL: ({K.SELLER: OPEN, K.BUYER: OPEN}, False, False, False, False),
    # "moderator, any open: a dispute's decision (§6)"; the buyer's fault counts in the buyer's history
    R.DISPUTE_SELLER_FAULT: ({K.MODERATOR: OPEN}, True, False, False, False),
    R.DISPUTE_BUYER_FAULT: ({K.MODERATOR: OPEN}, False, True, False, False),
    R.DISPUTE_NO_FAULT: ({K.MODERATOR: OPEN}, False, False, False, False),
}


def test_every_reason_has_one_row():
    assert set(REASONS) == set(R.values) == set(RULES)


@pytest.mark.parametrize("code", list(RULES))
def test_each_row_says_what_the_rules_say(code):
    who, against, buyer_side, told, fee = RULES[code]
    reason = REASONS[code]
    assert {kind: set(statuses) for kind, statuses in reason.who} == {kind: set(s) for kind, s in who.items()}
    assert (reason.against_seller, reason.buyer_side, reason.buyer_told_at_once, reason.fee_charged) == (
        against,
        buyer_side,
        told,
        fee,
    )
    for kind in K.values:
        for status in S.values:
            assert reason.applies(kind, status) == (status in who.get(kind, ())), (kind, status)
    assert reason.platform_only == (set(who) == {K.PLATFORM})
    assert reason.by_agreement == (code == R.MUTUAL)
    assert reason.comment_required == (code == R.OTHER)


def test_the_derived_lists():
    assert choices.SELLER_REASONS == (
        R.OUT_OF_STOCK,
        R.BUYER_UNREACHABLE,
        R.BUYER_CHANGED_MIND,
        R.BUYER_NOT_PICKED_UP,
        R.OTHER,
    )
    assert set(choices.SELLER_FAULT_REASONS) == {
        R.OUT_OF_STOCK,
        R.OTHER,
        R.LATE_DELIVERY,
        R.PROCESSING_TIME_EXPIRED,
        R.SHIPPING_TIME_EXPIRED,
        R.DISPUTE_SELLER_FAULT,
    }
    assert set(choices.BUYER_SIDE_REASONS) == {
        R.BUYER_UNREACHABLE,
        R.BUYER_CHANGED_MIND,
        R.BUYER_NOT_PICKED_UP,
        R.DISPUTE_BUYER_FAULT,
    }
    assert choices.MODERATOR_REASONS == (R.DISPUTE_SELLER_FAULT, R.DISPUTE_BUYER_FAULT, R.DISPUTE_NO_FAULT)
    assert set(choices.BUYER_TOLD_AT_ONCE) == {R.OUT_OF_STOCK, R.OTHER}
    assert set(choices.EXPIRY_REASONS) == {R.PROCESSING_TIME_EXPIRED, R.SHIPPING_TIME_EXPIRED}
    assert set(choices.AUTOMATIC_REASONS) == {R.BUYER_CHANGED_MIND, R.PROCESSING_TIME_EXPIRED, R.SHIPPING_TIME_EXPIRED}


def test_the_policys_cancel_actions_are_the_tables_expiry_reasons():
    """marketplace (the lowest layer) cannot import orders: its own names must agree with the table."""
    cancels = {value for value in ProcessingPolicy.OnExpiry.values if value != ProcessingPolicy.OnExpiry.REMIND_PICKUP}
    assert cancels == set(choices.EXPIRY_REASONS)
    for action, statuses in ProcessingPolicy.EXPIRY_STATUSES.items():
        if action in REASONS:
            assert set(statuses) == set(REASONS[action].statuses(K.PLATFORM)), action


def test_every_module_reads_the_table():
    from notifications import events, links
    from orders.services import cancellation
    from sellers.cabinet.selectors import seller_cancel_reasons

    assert events.EXPIRY_REASONS is choices.EXPIRY_REASONS
    assert all(code in links.admin_expired_url() for code in choices.EXPIRY_REASONS)
    for name in ("PLATFORM_REASONS", "PICKUP_ONLY_REASONS", "BUYER_TOLD_AT_ONCE"):
        assert not hasattr(cancellation, name), f"cancellation.{name} is a copy of the table"

    class AnOrder:
        def __init__(self, status):
            self.status = status

    for status in OPEN:
        offered = [code for code, _label in seller_cancel_reasons(AnOrder(status))]
        assert offered == [code for code in choices.SELLER_REASONS if status in RULES[code][0][K.SELLER]], status
