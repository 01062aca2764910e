"""Clients signed in as the store's manager, owner and as the outsider (another store's owner)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Pages and messages are asserted in English, whatever translations the project ships."""
    with translation.override("en"):
        yield


def english_client() -> Client:
    """A browser whose user chose English with the language switch (Ukrainian otherwise)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _client(user) -> Client:
    client = english_client()
    client.force_login(user)
    return client


@pytest.fixture
def manager_client(manager, store):
    return _client(manager)


@pytest.fixture
def owner_client(owner, store):
    return _client(owner)


@pytest.fixture
def outsider_client(outsider, outsider_store):
    return _client(outsider)


@pytest.fixture
def htmx():
    """Headers of a request htmx sends (for partial answers)."""
    return {"HTTP_HX_REQUEST": "true"}
