"""The cabinet's offer form: description, category and photo, what the storefront shows
(`offer_update_details`). A bad photo is refused with a clear message and changes nothing;
another store's offer is not found."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from marketplace.actors import Actor
from marketplace.errors import NotAllowed, RuleViolation
from sellers.models import Category, Offer
from sellers.services import offer_update_details


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def png(size=(40, 30)) -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_form_saves_description_category_and_photo(manager_client, offers, media):
    offer = offers[0]
    category = Category.objects.create(name="Cases", slug="cases")
    url = reverse("cabinet:offer_edit", args=[offer.pk])
    page = manager_client.get(url)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    response = manager_client.post(
        url,
        {
            "description": "Soft silicone, fits iPhone 15.",
            "category": category.pk,
            "photo": SimpleUploadedFile("case.png", png(), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    offer = Offer.objects.get(pk=offer.pk)
    assert offer.description == "Soft silicone, fits iPhone 15." and offer.category == category
    assert offer.photo.name.startswith("offers/") and (media / offer.photo.name).exists()
    assert offer.history.first().action == "edit_details"
    # The storefront shows them.
    html = manager_client.get(reverse("storefront:offer", args=[offer.pk])).content.decode()
    assert "fits iPhone 15." in html and offer.photo.url in html

    # And the photo can be removed.
    manager_client.post(url, {"description": offer.description, "category": category.pk, "remove_photo": "on"})
    assert not Offer.objects.get(pk=offer.pk).photo


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("notes.txt", b"just some text", content_type="text/plain"),
        SimpleUploadedFile("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png"),
        SimpleUploadedFile("evil.svg", b"<svg onload='alert(1)'></svg>", content_type="image/svg+xml"),
    ],
    ids=["text", "broken-png", "svg"],
)
def test_a_file_that_is_not_an_image_gets_a_clear_message(manager_client, offers, media, upload):
    offer = offers[0]
    history = offer.history.count()
    response = manager_client.post(
        reverse("cabinet:offer_edit", args=[offer.pk]), {"description": "New text", "photo": upload}
    )
    assert response.status_code == 422
    assert "The photo must be a JPEG, PNG, WebP or GIF image." in response.content.decode()
    offer = Offer.objects.get(pk=offer.pk)
    assert (offer.description, offer.photo.name, offer.history.count()) == ("", "", history)
    assert not list(media.rglob("*"))


def test_the_service_refuses_a_non_image_and_an_outsider(offers, seller, outsider, media):
    with pytest.raises(RuleViolation, match="JPEG, PNG"):
        offer_update_details(actor=seller, offer=offers[0], photo=SimpleUploadedFile("x.gif", b"GIF89a nope"))
    with pytest.raises(NotAllowed):
        offer_update_details(actor=Actor.seller(outsider), offer=offers[0], description="Mine now")
    with pytest.raises(RuleViolation, match="too long"):
        offer_update_details(actor=seller, offer=offers[0], description="x" * 5001)
    assert Offer.objects.get(pk=offers[0].pk).description == ""


def test_another_stores_offer_is_not_found(manager_client, outsider_offer):
    url = reverse("cabinet:offer_edit", args=[outsider_offer.pk])
    assert manager_client.get(url).status_code == 404
    assert manager_client.post(url, {"description": "Mine"}).status_code == 404
    assert Offer.objects.get(pk=outsider_offer.pk).description == ""


def test_a_save_that_changes_nothing_writes_no_history(offers, seller):
    before = offers[0].history.count()
    offer_update_details(actor=seller, offer=offers[0], description="", category=None)
    assert offers[0].history.count() == before
