"""Forms of the order page's request panel (docs/rules.md §6): they parse what the seller
sends; orders.requests.services decides and changes. A form about the open request names it
(a hidden `request`), so a page shown before the request closed cannot answer a newer one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.requests.models import CancelGround
from orders.requests.services import MAX_MESSAGE

from .forms import DateInput, OrderForm, QuantityField, bound_ship_by, clean_ship_by

MAX_ID = 2**63 - 1


def _text(label, *, required: bool, help_text="", rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_MESSAGE,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class SellerCancelRequestForm(OrderForm):
    """Ask the buyer to agree to cancel: a ground and a message."""

    ground = forms.ChoiceField(label=_("Why cancel"), choices=CancelGround.choices)
    message = _text(_("Message to the buyer"), required=True, rows=3)


class MoveDateRequestForm(OrderForm):
    """Ask the buyer to agree to a new ship-by date, and why."""

    new_date = forms.DateField(label=_("New agreed date"), widget=DateInput)
    message = _text(_("Why (the buyer reads it)"), required=True, rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_ship_by(self.fields["new_date"], self.order.ship_by)

    def clean_new_date(self):
        # The ship-by window (docs/rules.md §3); "not the current date" is the service's sentence.
        return clean_ship_by(self.cleaned_data["new_date"], self.order.ship_by)


class OpenRequestForm(OrderForm):
    """A form about the order's open request: its id, checked by the view against the open one."""

    request = QuantityField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)

    def __init__(self, *args, open_request=None, **kwargs):
        super().__init__(*args, **kwargs)
        if open_request is not None:
            self.fields["request"].initial = open_request.pk


ANSWERS = (("accept", _("Accept")), ("decline", _("Decline")))


class AnswerForm(OpenRequestForm):
    """Accept or decline the buyer's request (the two buttons send `answer`), with a message."""

    answer = forms.ChoiceField(choices=ANSWERS, widget=forms.HiddenInput)
    message = _text(_("Message to the buyer"), required=False)

    @property
    def accepts(self) -> bool:
        return self.cleaned_data["answer"] == "accept"


class WithdrawForm(OpenRequestForm):
    pass


class FollowUpForm(OpenRequestForm):
    pass


class RequestMessageForm(OpenRequestForm):
    text = _text(_("Message"), required=True, help_text=_("The buyer reads it on the order's page."))
