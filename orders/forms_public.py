"""The forms of the buyer's public order page (docs/rules.md §6): the cancel, the answers to a
request, its thread, and the complaint about a late order.

A form about a request carries the request's id: the page acts only on the request the buyer
read, never on one that replaced it meanwhile (orders.views.open_request)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from .requests.services import MAX_MESSAGE as MESSAGE_MAX

COMPLAINT_MAX = 2000
MAX_ID = 2**31 - 1


class BuyerCancelForm(forms.Form):
    """The buyer cancels at once (instant mode, or a late order)."""

    confirm = forms.BooleanField(
        label=gettext_lazy("Yes, cancel this order"),
        error_messages={"required": gettext_lazy("Tick the box to confirm the cancellation.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Why are you cancelling? (optional, for the store)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BuyerCancelRequestForm(BuyerCancelForm):
    """The buyer asks the store to cancel (request mode): the same fields, other words."""

    confirm = forms.BooleanField(
        label=gettext_lazy("Yes, ask the store to cancel this order"),
        error_messages={"required": gettext_lazy("Tick the box to confirm the request.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("A message to the store (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RequestForm(forms.Form):
    """A form about one request: the id of the request the buyer read."""

    request = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)


class RequestAnswerForm(RequestForm):
    ANSWERS = (("accept", gettext_lazy("Accept")), ("decline", gettext_lazy("Decline")))

    answer = forms.ChoiceField(choices=ANSWERS, error_messages={"required": gettext_lazy("Choose an answer.")})
    message = forms.CharField(
        label=gettext_lazy("Your answer to the store (optional)"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RequestWithdrawForm(RequestForm):
    pass


class RequestMessageForm(RequestForm):
    text = forms.CharField(
        label=gettext_lazy("Message to the store"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Write the message first.")},
    )


class ComplaintForm(forms.Form):
    complaint = forms.CharField(
        label=gettext_lazy("What went wrong?"),
        max_length=COMPLAINT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Describe the problem for the moderators.")},
    )
