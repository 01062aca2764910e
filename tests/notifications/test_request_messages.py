"""The messages of requests and disputes (issue 14 item 6, docs/rules.md §6, §9): every event reaches
the side it is meant for, in that side's language, says what happened, what the reader can do and
until when, links to that side's page, and a buyer's message never carries the store's note or a
seller-only comment.

Requests and disputes are built with the models and told through orders.requests.messages (the
one path every service sends them through), then rendered and delivered to the fake ESP and Bot API.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace import clock, formats
from marketplace.actors import Actor, ActorKind
from marketplace.models import UserSettings
from notifications import delivery
from notifications.models import EventGroup, OutboxMessage
from notifications.preferences import preferences_update
from notifications.rendering import render_message
from orders.disputes.models import Decision, Dispute, DisputeOrigin, Fault
from orders.requests import messages
from orders.requests.models import CancelGround, OrderRequest, RequestKind
from orders.requests.services import request_answer, request_message_add, request_open
from orders.services import order_comment_add
from sellers.models import StoreMember

pytestmark = pytest.mark.django_db

BUYER = "buyer@example.com"
STORE = "owner@example.com"  # the store has no address of its own: its owner's, in the store's language
MODERATOR = "mod@example.com"
ADDRESS = {ActorKind.BUYER: BUYER, ActorKind.SELLER: STORE, ActorKind.MODERATOR: MODERATOR}

SELLER_COMMENT = "SELLER-ONLY-COMMENT-4711"
NOTE_TO_STORE = "NOTE-TO-THE-STORE-0815"
NOTE_TO_BUYER = "Note to you: please check the branch"
STORE_MESSAGE = "We have a duplicate of this order"
BUYER_MESSAGE = "I ordered the wrong size"
ANSWER = "Sorry, not this time"
THREAD_TEXT = "Can you call me after six?"
COMPLAINT = "It should have been here on Monday"


@pytest.fixture
def english(store, moderator):
    """Everybody reads English (the default is Ukrainian; the lead translates the new strings)."""
    store.language = "en"
    store.save(update_fields=["language"])
    UserSettings.objects.create(user=moderator, language="en")
    return store


@pytest.fixture
def order(place_order, english):
    order = place_order(buyer_language="en")
    OutboxMessage.objects.all().delete()  # the order's own messages are not what these tests read
    return order


def open_request(order, kind, *, state="open", answer="", **fields):
    """A request as request_open writes it (24 h to accept, 48 h until it goes through), moved to
    `state` by its own transition."""
    now = clock.now()
    defaults = {
        RequestKind.BUYER_CANCEL: {"opened_by": ActorKind.BUYER, "message": BUYER_MESSAGE},
        RequestKind.SELLER_CANCEL: {
            "opened_by": ActorKind.SELLER,
            "ground": CancelGround.DUPLICATE,
            "message": STORE_MESSAGE,
        },
        RequestKind.MOVE_DATE: {
            "opened_by": ActorKind.SELLER,
            "old_date": clock.today() + timedelta(days=1),
            "new_date": clock.today() + timedelta(days=5),
            "message": "The supplier is late",
        },
    }[kind]
    request = OrderRequest.objects.create(
        order=order,
        kind=kind,
        **{"opened_at": now, "answer_by": now + timedelta(hours=24), "expires_at": now + timedelta(hours=48)},
        **{**defaults, **fields},
    )
    if state != "open":
        transitions = {
            "accepted": request.accept,
            "declined": request.decline,
            "went_through": request.go_through,
            "withdrawn": request.withdraw,
        }
        transitions[state]()
        request.answered_at, request.answer_message = now, answer
        request.save()
    return request


def open_dispute(order, *, request=None, **fields):
    origin = DisputeOrigin.DECLINED_REQUEST if request is not None else DisputeOrigin.LATE_ORDER
    return Dispute.objects.create(order=order, request=request, origin=origin, opened_at=clock.now(), **fields)


def decided(dispute, **fields):
    for name, value in fields.items():
        setattr(dispute, name, value)
    dispute.decide()
    dispute.save()
    return dispute


def sent(channels) -> dict[str, list[dict]]:
    """Deliver everything waiting through the real worker path; the e-mails each address got."""
    esp, _ = channels
    delivery.drain()
    return {address: esp.to(address) for address in (BUYER, STORE, MODERATOR, "manager@example.com")}


def one(mails: dict, address: str) -> dict:
    """The one e-mail `address` got, after checking nobody else got one."""
    assert {a: len(m) for a, m in mails.items()} == {a: int(a == address) for a in mails}
    return mails[address][0]


def day(value, language="en") -> str:
    return formats.when(value, "day", language)


def public_url(order) -> str:
    return f"/o/{order.public_token}/"


def cabinet_url(order) -> str:
    return f"/cabinet/orders/{order.pk}/"


def both_parts(mail) -> str:
    return mail["TextBody"] + mail["HtmlBody"]


def assert_buyer_link(mail, order):
    assert public_url(order) in mail["TextBody"] and public_url(order) in mail["HtmlBody"]
    assert "/cabinet/" not in both_parts(mail) and "/admin/" not in both_parts(mail)


def assert_store_link(mail, order):
    assert cabinet_url(order) in mail["TextBody"] and cabinet_url(order) in mail["HtmlBody"]
    assert public_url(order) not in both_parts(mail)  # the buyer's secret link stays the buyer's


# --- requests: the side that must answer learns what is asked and until when ---


def test_the_buyer_learns_the_stores_request_to_cancel_what_to_do_and_until_when(order, channels):
    request = open_request(order, RequestKind.SELLER_CANCEL)
    messages.tell("request_opened", request, to=ActorKind.BUYER)

    mail = one(sent(channels), BUYER)
    assert mail["Subject"] == f"Order #{order.pk}: the store asks to cancel by agreement"
    text = mail["TextBody"]
    assert "Alpha Shop asks you to agree to cancel your order" in text
    assert "Ground: A duplicate order." in text
    assert f"The store's message: {STORE_MESSAGE}" in text
    assert f"Please accept or decline on your order page by {day(request.answer_by)}." in text
    assert (
        f"If you do not decline by {day(request.expires_at)}, the request goes through and the order is cancelled"
        in text
    )
    assert_buyer_link(mail, order)


def test_the_buyer_learns_the_stores_request_to_move_the_date_with_both_dates(order, channels):
    request = open_request(order, RequestKind.MOVE_DATE)
    messages.tell("request_opened", request, to=ActorKind.BUYER)

    mail = one(sent(channels), BUYER)
    assert mail["Subject"] == f"Order #{order.pk}: the store asks to move the agreed date"
    text = mail["TextBody"]
    assert f"from {day(request.old_date)} to {day(request.new_date)}" in text
    assert "The supplier is late" in text
    assert f"the request goes through: the agreed date becomes {day(request.new_date)}" in text
    assert "Ground:" not in text
    assert_buyer_link(mail, order)


def test_the_store_learns_the_buyers_request_to_cancel_and_its_deadlines(order, channels):
    request = open_request(order, RequestKind.BUYER_CANCEL)
    messages.tell("request_opened", request, to=ActorKind.SELLER)

    mail = one(sent(channels), STORE)
    assert mail["Subject"] == f"Order #{order.pk}: the buyer asks to cancel"
    text = mail["TextBody"]
    assert f"The buyer's message: {BUYER_MESSAGE}" in text
    assert f"Accept or decline by {day(request.answer_by)}; if you decline, the moderators decide." in text
    assert f"If you do not decline by {day(request.expires_at)}, the request goes through" in text
    assert "does not count against the store" in text
    assert_store_link(mail, order)


def test_the_reminder_says_when_the_request_goes_through(order, channels):
    to_buyer = open_request(order, RequestKind.MOVE_DATE)
    messages.tell("request_reminder", to_buyer, to=ActorKind.BUYER, occurrence="answer_by")
    mail = one(sent(channels), BUYER)
    assert mail["Subject"] == f"Reminder: order #{order.pk}, the store waits for your answer"
    assert f"If you do not decline by {day(to_buyer.expires_at)}" in mail["TextBody"]
    assert "You can still accept or decline on your order page." in mail["TextBody"]
    assert_buyer_link(mail, order)


def test_the_store_is_reminded_of_the_buyers_request(order, channels):
    request = open_request(order, RequestKind.BUYER_CANCEL)
    messages.tell("request_reminder", request, to=ActorKind.SELLER, occurrence="answer_by")
    mail = one(sent(channels), STORE)
    assert mail["Subject"] == f"Reminder: order #{order.pk}, the buyer's request waits for your answer"
    assert f"If you do not decline by {day(request.expires_at)}" in mail["TextBody"]
    assert_store_link(mail, order)


# --- answers go to the opener ---


@pytest.mark.parametrize(
    "state,subject,says",
    [
        ("accepted", "the store agreed to cancel", "agreed to cancel your order #{n}: the order is cancelled."),
        ("declined", "the store declined your request to cancel", "The moderators will look into it and decide"),
    ],
)
def test_the_buyer_learns_the_stores_answer(order, channels, state, subject, says):
    request = open_request(order, RequestKind.BUYER_CANCEL, state=state, answer=ANSWER)
    messages.tell("request_answered", request, to=ActorKind.BUYER)
    mail = one(sent(channels), BUYER)
    assert mail["Subject"] == f"Order #{order.pk}: {subject}"
    assert says.format(n=order.pk) in mail["TextBody"]
    assert f"The store's answer: {ANSWER}" in mail["TextBody"]
    assert_buyer_link(mail, order)


@pytest.mark.parametrize(
    "kind,state,subject,says",
    [
        (RequestKind.SELLER_CANCEL, "accepted", "accepted", "cancelled by agreement and does not count against"),
        (RequestKind.MOVE_DATE, "accepted", "accepted", "the agreed date of order #{n} is now {new}"),
        (RequestKind.MOVE_DATE, "declined", "declined", "The moderators will decide."),
    ],
)
def test_the_store_learns_the_buyers_answer(order, channels, kind, state, subject, says):
    request = open_request(order, kind, state=state, answer=ANSWER)
    messages.tell("request_answered", request, to=ActorKind.SELLER)
    mail = one(sent(channels), STORE)
    assert mail["Subject"] == f"Order #{order.pk}: the buyer {subject} your request"
    new = day(request.new_date) if request.new_date else ""
    assert says.format(n=order.pk, new=new) in mail["TextBody"]
    assert f"The buyer's answer: {ANSWER}" in mail["TextBody"]
    assert_store_link(mail, order)


# --- a request that went through: both sides ---


@pytest.mark.parametrize(
    "kind,buyer_says,store_says",
    [
        (RequestKind.BUYER_CANCEL, "did not answer your request to cancel", "It does not count against the store."),
        (RequestKind.SELLER_CANCEL, "is cancelled by agreement", "is cancelled by agreement"),
        (RequestKind.MOVE_DATE, "the agreed date of your order #{n} is now {new}", "the deadlines follow it"),
    ],
)
def test_both_sides_learn_that_a_request_went_through(order, channels, kind, buyer_says, store_says):
    request = open_request(order, kind, state="went_through")
    for side in (ActorKind.BUYER, ActorKind.SELLER):
        messages.tell("request_went_through", request, to=side)
    mails = sent(channels)
    assert [len(mails[BUYER]), len(mails[STORE]), len(mails[MODERATOR])] == [1, 1, 0]
    new = day(request.new_date) if request.new_date else ""
    assert buyer_says.format(n=order.pk, new=new) in mails[BUYER][0]["TextBody"]
    assert store_says in mails[STORE][0]["TextBody"]
    if kind == RequestKind.MOVE_DATE:
        assert mails[BUYER][0]["Subject"] == f"Order #{order.pk}: the agreed date is now {new}"
    assert_buyer_link(mails[BUYER][0], order)
    assert_store_link(mails[STORE][0], order)


def test_a_withdrawn_request_is_told_to_the_side_that_was_to_answer(order, channels):
    request = open_request(order, RequestKind.SELLER_CANCEL, state="withdrawn")
    messages.tell("request_withdrawn", request, to=ActorKind.BUYER)
    mail = one(sent(channels), BUYER)
    assert mail["Subject"] == f"Order #{order.pk}: the store withdrew its request"
    assert "The store asks to cancel by agreement" in mail["TextBody"]  # which request, by its kind
    assert "the order goes on as before" in mail["TextBody"]
    assert_buyer_link(mail, order)

    OutboxMessage.objects.all().delete()
    channels[0].reset()
    request = open_request(order, RequestKind.BUYER_CANCEL, state="withdrawn")
    messages.tell("request_withdrawn", request, to=ActorKind.SELLER)
    mail = one(sent(channels), STORE)
    assert mail["Subject"] == f"Order #{order.pk}: the buyer withdrew the request to cancel"
    assert_store_link(mail, order)


@pytest.mark.parametrize("to,address,subject", [("buyer", BUYER, "the store"), ("seller", STORE, "the buyer")])
def test_a_message_in_the_thread_reaches_the_other_side_with_its_text(order, channels, to, address, subject):
    request = open_request(order, RequestKind.SELLER_CANCEL if to == "buyer" else RequestKind.BUYER_CANCEL)
    messages.tell("request_message", request, to=to, occurrence="1", text=THREAD_TEXT)
    messages.tell("request_message", request, to=to, occurrence="2", text="A second one")
    mails = sent(channels)
    assert len(mails[address]) == 2  # each message of the thread is its own occurrence
    mail = mails[address][0]
    assert mail["Subject"] == f"Order #{order.pk}: a new message from {subject}"
    assert THREAD_TEXT in mail["TextBody"]
    # The reader's answer is still due: until when it counts.
    assert f"Unless you decline it by {day(request.expires_at)}, the request goes through." in mail["TextBody"]
    (assert_buyer_link if to == "buyer" else assert_store_link)(mail, order)


def test_the_buyer_gets_the_stores_follow_up_by_email(order, channels):
    request = open_request(order, RequestKind.SELLER_CANCEL)
    messages.tell("request_followed_up", request, to=ActorKind.BUYER, occurrence="first")
    messages.tell("request_followed_up", request, to=ActorKind.SELLER, occurrence="first")  # no such route
    mail = one(sent(channels), BUYER)
    assert mail["Subject"] == f"Order #{order.pk}: the store is waiting for your answer"
    assert "Please accept or decline the request on your order page." in mail["TextBody"]
    assert f"If you do not decline by {day(request.expires_at)}" in mail["TextBody"]
    assert_buyer_link(mail, order)


# --- disputes ---


def test_a_declined_request_tells_both_sides_and_the_moderators_with_the_admin_link(order, channels):
    request = open_request(order, RequestKind.SELLER_CANCEL, state="declined", answer=ANSWER)
    dispute = open_dispute(order, request=request)
    for side in (ActorKind.BUYER, ActorKind.SELLER, ActorKind.MODERATOR):
        messages.tell_dispute("dispute_opened", dispute, to=side, complaint=dispute.complaint)
    mails = sent(channels)
    assert [len(mails[BUYER]), len(mails[STORE]), len(mails[MODERATOR])] == [1, 1, 1]

    buyer = mails[BUYER][0]
    assert buyer["Subject"] == f"Order #{order.pk}: passed to the moderators"
    assert "You declined the store's request about order" in buyer["TextBody"]
    assert "moderators will look into it and decide" in buyer["TextBody"]
    assert_buyer_link(buyer, order)

    store = mails[STORE][0]
    assert "The buyer declined your request about order" in store["TextBody"]
    assert f"The buyer's answer: {ANSWER}" in store["TextBody"]
    assert_store_link(store, order)

    moderator = mails[MODERATOR][0]
    assert moderator["Subject"] == f"A dispute about order #{order.pk} waits for a moderator: A request was declined"
    admin = f"/admin/orders/dispute/{dispute.pk}/change/"
    assert admin in moderator["TextBody"] and admin in moderator["HtmlBody"]
    assert "The request: The store asks to cancel by agreement." in moderator["TextBody"]
    assert f"Its message: {STORE_MESSAGE}" in moderator["TextBody"]
    assert f"The answer: {ANSWER}" in moderator["TextBody"]
    assert "/cabinet/" not in both_parts(moderator)  # the cabinet is the store's, not theirs


def test_a_complaint_about_a_late_order_reaches_the_store_and_the_moderators(order, channels):
    dispute = open_dispute(order, complaint=COMPLAINT)
    for side in (ActorKind.BUYER, ActorKind.SELLER, ActorKind.MODERATOR):
        messages.tell_dispute("dispute_opened", dispute, to=side, complaint=dispute.complaint)
    mails = sent(channels)
    assert "We have your complaint that order" in mails[BUYER][0]["TextBody"]
    assert f"The buyer's complaint: {COMPLAINT}" in mails[STORE][0]["TextBody"]
    assert f"The buyer's complaint: {COMPLAINT}" in mails[MODERATOR][0]["TextBody"]
    assert "The buyer complains the order is late" in mails[MODERATOR][0]["Subject"]


def test_a_decision_to_cancel_names_the_fault_and_gives_each_side_only_its_own_note(order, channels):
    dispute = decided(
        open_dispute(order, complaint=COMPLAINT),
        decision=Decision.CANCEL,
        fault=Fault.SELLER,
        note_to_buyer=NOTE_TO_BUYER,
        note_to_seller=NOTE_TO_STORE,
    )
    # Even a caller that hands both notes to both tells cannot put the store's note in the buyer's message.
    for side in (ActorKind.BUYER, ActorKind.SELLER):
        messages.tell_dispute("dispute_decided", dispute, to=side, buyer_note=NOTE_TO_BUYER, seller_note=NOTE_TO_STORE)
    mails = sent(channels)
    buyer, store = mails[BUYER][0], mails[STORE][0]
    assert buyer["Subject"] == f"Order #{order.pk}: the moderators cancelled it"
    assert "The moderators decided to cancel your order" in buyer["TextBody"]
    assert "At fault, in their view: The store." in buyer["TextBody"]
    assert f"The moderators' note to you: {NOTE_TO_BUYER}" in buyer["TextBody"]
    assert NOTE_TO_STORE not in both_parts(buyer)
    assert NOTE_TO_STORE not in str(OutboxMessage.objects.get(recipient=BUYER).context)

    assert "At fault: The store." in store["TextBody"] and "It counts against the store." in store["TextBody"]
    assert f"The moderators' note to the store: {NOTE_TO_STORE}" in store["TextBody"]
    assert NOTE_TO_BUYER not in both_parts(store)
    assert_buyer_link(buyer, order)
    assert_store_link(store, order)


def test_a_decision_to_continue_gives_the_new_date_and_the_notes_from_the_dispute(order, channels):
    new_date = clock.today() + timedelta(days=3)
    dispute = decided(
        open_dispute(order, complaint=COMPLAINT),
        decision=Decision.CONTINUE,
        new_date=new_date,
        note_to_buyer=NOTE_TO_BUYER,
        note_to_seller=NOTE_TO_STORE,
    )
    for side in (ActorKind.BUYER, ActorKind.SELLER):
        messages.tell_dispute("dispute_decided", dispute, to=side)  # the notes come from the dispute itself
    mails = sent(channels)
    buyer, store = mails[BUYER][0], mails[STORE][0]
    assert buyer["Subject"] == f"Order #{order.pk}: the moderators decided it goes on"
    assert f"goes on, with the new agreed date {day(new_date)}" in buyer["TextBody"]
    assert NOTE_TO_BUYER in buyer["TextBody"] and NOTE_TO_STORE not in both_parts(buyer)
    assert f"goes on, with the new agreed date {day(new_date)}; the deadlines follow it" in store["TextBody"]
    assert NOTE_TO_STORE in store["TextBody"] and NOTE_TO_BUYER not in both_parts(store)
    assert "count against" not in store["TextBody"]


def test_moderators_are_reminded_of_a_dispute_nobody_took(order, channels):
    dispute = open_dispute(order, complaint=COMPLAINT)
    messages.tell_dispute("dispute_waiting", dispute, to=ActorKind.MODERATOR)
    mail = one(sent(channels), MODERATOR)
    assert mail["Subject"] == f"Reminder: the dispute about order #{order.pk} waits for a moderator"
    assert f"has waited since {day(dispute.opened_at)}" in mail["TextBody"]
    assert f"/admin/orders/dispute/{dispute.pk}/change/" in mail["TextBody"]
    assert f"/admin/orders/dispute/{dispute.pk}/change/" in mail["HtmlBody"]


# --- what a buyer's message never holds ---


def test_a_buyers_request_messages_hold_no_seller_only_comment(order, seller, channels):
    order_comment_add(actor=seller, order=order, text=SELLER_COMMENT)
    request = open_request(order, RequestKind.SELLER_CANCEL)
    for event in ("request_opened", "request_reminder", "request_followed_up", "request_withdrawn"):
        messages.tell(event, request, to=ActorKind.BUYER)
    messages.tell("request_message", request, to=ActorKind.BUYER, occurrence="1", text=THREAD_TEXT)
    # A caller's stray seller-side fact never reaches the buyer's row either.
    messages.tell("request_went_through", request, to=ActorKind.BUYER, comment=SELLER_COMMENT)
    rows = list(OutboxMessage.objects.filter(audience="buyer"))
    assert len(rows) == 6
    mails = sent(channels)[BUYER]
    assert len(mails) == 6
    for row, mail in zip(rows, mails, strict=False):
        assert SELLER_COMMENT not in str(row.context)
        assert SELLER_COMMENT not in both_parts(mail)


# --- language: each side reads its own ---


@pytest.mark.parametrize(
    "language,month,footer",
    [
        ("uk", "листопада", "Цей лист надіслав"),
        ("ru", "ноября", "Это письмо отправил"),
        ("en", "November", "This message was sent"),
    ],
)
def test_the_buyer_reads_the_orders_language_and_the_store_its_own(
    place_order, store, channels, language, month, footer
):
    order = place_order(buyer_language=language)
    store.language = {"uk": "ru", "ru": "en", "en": "uk"}[language]  # never the buyer's
    store.save(update_fields=["language"])
    OutboxMessage.objects.all().delete()
    request = open_request(order, RequestKind.SELLER_CANCEL)
    messages.tell("request_opened", request, to=ActorKind.BUYER)
    messages.tell("request_message", request, to=ActorKind.SELLER, occurrence="1", text=THREAD_TEXT)

    assert OutboxMessage.objects.get(recipient=BUYER).language == language
    assert OutboxMessage.objects.get(recipient=STORE).language == store.language
    mails = sent(channels)
    buyer, seller_mail = mails[BUYER][0], mails[STORE][0]
    assert f'lang="{language}"' in buyer["HtmlBody"]
    assert footer in buyer["HtmlBody"]
    assert day(request.answer_by, language) in buyer["TextBody"] and month in buyer["TextBody"]
    assert f'lang="{store.language}"' in seller_mail["HtmlBody"]


def test_labels_follow_the_readers_language(order, channels):
    """A kind, a ground and a decision are shown by their labels, rendered when the message goes out."""
    request = open_request(order, RequestKind.SELLER_CANCEL)
    messages.tell("request_opened", request, to=ActorKind.BUYER)
    row = OutboxMessage.objects.get(recipient=BUYER)
    assert row.context["params"]["ground"] == "duplicate"  # the value is stored, its label rendered
    assert "A duplicate order" in render_message(row)["text"]


# --- the store's Telegram gets what needs its action ---


def test_the_stores_telegram_gets_what_needs_its_action(order, linked_store, owner, channels):
    preferences_update(
        StoreMember.objects.get(store=linked_store, user=owner), {EventGroup.REQUESTS: {"telegram": True}}
    )
    request = open_request(order, RequestKind.BUYER_CANCEL)
    messages.tell("request_opened", request, to=ActorKind.SELLER)  # email and Telegram
    messages.tell("request_withdrawn", request, to=ActorKind.SELLER)  # e-mail only: nothing to do
    _, telegram = channels
    delivery.drain()
    assert [m["chat_id"] for m in telegram.sent] == [777000111]
    text = telegram.sent[0]["text"]
    assert text.startswith(f"<b>Order #{order.pk}: the buyer asks to cancel</b>")
    assert f"Accept or decline by {day(request.answer_by)}" in text
    assert cabinet_url(order) in text
    assert len(text) < 1000  # short


# --- through the services: every message they write renders for its side ---


def test_the_services_messages_all_render_for_their_sides(order, seller, channels):
    order_comment_add(actor=seller, order=order, text=SELLER_COMMENT)
    request = request_open(
        actor=seller, order=order, kind=RequestKind.SELLER_CANCEL, ground=CancelGround.OTHER, message=STORE_MESSAGE
    )
    request_message_add(actor=Actor.buyer(), request=request, text=THREAD_TEXT)
    request_answer(actor=Actor.buyer(), request=request, accept=False, message=ANSWER)

    written = {(row.event, row.audience) for row in OutboxMessage.objects.all()}
    assert {
        ("request_opened", "buyer"),
        ("request_message", "store"),
        ("request_answered", "store"),
        ("dispute_opened", "buyer"),
        ("dispute_opened", "store"),
        ("dispute_opened", "moderators"),
    } <= written
    mails = sent(channels)
    assert OutboxMessage.objects.exclude(status="sent").count() == 0
    for mail in mails[BUYER]:
        assert SELLER_COMMENT not in both_parts(mail)
        assert_buyer_link(mail, order)
    assert any(THREAD_TEXT in mail["TextBody"] for mail in mails[STORE])
    assert any(f"The buyer's answer: {ANSWER}" in mail["TextBody"] for mail in mails[STORE])
