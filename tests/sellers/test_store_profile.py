"""The store's public profile (pickup address and hours, phone, logo): the owner edits it on the
settings page through `store_update_profile`; a manager or an outsider cannot; bad input changes
nothing; every change is in the store's history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marketplace.actors import Actor
from marketplace.errors import RuleViolation
from sellers.models import Store
from sellers.services import LOGO_MAX_BYTES, store_update_profile

PAGE = reverse("cabinet:store_settings")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PROFILE = {"pickup_address": "Kyiv, Khreshchatyk 22, entrance from the yard", "pickup_hours": "Mon–Fri 10:00–19:00"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored(store) -> Store:
    return Store.objects.get(pk=store.pk)


def profile_of(store) -> tuple:
    store = stored(store)
    return store.pickup_address, store.pickup_hours, store.phone, store.logo.name, store.history.count()


def test_the_owner_saves_the_profile_with_the_phone_normalised_and_history(owner, store):
    store_update_profile(actor=Actor.seller(owner), store=store, phone="050 123 45 67", **PROFILE)
    saved = stored(store)
    assert (saved.pickup_address, saved.pickup_hours, saved.phone) == (*PROFILE.values(), "+380501234567")
    record = saved.history.latest("history_date")
    assert (record.action, record.history_user, record.pickup_address) == (
        "edit_profile",
        owner,
        PROFILE["pickup_address"],
    )


def test_a_save_that_changes_nothing_writes_no_history(owner, store):
    store_update_profile(actor=Actor.seller(owner), store=store, phone="+380501234567", **PROFILE)
    before = profile_of(store)
    store_update_profile(actor=Actor.seller(owner), store=store, phone="050 123 45 67", **PROFILE)
    assert profile_of(store) == before


@pytest.mark.parametrize("who", ["manager", "outsider"])
def test_only_the_owner_may_change_the_profile(request, store, who):
    user = request.getfixturevalue(who)
    before = profile_of(store)
    with pytest.raises(PermissionDenied):
        store_update_profile(actor=Actor.seller(user), store=store, phone="+380501234567", **PROFILE)
    assert profile_of(store) == before


@pytest.mark.parametrize(
    "change, message",
    [
        ({"phone": "12345"}, "valid phone number"),
        ({"phone": "call me"}, "valid phone number"),
        ({"pickup_address": "x" * 301}, "pickup address is too long"),
        ({"pickup_hours": "x" * 301}, "pickup hours is too long"),
    ],
)
def test_bad_input_is_refused_with_a_sentence_and_changes_nothing(owner, store, change, message):
    before = profile_of(store)
    with pytest.raises(RuleViolation) as caught:
        store_update_profile(actor=Actor.seller(owner), store=store, **{**PROFILE, **change})
    assert message in str(caught.value) and str(caught.value).endswith(".")
    assert profile_of(store) == before


def test_a_logo_is_stored_replaced_and_removed(owner, store, media, django_capture_on_commit_callbacks):
    actor = Actor.seller(owner)
    store_update_profile(actor=actor, store=store, logo=SimpleUploadedFile("logo.png", PNG), **PROFILE)
    first = stored(store).logo.name
    assert first.endswith(".png") and (media / first).read_bytes() == PNG
    with django_capture_on_commit_callbacks(execute=True):
        store_update_profile(actor=actor, store=store, logo=SimpleUploadedFile("new.png", PNG), **PROFILE)
    second = stored(store).logo.name
    assert second != first and (media / second).exists()
    assert not (media / first).exists()  # the replaced file is deleted after the commit
    with django_capture_on_commit_callbacks(execute=True):
        store_update_profile(actor=actor, store=store, remove_logo=True, **PROFILE)
    assert stored(store).logo.name == "" and not (media / second).exists()


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>"), "PNG, JPEG"),
        (SimpleUploadedFile("logo.png", b"not an image at all"), "PNG, JPEG"),
        (SimpleUploadedFile("big.png", PNG + b"\x00" * LOGO_MAX_BYTES), "too large"),
    ],
)
def test_a_logo_that_is_not_a_small_raster_image_is_refused(owner, store, media, upload, message):
    before = profile_of(store)
    with pytest.raises(RuleViolation) as caught:
        store_update_profile(actor=Actor.seller(owner), store=store, logo=upload, **PROFILE)
    assert message in str(caught.value)
    assert profile_of(store) == before and not list(media.rglob("*.*"))


# --- the settings page -----------------------------------------------------------------------


def post(client, **data):
    fields = {f"profile-{name}": value for name, value in data.items()}
    return client.post(PAGE, {"section": "profile", **fields})


def test_the_owner_edits_the_profile_on_the_settings_page(owner_client, store, media):
    page = owner_client.get(PAGE).content.decode()
    assert 'id="store-profile"' in page and 'name="profile-pickup_address"' in page
    logo = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    response = post(owner_client, phone="+380 50 123 4567", logo=logo, **PROFILE)
    assert response.status_code == 302
    saved = stored(store)
    assert (saved.pickup_address, saved.phone) == (PROFILE["pickup_address"], "+380501234567") and saved.logo
    page = owner_client.get(PAGE).content.decode()
    assert PROFILE["pickup_address"] in page and saved.logo.url in page


def test_a_refused_phone_is_shown_at_its_field(owner_client, store):
    response = post(owner_client, phone="12345", **PROFILE)
    assert response.status_code == 422
    assert "valid phone number" in response.content.decode()
    assert stored(store).pickup_address == ""


def test_a_manager_reads_the_profile_and_cannot_post_it(manager_client, store, owner):
    store_update_profile(actor=Actor.seller(owner), store=store, phone="+380501234567", **PROFILE)
    page = manager_client.get(PAGE).content.decode()
    assert PROFILE["pickup_address"] in page and 'name="profile-pickup_address"' not in page
    before = profile_of(store)
    response = post(manager_client, phone="+380671234567", pickup_address="Elsewhere 1", pickup_hours="")
    assert response.status_code == 403
    assert profile_of(store) == before
