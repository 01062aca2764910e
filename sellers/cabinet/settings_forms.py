"""Forms of the settings page's language section (the rest of the page's forms are in forms.py)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class MyLanguageForm(forms.Form):
    """The member's own language: the cabinet's and their own e-mails'."""

    language = forms.ChoiceField(
        label=_("My language"),
        choices=settings.LANGUAGES,
        help_text=_("The cabinet and the messages to your own e-mail."),
    )


class StoreLanguageForm(forms.Form):
    """The store's language: its order e-mail's and its Telegram chat's (the owner's choice)."""

    language = forms.ChoiceField(
        label=_("The store's language"),
        choices=settings.LANGUAGES,
        help_text=_("Messages to the store's e-mail for orders and its Telegram chat."),
    )
