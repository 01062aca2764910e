"""Fixtures: the fake ESP and Bot API (see fakes.py) wired into the settings."""

from __future__ import annotations

import pytest

from tests.notifications.fakes import BOT_NAME, BOT_TOKEN, ESP_TOKEN, WEBHOOK_SECRET, FakePostmark, FakeTelegram


@pytest.fixture(scope="session")
def _esp_server():
    server = FakePostmark().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _telegram_server():
    server = FakeTelegram().start()
    yield server
    server.stop()


@pytest.fixture
def esp(_esp_server):
    _esp_server.reset()
    return _esp_server


@pytest.fixture
def telegram_api(_telegram_server):
    _telegram_server.reset()
    return _telegram_server


@pytest.fixture
def channels(settings, esp, telegram_api):
    """E-mail through anymail's Postmark backend to the fake ESP; Telegram to the fake Bot API."""
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": ESP_TOKEN, "POSTMARK_API_URL": esp.url + "/"}
    settings.ANYMAIL_REQUESTS_TIMEOUT = 5
    settings.HTTP_TIMEOUT = 5
    settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN
    settings.TELEGRAM_BOT_NAME = BOT_NAME
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.TELEGRAM_API_URL = telegram_api.url
    return esp, telegram_api


@pytest.fixture
def linked_store(store):
    store.telegram_chat_id = 777000111
    store.save(update_fields=["telegram_chat_id"])
    return store


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The shared fixtures create users; a cheap hasher keeps this suite quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """The messages' uk/ru catalogs: compiled here when a .mo is missing or older than its .po."""
    from pathlib import Path

    from django.core.management import call_command
    from django.utils import translation

    locale = Path(__file__).resolve().parents[2] / "notifications" / "locale"
    stale = [
        po
        for po in locale.glob("*/LC_MESSAGES/django.po")
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        call_command(
            "compilemessages",
            locale=[po.parts[-3] for po in stale],
            verbosity=0,
            ignore_patterns=[".venv/*", "*/site-packages/*"],
        )
        translation.trans_real._translations = {}  # catalogs loaded before the compile are dropped
        translation.trans_real._active = translation.trans_real.Local()
