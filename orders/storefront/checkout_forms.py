"""Forms of the cart and the checkout (docs/rules.md §12). Every field is bounded; the rules
that need the database (stock, price, sellable) are the cart's and the checkout service's."""

from __future__ import annotations

import secrets

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from marketplace import phones

from ..choices import DeliveryMethod, PaymentMethod
from ..services.checkout import ADDRESS_MAX, BRANCH_MAX, EMAIL_MAX, KEY_PATTERN, MAX_QUANTITY, NAME_MAX

PHONE_MAX = 32
ID_MAX = 2**31 - 1


def new_checkout_key() -> str:
    return secrets.token_urlsafe(24)


class QuantityField(forms.IntegerField):
    default_error_messages = {
        "invalid": _("Enter the quantity as a whole number."),
        "min_value": _("The quantity must be at least %(limit_value)s."),
        "max_value": _("At most %(limit_value)s units of one item can be ordered."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_QUANTITY)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric", "class": "qty"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str) and len(value) > 12:  # "9" * 5000: not a quantity, and not parsed
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class OfferIdField(forms.IntegerField):
    default_error_messages = {
        "invalid": _("No such item."),
        "min_value": _("No such item."),
        "max_value": _("No such item."),
    }

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=ID_MAX, widget=forms.HiddenInput, **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and len(value) > 12:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class AddToCartForm(forms.Form):
    offer = OfferIdField()
    quantity = QuantityField(label=_("Quantity"), initial=1)


class CartUpdateForm(forms.Form):
    offer = OfferIdField()
    quantity = QuantityField(label=_("Quantity"), min_value=0)


class CartRemoveForm(forms.Form):
    offer = OfferIdField()


class BuyerForm(forms.Form):
    """Who orders: the same for every store of the cart."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    cart = forms.CharField(widget=forms.HiddenInput, max_length=64)
    name = forms.CharField(
        label=_("Your name"),
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter your name."), "max_length": _("The name is too long.")},
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=PHONE_MAX,
        help_text=_("The store calls you to agree the order, e.g. +380 50 123 4567."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
        error_messages={"required": _("Enter your phone number."), "max_length": _("The phone number is too long.")},
    )
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        max_length=EMAIL_MAX,
        help_text=_("We send the order's news there."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Enter a valid e-mail address or leave it empty.")},
    )
    language = forms.ChoiceField(label=_("Language of our messages"), choices=settings.LANGUAGES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["key"].initial = new_checkout_key()
            language = (get_language() or settings.LANGUAGE_CODE)[:2]
            self.fields["language"].initial = language if language in dict(settings.LANGUAGES) else "uk"

    def clean_key(self):
        key = self.cleaned_data["key"]
        if not KEY_PATTERN.match(key):
            raise forms.ValidationError(_("The checkout form has expired: reload the page and try again."))
        return key

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        if not phones.is_valid(value):
            raise forms.ValidationError(
                _("“%(phone)s” is not a valid phone number: enter it with the country code, e.g. +380 50 123 4567."),
                params={"phone": value[:PHONE_MAX]},
                code="phone",
            )
        return value


class StoreDeliveryForm(forms.Form):
    """One store's part of the checkout: delivery and payment (prefix: the store's id)."""

    delivery_method = forms.ChoiceField(
        label=_("Delivery"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the goods are delivered.")},
    )
    delivery_branch = forms.CharField(
        label=_("Nova Poshta branch or parcel locker"),
        required=False,
        max_length=BRANCH_MAX,
        help_text=_("Its number and town, e.g. “Kyiv, branch 12”."),
    )
    delivery_address = forms.CharField(label=_("Address for the courier"), required=False, max_length=ADDRESS_MAX)
    payment_method = forms.ChoiceField(
        label=_("Payment"),
        widget=forms.RadioSelect,
        choices=PaymentMethod.choices,
        initial=PaymentMethod.CASH_ON_DELIVERY,
        error_messages={"required": _("Choose how you pay.")},
    )

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, prefix=f"s{store.pk}", **kwargs)
        self.store = store
        methods = [(DeliveryMethod.NOVA_POSHTA, DeliveryMethod.NOVA_POSHTA.label)]
        methods.append((DeliveryMethod.COURIER, DeliveryMethod.COURIER.label))
        if store.pickup_address:  # pickup only where the store has a pickup point
            methods.append((DeliveryMethod.PICKUP, DeliveryMethod.PICKUP.label))
        self.fields["delivery_method"].choices = methods

    def clean(self):
        data = super().clean()
        method = data.get("delivery_method")
        data["delivery_branch"] = " ".join(data.get("delivery_branch", "").split())
        data["delivery_address"] = " ".join(data.get("delivery_address", "").split())
        if method == DeliveryMethod.NOVA_POSHTA and not data["delivery_branch"]:
            self.add_error("delivery_branch", _("Enter the Nova Poshta branch (its number or address)."))
        if method == DeliveryMethod.COURIER and not data["delivery_address"]:
            self.add_error("delivery_address", _("Enter the address the courier brings the goods to."))
        return data
