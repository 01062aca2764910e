"""Forms of the seller cabinet: they parse input; the services decide and change."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from marketplace import calendar, clock, phones
from marketplace.errors import RuleViolation
from notifications.models import Channel, EventGroup
from notifications.preferences import MANDATORY
from orders.choices import CancelReason, DeliveryMethod, LateCause, PaymentMethod
from orders.models import CallAttempt, Order
from orders.reorders.models import DiscountKind, ReorderOffer
from orders.services.base import check_courier_visit, check_ship_by
from orders.services.notes import MAX_COMMENT
from sellers.models import OFFER_DESCRIPTION_MAX, Category, Offer, Store
from sellers.services import MAX_STOCK

from .selectors import seller_cancel_reasons


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def column_length(model, name: str) -> int:
    """A text field's length is its database column's: longer input is refused by the form
    with a message instead of reaching the database as an error."""
    return model._meta.get_field(name).max_length


class SearchField(forms.CharField):
    """A search box: any digit (², ٣, ３) is read as its ASCII digit, so number, phone and TTN
    searches work and never meet a digit that `int()` cannot read. A NUL byte is refused
    (CharField's validator) with a message: PostgreSQL text cannot hold it."""

    def to_python(self, value):
        value = super().to_python(value)
        return "".join(str(unicodedata.digit(ch, ch)) if ch.isdigit() else ch for ch in value)


def ship_by_window() -> tuple[date, date]:
    """The ship-by dates a seller may set: from today up to the policy's maximum ahead
    (PlatformPolicy.ship_by_max_days, docs/rules.md §3)."""
    today = clock.today()
    return today, today + timedelta(days=calendar.platform().ship_by_max_days)


def bound_ship_by(field: forms.DateField, current: date | None) -> None:
    """The date picker offers the window (and the order's own date if it lies outside)."""
    first, last = ship_by_window()
    field.widget.attrs.update(min=min(first, current or first).isoformat(), max=max(last, current or last).isoformat())


def clean_ship_by(value: date | None, current: date | None) -> date | None:
    """A new ship-by date lies in the window, checked here before any service with the
    service's own rule and message; the order's own date, unchanged, is kept as it is."""
    if value is not None and value != current:
        _as_field_error(check_ship_by, value)
    return value


def _as_field_error(check, value) -> None:
    try:
        check(value)
    except RuleViolation as error:
        raise forms.ValidationError(error.message, code=error.code or "invalid") from None


class QuantityField(forms.IntegerField):
    """A whole number of units whose every error names what was typed (“-2”, “1.5”, “abc”), so a
    form of several quantities says which box is wrong and why."""

    default_error_messages = {
        "invalid": _("“%(value)s” is not a whole number."),
        "min_value": _("“%(value)s” is too few: at least %(limit_value)s."),
        "max_value": _("“%(value)s” is too many: at most %(limit_value)s."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric", "class": "qty"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            typed = str(value).strip()[:20]
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid", params={"value": typed}) from (
                error
            )


class LoginForm(AuthenticationForm):
    """Django's sign-in form with its username bounded by the column: Django sets `max_length`
    after the field is built, so no validator checks it, and a longer name reached django-axes,
    whose attempt log (255 characters) answered with a database error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class OrderForm(forms.Form):
    """A form about one order; `order` gives the choices and initial values."""

    def __init__(self, *args, order: Order, **kwargs):
        self.order = order
        super().__init__(*args, **kwargs)


# --- list ----------------------------------------------------------------------------------


class OrderFilterForm(forms.Form):
    q = SearchField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, phone, name or TTN"), "autocomplete": "off"}
        ),
    )
    overdue = forms.BooleanField(label=_("Overdue"), required=False)
    due_soon = forms.BooleanField(label=_("Due within an hour"), required=False)
    delivery = forms.ChoiceField(
        label=_("Delivery"), required=False, choices=[("", _("Any delivery")), *DeliveryMethod.choices]
    )
    tracking = forms.BooleanField(label=_("Tracking problems"), required=False)


# --- status actions ------------------------------------------------------------------------


class ConfirmForm(OrderForm):
    pass


class ReadyForPickupForm(OrderForm):
    pass


class MarkReceivedForm(OrderForm):
    """Received is final (the fee is charged, nothing changes after it): the seller confirms the
    buyer has the goods, checked here on the server too, not only by the browser."""

    confirm = forms.BooleanField(
        label=_("The buyer has received the goods (this cannot be undone)"),
        required=True,
        error_messages={"required": _("Tick the box to confirm the buyer has received the goods.")},
    )


class TtnForm(OrderForm):
    """A corrected tracking number of a parcel in delivery (docs/rules.md §8): the order follows it."""

    ttn = forms.CharField(
        label=_("Correct tracking number (TTN)"),
        max_length=column_length(Order, "ttn"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class ReturnReceivedForm(OrderForm):
    """The goods of a parcel that came back are in the store again: they go back on sale
    (docs/rules.md §8). Confirmed on the server too."""

    confirm = forms.BooleanField(
        label=_("The returned goods are back in the store (their stock goes back on sale)"),
        required=True,
        error_messages={"required": _("Tick the box to confirm the goods came back.")},
    )


class PackForm(OrderForm):
    ship_by = forms.DateField(
        label=_("Ship by"),
        required=False,
        widget=DateInput,
        help_text=_("You may change the ship-by date agreed with the buyer."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ship_by"].initial = self.order.ship_by
        bound_ship_by(self.fields["ship_by"], self.order.ship_by)

    def clean_ship_by(self):
        return clean_ship_by(self.cleaned_data["ship_by"], self.order.ship_by)


class ShipForm(OrderForm):
    """A carrier parcel needs its TTN; the store's courier needs a phone and a visit time."""

    ttn = forms.CharField(
        label=_("Tracking number (TTN)"),
        required=False,
        max_length=column_length(Order, "ttn"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    courier_phone = forms.CharField(
        label=_("Courier's phone"),
        required=False,
        max_length=column_length(Order, "courier_phone"),
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    courier_visit_at = forms.DateTimeField(label=_("Courier's visit"), required=False, widget=DateTimeInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.order.delivery_method == DeliveryMethod.COURIER:
            del self.fields["ttn"]
            self.fields["courier_phone"].required = True
            self.fields["courier_visit_at"].required = True
            self.fields["courier_phone"].initial = self.order.courier_phone
            self.fields["courier_visit_at"].initial = self.order.courier_visit_at
        else:
            del self.fields["courier_phone"], self.fields["courier_visit_at"]
            self.fields["ttn"].required = True
            self.fields["ttn"].initial = self.order.ttn

    def clean_courier_phone(self):
        value = self.cleaned_data["courier_phone"].strip()
        if value and not phones.is_valid(value):
            raise forms.ValidationError(_("Enter a valid phone number."))
        return value

    def clean_courier_visit_at(self):
        """From a day ago (a visit logged late) up to the ship-by window's end ahead."""
        value = self.cleaned_data["courier_visit_at"]
        _as_field_error(check_courier_visit, value)
        return value

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        if "ttn" in self.fields:
            return {"ttn": data["ttn"]}
        return {"courier_phone": data["courier_phone"], "courier_visit_at": data["courier_visit_at"]}


class CancelForm(OrderForm):
    """The reason and its rule's input: a comment, or the real stock of each ordered offer."""

    reason = forms.ChoiceField(label=_("Reason"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for “other reasons”; shown in the order's history."),
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", _("Choose a reason")), *seller_cancel_reasons(self.order)]
        self.stock_offers = []
        seen = set()
        for item in items:
            if item.offer_id in seen:
                continue
            seen.add(item.offer_id)
            name = f"stock_{item.offer_id}"
            self.fields[name] = QuantityField(
                label=_("Real stock of “%(title)s”") % {"title": item.title},
                required=False,
                min_value=0,
                max_value=MAX_STOCK,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            self.stock_offers.append((item.offer_id, name))

    def stock_fields(self):
        return [self[name] for _offer_id, name in self.stock_offers]

    def clean(self):
        data = super().clean()
        if data.get("reason") == CancelReason.OUT_OF_STOCK and not self.stock():
            raise forms.ValidationError(_("Enter the real stock of the missing item."))
        if data.get("reason") == CancelReason.OTHER and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Explain the reason in a comment."))
        return data

    def stock(self) -> dict[int, int]:
        data = self.cleaned_data
        return {offer_id: data[name] for offer_id, name in self.stock_offers if data.get(name) is not None}


# --- edits ---------------------------------------------------------------------------------


class DeliveryForm(OrderForm):
    method = forms.ChoiceField(label=_("Delivery method"), choices=[("", "—"), *DeliveryMethod.choices], required=False)
    branch = forms.CharField(
        label=_("Carrier branch"), required=False, max_length=column_length(Order, "delivery_branch")
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=column_length(Order, "delivery_address"))
    cost = forms.DecimalField(
        label=_("Delivery cost, ₴"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text=_("0 for free delivery."),
    )
    ship_by = forms.DateField(label=_("Ship by"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        order = self.order
        self.initial.update(
            method=order.delivery_method,
            branch=order.delivery_branch,
            address=order.delivery_address,
            cost=order.delivery_cost,
            ship_by=order.ship_by,
        )
        bound_ship_by(self.fields["ship_by"], order.ship_by)

    def clean_ship_by(self):
        return clean_ship_by(self.cleaned_data["ship_by"], self.order.ship_by)


class PaymentForm(OrderForm):
    method = forms.ChoiceField(label=_("Payment method"), choices=PaymentMethod.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["method"] = self.order.payment_method


class ItemsForm(OrderForm):
    """A quantity per item (0 removes it)."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"qty_{item.pk}"] = QuantityField(
                label=item.title, min_value=0, max_value=MAX_STOCK, initial=item.quantity, required=False
            )

    def rows(self):
        return [(item, self[f"qty_{item.pk}"]) for item in self.items]

    def quantities(self) -> dict[int, int]:
        """The quantities given (an empty box leaves its item as it is)."""
        data = self.cleaned_data
        return {item.pk: data[f"qty_{item.pk}"] for item in self.items if data.get(f"qty_{item.pk}") is not None}


class AddItemForm(OrderForm):
    """An offer of the store by its SKU (a store may have thousands of offers)."""

    sku = forms.CharField(label=_("SKU"), max_length=column_length(Offer, "sku"))
    quantity = QuantityField(label=_("Quantity"), min_value=1, max_value=MAX_STOCK, initial=1)

    def clean_sku(self):
        sku = self.cleaned_data["sku"].strip()
        offer = Offer.objects.filter(store_id=self.order.store_id, sku__iexact=sku).only("pk").first()
        if offer is None:
            raise forms.ValidationError(_("The store has no offer with this SKU."))
        self.cleaned_data["offer"] = offer.pk
        return sku


class SplitForm(OrderForm):
    """How many units of each item move to the new order."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"move_{item.pk}"] = QuantityField(
                label=item.title,
                min_value=0,
                max_value=item.quantity,
                initial=0,
                required=False,
                error_messages={
                    "min_value": _("“%(value)s” cannot move: enter how many units (0 to %(max)s) go to the new order.")
                    % {"value": "%(value)s", "max": item.quantity},
                    "max_value": _("“%(value)s” cannot move: the order has %(limit_value)s."),
                },
            )

    def rows(self):
        return [(item, self[f"move_{item.pk}"]) for item in self.items]

    def clean(self):
        data = super().clean()
        if self.errors:  # a box's own message says it all: one clear message, not two
            return data
        if not any(data.get(f"move_{item.pk}") for item in self.items):
            raise forms.ValidationError(_("Choose at least one item to move to the new order."))
        return data

    def quantities(self) -> dict[int, int]:
        return {
            item.pk: self.cleaned_data.get(f"move_{item.pk}") or 0
            for item in self.items
            if self.cleaned_data.get(f"move_{item.pk}")
        }


class CommentForm(OrderForm):
    text = forms.CharField(
        label=_("Comment for the store"),
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Seen by the store and moderators only, never by the buyer."),
    )


class CallForm(OrderForm):
    outcome = forms.ChoiceField(label=_("How did the call go?"), choices=CallAttempt.Outcome.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=column_length(CallAttempt, "note"))


# --- offers and settings -------------------------------------------------------------------


class StockForm(forms.Form):
    stock = QuantityField(label=_("Stock"), min_value=0, max_value=MAX_STOCK)


class OfferDetailsForm(forms.Form):
    """What the storefront shows of an offer: description, category, photo. The service
    (sellers.services.offer_update_details) checks the photo again."""

    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=OFFER_DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What buyers read on the offer's page: what it is, size, material, what is in the box."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=Category.objects.all(), empty_label=_("— no category —")
    )
    photo = forms.ImageField(
        label=_("Photo"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        error_messages={"invalid_image": _("The photo must be a JPEG, PNG, WebP or GIF image.")},
    )
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)

    def __init__(self, *args, offer: Offer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if offer is not None and not self.is_bound:
            self.initial.update(description=offer.description, category=offer.category_id)
        if offer is None or not offer.photo:
            del self.fields["remove_photo"]


class OfferSearchForm(forms.Form):
    q = SearchField(label=_("Search"), required=False, max_length=100)


class StoreEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail for new orders"),
        required=False,
        max_length=column_length(Store, "email"),
        help_text=_("Empty: messages go to the owner's e-mail."),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Manager's e-mail"), max_length=column_length(get_user_model(), "email"))


class PreferencesForm(forms.Form):
    """A check box per kind of message and channel; the pairs that cannot be switched off
    are shown checked and disabled."""

    def __init__(self, *args, current: dict[str, dict[str, bool]], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for group in EventGroup:
            cells = []
            for channel in Channel:
                name = f"{group.value}__{channel.value}"
                mandatory = (group.value, channel.value) in MANDATORY
                self.fields[name] = forms.BooleanField(
                    label=f"{group.label}: {channel.label}",
                    required=False,
                    disabled=mandatory,
                    initial=current[group.value][channel.value],
                )
                cells.append(self[name])
            self.rows.append((group.label, cells))

    def channels(self):
        return [channel.label for channel in Channel]

    def choices(self) -> dict[str, dict[str, bool]]:
        data: dict[str, dict[str, bool]] = {}
        for group in EventGroup:
            for channel in Channel:
                if (group.value, channel.value) not in MANDATORY:
                    value = self.cleaned_data[f"{group.value}__{channel.value}"]
                    data.setdefault(group.value, {})[channel.value] = value
        return data


# --- late-shipment cause (docs/rules.md §10) -----------------------------------------------


class LateCauseForm(OrderForm):
    """Why the order shipped late or expired before shipping (orders.services.order_record_late_cause)."""

    cause = forms.ChoiceField(label=_("Cause of the delay"), choices=LateCause.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=column_length(Order, "late_cause_note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What happened and what you changed so it does not happen again."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cause"].initial = self.order.late_cause or None
        self.fields["note"].initial = self.order.late_cause_note


class ReorderForm(OrderForm):
    """The store offers the goods of an order cancelled for the shipping time again, optionally with
    a discount (orders.reorders.services.reorder_offer, docs/rules.md §10)."""

    discount_kind = forms.ChoiceField(
        label=_("Compensation"), choices=DiscountKind.choices, initial=DiscountKind.NONE, widget=forms.RadioSelect
    )
    discount = forms.DecimalField(
        label=_("Discount: amount (₴) or percent"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("Never below zero: the goods cost at least nothing."),
    )
    message = forms.CharField(
        label=_("Note to the buyer"),
        required=False,
        max_length=ReorderOffer._meta.get_field("message").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("discount_kind") == DiscountKind.NONE:
            data["discount"] = 0
        elif data.get("discount_kind") and not data.get("discount"):
            self.add_error("discount", _("Enter the discount, or choose no discount."))
        return data
