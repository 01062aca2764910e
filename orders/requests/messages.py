"""What a request or a dispute tells each side (docs/rules.md §6, §9): one place builds the
facts a message carries, so every service sends the same words. The routes are in
notifications/events.py; `to` names the side a message is for (buyer, seller, moderator).

Dates and times stay typed (the outbox keeps them so, notifications/snapshot.py): a template shows
them in the recipient's language and in Kyiv time. The link each side follows is the order's
`url` of its view of the order (the buyer's page for the buyer, the cabinet's order page for the
store, notifications/rendering.py); the moderators get the dispute's page in admin (`dispute_url`)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from marketplace.actors import ActorKind
from notifications import links
from notifications.services import notify


def request_params(request) -> dict:
    """The request's facts as its messages show them (both sides may read every one of them)."""
    return {
        "request_id": request.pk,
        "kind": request.kind,
        "opened_by": request.opened_by,
        "ground": request.ground,
        "old_date": request.old_date,
        "new_date": request.new_date,
        "message": request.message,
        "answer_by": request.answer_by,
        "expires_at": request.expires_at,
        "state": request.state,
        "answer": request.answer_message,
    }


def tell(event: str, request, *, to: str, occurrence: str = "", **extra) -> int:
    """One message about `request` to side `to`. `occurrence` tells apart repeats of the same
    event on the same request (a second follow-up, a second message in the thread); `extra` adds
    to the request's facts (or replaces one of them)."""
    return notify(
        event,
        order=request.order,
        occurrence=f"request{request.pk}:{occurrence}",
        **{**request_params(request), **extra, "to": to},
    )


def admin_dispute_url(dispute) -> str:
    """The dispute's page in the moderators' admin."""
    try:
        path = reverse("admin:orders_dispute_change", kwargs={"object_id": dispute.pk})
    except NoReverseMatch:
        path = f"/admin/orders/dispute/{dispute.pk}/change/"
    return links.absolute(path)


def dispute_params(dispute) -> dict:
    """The dispute's facts (both sides may read them; each side's note is added by tell_dispute
    to its own message only) and, for a declined request, that request's."""
    params = {
        "dispute_id": dispute.pk,
        "origin": dispute.origin,
        "opened_at": dispute.opened_at,
        "complaint": dispute.complaint,
        "decision": dispute.decision,
        "fault": dispute.fault,
        "new_date": dispute.new_date,
    }
    request = dispute.request if dispute.request_id else None
    if request is not None:
        params.update(
            {
                "request_kind": request.kind,
                "request_message": request.message,
                "request_answer": request.answer_message,
                "request_new_date": request.new_date,
            }
        )
    return params


# The note of a decision that each side's message may carry (docs/rules.md §6): the buyer's to the
# buyer, the store's to the store, never the other way round.
_NOTES = {"buyer_note": ActorKind.BUYER, "seller_note": ActorKind.SELLER}
_NOTE_FIELDS = {"buyer_note": "note_to_buyer", "seller_note": "note_to_seller"}


def tell_dispute(event: str, dispute, *, to: str, occurrence: str = "", **extra) -> int:
    """One message about `dispute` to side `to`; a note meant for one side goes only in its own
    message (`buyer_note` / `seller_note` in `extra`, else the dispute's own note to that side
    once it is decided). The moderators' messages link to the dispute in admin."""
    extra = {name: value for name, value in extra.items() if _NOTES.get(name, to) == to}
    if dispute.decision:
        for name, side in _NOTES.items():
            if side == to and name not in extra:
                extra[name] = getattr(dispute, _NOTE_FIELDS[name])
    if to == ActorKind.MODERATOR:
        extra.setdefault("dispute_url", admin_dispute_url(dispute))
    return notify(
        event,
        order=dispute.order,
        occurrence=f"dispute{dispute.pk}:{occurrence}",
        **{**dispute_params(dispute), **extra, "to": to},
    )
