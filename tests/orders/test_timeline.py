"""The order's timeline speaks to people: labels, never the stored codes (issue 11, "No raw codes
shown to people")."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from orders.choices import CancelReason
from orders.selectors import order_timeline
from orders.services import order_expire

pytestmark = pytest.mark.django_db

# Codes stored on a platform-cancelled order (values and field names) that must never reach the page.
RAW_CODES = ("processing_time_expired", "cancel_reason", "cancelled_by", "nova_poshta", "status_changed_at")
RAW_VALUES = ("platform", "cancelled", "new", "cod")  # as a changed value: "… → platform"


def assert_no_raw_codes(text: str) -> None:
    for code in RAW_CODES:
        assert code not in text, (code, text)
    for value in RAW_VALUES:
        assert not re.search(rf"(→|:)\s*{value}\b", text), (value, text)


@pytest.fixture
def expired(place_order):
    return order_expire(order=place_order(), reason=CancelReason.PROCESSING_TIME_EXPIRED)


def timeline_text(html: str) -> str:
    block = html.split('id="order-timeline"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return unescape(re.sub(r"<[^>]+>", " ", block))


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("uk", ["хто скасував: — → Платформа", "Скасовано платформою", "Сплив час на опрацювання"]),
        ("en", ["cancelled by: — → Platform", "Cancelled by the platform", "Processing time expired"]),
    ],
)
def test_a_platform_cancellation_reads_as_words_in_admin(client, moderator, expired, language, words):
    client.force_login(moderator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("admin:orders_order_change", args=[expired.pk]))
    assert response.status_code == 200
    text = timeline_text(response.content.decode())
    for phrase in words:
        assert phrase in text, (phrase, text)
    assert_no_raw_codes(text)


@pytest.mark.parametrize("language", ["uk", "en"])
def test_the_timeline_entries_carry_labels_for_every_page(expired, language):
    """The cabinet's journal reads the same entries: the reason and the changed values are labels."""
    with translation.override(language):
        entries = order_timeline(expired)
        cancellation = entries[-1]
        assert cancellation.text == str(CancelReason.PROCESSING_TIME_EXPIRED.label)
        values = {change.field: change.new for change in cancellation.changes}
        gettext = translation.gettext
        assert values[gettext("cancelled by")] == gettext("Platform")
        assert values[gettext("status")] == gettext("Cancelled")
        assert values[gettext("cancellation reason")] == gettext("Processing time expired")
    shown = " ".join(f"{field}: {old} → {new}" for entry in entries for field, old, new in _changes(entry))
    assert_no_raw_codes(shown + " " + cancellation.text)


def _changes(entry):
    return [(change.field, change.old, change.new) for change in entry.changes]
