"""The buyer's answer to a re-order offer on the public page (docs/rules.md §10)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ReorderAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
