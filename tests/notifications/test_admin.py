"""The outbox in admin: moderators see failed messages and send them again."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from notifications.models import OutboxMessage
from notifications.rendering import render_message
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_message():
    return OutboxMessage.objects.create(
        event="order_placed",
        audience="buyer",
        channel="email",
        recipient="b@example.com",
        language="uk",
        template="telegram_unlinked",
        context={"store_name": "Alpha Shop", "params": {"reason": "Forbidden: bot was blocked by the user"}},
        dedupe_key="k" * 64,
        status="failed",
        attempts=20,
        last_error="ESP unavailable (503)",
    )


def test_moderators_see_failed_messages_and_retry_them(
    client, moderator, failed_message, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    url = reverse("admin:notifications_outboxmessage_changelist")
    page = client.get(url, {"status__exact": "failed"})
    assert page.status_code == 200 and "b@example.com" in page.content.decode()
    assert client.get(reverse("admin:notifications_outboxmessage_change", args=[failed_message.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, {"action": "retry_now", "_selected_action": [failed_message.pk]})
    assert response.status_code == 302
    failed_message.refresh_from_db()
    assert (failed_message.status, failed_message.attempts) == ("pending", 0)
    assert len(callbacks) == 1  # delivery is kicked after the commit


def test_moderators_see_the_message_as_it_will_go_out(client, moderator, failed_message):
    client.force_login(moderator)
    url = reverse("admin:notifications_outboxmessage_change", args=[failed_message.pk])
    page = client.get(url).content.decode()
    subject = render_message(failed_message)["subject"]  # not in the stored context: rendered for the page
    assert "Alpha Shop" in subject and escape(subject) in page
    OutboxMessage.objects.filter(pk=failed_message.pk).update(template="no_such_template")
    page = client.get(url).content.decode()
    assert client.get(url).status_code == 200 and "TemplateDoesNotExist" in page


def test_other_staff_cannot_see_the_outbox(client, failed_message):
    staff = make_user("clerk", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:notifications_outboxmessage_changelist")).status_code == 403


def test_moderators_never_see_an_invitation_link(client, moderator, store, owner, mailoutbox):
    """An invitation holds a one-time link that makes its holder the store's manager. Admin shows
    the message and its context with the link masked; the invitee still gets it."""
    from marketplace.actors import Actor
    from notifications import delivery
    from sellers.services import store_member_invite

    store_member_invite(actor=Actor.seller(owner), store=store, email="new@example.com")
    message = OutboxMessage.objects.get(event="member_invited")
    link = message.context["params"]["accept_url"]
    assert "/cabinet/invitation/" in link
    client.force_login(moderator)
    page = client.get(reverse("admin:notifications_outboxmessage_change", args=[message.pk])).content.decode()
    assert "new@example.com" in page and "••••••" in page
    token_part = link.rstrip("/").rsplit("/", 1)[-1]
    assert token_part not in page and link not in page
    delivery.drain()
    assert link in mailoutbox[0].body
