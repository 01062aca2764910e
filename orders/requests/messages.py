"""What a request or a dispute tells each side (docs/rules.md §6, §9): one place builds the
facts a message carries, so every service sends the same words. The routes are in
notifications/events.py; `to` names the side a message is for (buyer, seller, moderator)."""

from __future__ import annotations

from notifications.services import notify


def request_params(request) -> dict:
    """The request's facts as its messages show them (both sides may read every one of them)."""
    return {
        "request_id": request.pk,
        "kind": request.kind,
        "opened_by": request.opened_by,
        "ground": request.ground,
        "old_date": request.old_date.isoformat() if request.old_date else "",
        "new_date": request.new_date.isoformat() if request.new_date else "",
        "message": request.message,
        "answer_by": request.answer_by.isoformat(),
        "expires_at": request.expires_at.isoformat(),
        "state": request.state,
        "answer": request.answer_message,
    }


def tell(event: str, request, *, to: str, occurrence: str = "", **extra) -> int:
    """One message about `request` to side `to`. `occurrence` tells apart repeats of the same
    event on the same request (a second follow-up, a second message in the thread)."""
    return notify(
        event,
        order=request.order,
        occurrence=f"request{request.pk}:{occurrence}",
        to=to,
        **request_params(request),
        **extra,
    )


def dispute_params(dispute) -> dict:
    return {
        "dispute_id": dispute.pk,
        "origin": dispute.origin,
        "decision": dispute.decision,
        "fault": dispute.fault,
        "new_date": dispute.new_date.isoformat() if dispute.new_date else "",
    }


def tell_dispute(event: str, dispute, *, to: str, occurrence: str = "", **extra) -> int:
    """One message about `dispute` to side `to`; a note meant for one side goes only in its own
    message (`buyer_note` / `seller_note` in `extra`)."""
    return notify(
        event,
        order=dispute.order,
        occurrence=f"dispute{dispute.pk}:{occurrence}",
        to=to,
        **dispute_params(dispute),
        **extra,
    )
