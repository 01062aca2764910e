"""Store settings: the e-mail for new orders and members; only the owner changes them."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from marketplace.models import UserSettings
from notifications import delivery
from sellers.models import Store, StoreMember
from tests.conftest import make_user

PAGE = reverse("cabinet:store_settings")
EMAIL = reverse("cabinet:store_email")
INVITE = reverse("cabinet:member_invite")
User = get_user_model()


def test_owner_sees_forms_manager_reads(owner_client, manager_client):
    owner_page = owner_client.get(PAGE).content.decode()
    assert (
        'action="/cabinet/settings/email/"' in owner_page and 'action="/cabinet/settings/members/invite/"' in owner_page
    )
    manager_page = manager_client.get(PAGE).content.decode()
    assert "Only the store's owner changes the settings." in manager_page
    assert "/settings/members/invite/" not in manager_page and "owner@example.com" in manager_page


def test_owner_sets_the_store_email(owner_client, store):
    response = owner_client.post(EMAIL, {"email": "orders@alpha.example"})
    assert response.status_code == 302
    assert Store.objects.get(pk=store.pk).email == "orders@alpha.example"
    assert Store.objects.get(pk=store.pk).order_email() == "orders@alpha.example"
    response = owner_client.post(EMAIL, {"email": "not-an-email"})
    assert response.status_code == 422 and Store.objects.get(pk=store.pk).email == "orders@alpha.example"
    owner_client.post(EMAIL, {"email": ""})
    assert Store.objects.get(pk=store.pk).order_email() == "owner@example.com"


def test_manager_cannot_change_settings(manager_client, store, owner):
    assert manager_client.post(EMAIL, {"email": "x@example.com"}).status_code == 403
    assert manager_client.post(INVITE, {"email": "y@example.com"}).status_code == 403
    member = StoreMember.objects.get(store=store, user=owner)
    assert manager_client.post(reverse("cabinet:member_remove", args=[member.pk])).status_code == 403
    assert Store.objects.get(pk=store.pk).email == ""
    assert StoreMember.objects.filter(store=store).count() == 2
    assert not User.objects.filter(email="y@example.com").exists()


def test_invite_a_new_manager_who_sets_a_password(owner_client, store, mailoutbox, settings):
    settings.SITE_URL = "https://cabinet.example"
    response = owner_client.post(INVITE, {"email": "New.Manager@Example.com"})
    assert response.status_code == 302
    delivery.drain()  # the invitation went to the outbox
    user = User.objects.get(email="new.manager@example.com")
    assert not user.has_usable_password()
    assert not StoreMember.objects.filter(store=store, user=user).exists()  # not before accepting
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new.manager@example.com"]
    assert "Alpha Shop" in mailoutbox[0].subject
    link = re.search(r"https://cabinet\.example(/cabinet/invitation/\S+/)", mailoutbox[0].body).group(1)
    client = Client()
    response = client.post(link, {"new_password1": "Fresh-pass-2026", "new_password2": "Fresh-pass-2026"})
    assert response.status_code == 302
    assert StoreMember.objects.get(store=store, user=user).role == StoreMember.Role.MANAGER
    fresh = Client()
    assert (
        fresh.post(
            reverse("cabinet:login"), {"username": "new.manager@example.com", "password": "Fresh-pass-2026"}
        ).status_code
        == 302
    )
    assert fresh.get(reverse("cabinet:order_list")).context["request"].cabinet.store == store


def test_invite_an_existing_user(owner_client, owner, store, mailoutbox):
    UserSettings.objects.update_or_create(user=owner, defaults={"language": "en"})  # the owner reads English
    user = make_user("known", email="known@example.com")
    owner_client.post(INVITE, {"email": "KNOWN@example.com"})
    delivery.drain()
    assert not StoreMember.objects.filter(store=store, user=user).exists()  # not before accepting
    body = mailoutbox[0].body
    assert "/cabinet/invitation/" in body and "password-reset" not in body
    # Invited already: the invitation goes again, with a new link.
    response = owner_client.post(INVITE, {"email": "known@example.com"}, follow=True)
    assert "was invited already" in response.content.decode()
    delivery.drain()
    assert len(mailoutbox) == 2
    link = re.search(r"https?://[^/]+(/cabinet/invitation/\S+/)", mailoutbox[1].body).group(1)
    client = Client()
    client.force_login(user)
    assert client.post(link).status_code == 302
    assert StoreMember.objects.filter(store=store, user=user).exists()
    delivery.drain()
    assert len(mailoutbox) == 3 and "known@example.com accepted" in mailoutbox[2].subject  # the owner is told
    # A member now: inviting them again is refused, and nothing is sent.
    response = owner_client.post(INVITE, {"email": "known@example.com"})
    assert response.status_code == 422 and "already a member" in response.content.decode()
    delivery.drain()
    assert len(mailoutbox) == 3


@pytest.mark.parametrize("email", ["", "nope", "a@b"])
def test_invite_needs_an_email(owner_client, store, email, mailoutbox):
    assert owner_client.post(INVITE, {"email": email}).status_code == 422
    assert StoreMember.objects.filter(store=store).count() == 2 and mailoutbox == []


def test_owner_removes_a_manager_but_not_themselves(owner_client, store, manager, owner):
    own = StoreMember.objects.get(store=store, user=owner)
    response = owner_client.post(reverse("cabinet:member_remove", args=[own.pk]), follow=True)
    assert "cannot be removed" in response.content.decode()
    member = StoreMember.objects.get(store=store, user=manager)
    owner_client.post(reverse("cabinet:member_remove", args=[member.pk]))
    assert not StoreMember.objects.filter(pk=member.pk).exists()
    assert User.objects.filter(pk=manager.pk).exists()  # the account stays, only the access goes


def test_owner_links_and_unlinks_the_telegram_chat(owner_client, manager_client, store, settings):
    settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_BOT_NAME = "123:abc", "MarketBot"
    response = owner_client.post(reverse("cabinet:telegram_link"))
    assert response.status_code == 200
    url = response.context["telegram_url"]
    assert url.startswith("https://t.me/MarketBot?start=") and url in response.content.decode()
    from notifications.models import TelegramLinkToken

    assert TelegramLinkToken.objects.filter(store=store, used_at__isnull=True).count() == 1
    assert manager_client.post(reverse("cabinet:telegram_link")).status_code == 403
    Store.objects.filter(pk=store.pk).update(telegram_chat_id=-1001)
    assert manager_client.post(reverse("cabinet:telegram_unlink")).status_code == 403
    assert "linked" in manager_client.get(PAGE).content.decode()
    owner_client.post(reverse("cabinet:telegram_unlink"))
    assert Store.objects.get(pk=store.pk).telegram_chat_id is None


def test_telegram_switched_off_on_the_platform(owner_client, store, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    assert "not available on this platform" in owner_client.get(PAGE).content.decode()
    response = owner_client.post(reverse("cabinet:telegram_link"), follow=True)
    assert "not available on this platform" in response.content.decode()


def test_each_member_sets_their_own_notifications(manager_client, store, manager, owner):
    from notifications.preferences import preferences_for

    member = StoreMember.objects.get(store=store, user=manager)
    assert preferences_for(member)["new_orders"]["email"] is True
    response = manager_client.post(
        reverse("cabinet:notification_prefs"),
        {
            "new_orders__telegram": "on",
            "reminders__email": "on",
            "cancellations__email": "on",
            # account__* cannot be switched off: disabled boxes, whatever is posted
        },
    )
    assert response.status_code == 302
    prefs = preferences_for(member)
    assert prefs["new_orders"] == {"email": False, "telegram": True}
    assert prefs["reminders"] == {"email": True, "telegram": False}
    assert prefs["account"] == {"email": True, "telegram": True}
    owner_prefs = preferences_for(StoreMember.objects.get(store=store, user=owner))
    assert owner_prefs["new_orders"]["email"] is True  # the owner's choices are the owner's
    page = manager_client.get(PAGE)
    assert page.context["prefs_form"]["new_orders__email"].value() is False


def test_an_invitation_email_too_long_is_refused_clearly(owner_client, store, mailoutbox):
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com"  # 313 characters, valid in form: a 500 before
    response = owner_client.post(INVITE, {"email": email})
    assert response.status_code == 422 and "at most" in response.content.decode()  # the form or the service
    assert StoreMember.objects.filter(store=store).count() == 2 and not User.objects.filter(email=email).exists()


def test_a_member_chooses_their_language_and_the_cabinet_speaks_it(manager, store):
    client = Client()  # no language switch
    client.force_login(manager)
    assert client.get(PAGE).headers["Content-Language"] == "uk"
    response = client.post(PAGE, {"section": "my_language", "me-language": "en"})
    assert response.status_code == 302
    assert UserSettings.objects.get(user=manager).language == "en"
    assert client.get(PAGE).headers["Content-Language"] == "en"
    fresh = Client()  # a new sign-in remembers it
    fresh.force_login(manager)
    assert fresh.get(PAGE).headers["Content-Language"] == "en"
    fresh.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"  # unless the user switches
    assert fresh.get(PAGE).headers["Content-Language"] == "ru"


def test_a_bad_language_is_refused(manager_client, manager):
    response = manager_client.post(PAGE, {"section": "my_language", "me-language": "xx"})
    assert response.status_code == 422 and not UserSettings.objects.filter(user=manager).exists()


def test_only_the_owner_sets_the_store_language(owner_client, manager_client, store):
    assert manager_client.post(PAGE, {"section": "store_language", "store-language": "en"}).status_code == 403
    assert Store.objects.get(pk=store.pk).language == "uk"
    assert owner_client.post(PAGE, {"section": "store_language", "store-language": "en"}).status_code == 302
    store.refresh_from_db()
    assert store.language == "en"
    row = store.history.latest("history_date")
    assert (row.language, row.action, row.history_user.username) == ("en", "edit_language", "owner")
