"""Forms of the settings page's language section and of the invitation page (the rest of the page's forms
are in forms.py)."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
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


class StoreProfileForm(forms.Form):
    """The store's public profile (the owner's): what buyers of pickup orders are told. The
    service (sellers.services.store_update_profile) checks the phone and the logo."""

    pickup_address = forms.CharField(
        label=_("Pickup address"),
        required=False,
        max_length=300,
        help_text=_("Where buyers of pickup orders collect them: city, street, building, entrance."),
    )
    pickup_hours = forms.CharField(
        label=_("Pickup hours"),
        required=False,
        max_length=300,
        help_text=_("For example: Mon–Fri 10:00–19:00, Sat 10:00–15:00"),
    )
    phone = forms.CharField(
        label=_("Phone for buyers"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG, GIF or WebP, at most 512 KB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        if store is not None and not self.is_bound:
            self.initial.update(pickup_address=store.pickup_address, pickup_hours=store.pickup_hours, phone=store.phone)
        if store is None or not store.logo:
            del self.fields["remove_logo"]


class InvitationPasswordForm(SetPasswordForm):
    """A new person's password, chosen on the invitation's page as they accept it (the
    platform's password rules apply; the service sets it)."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = _("Choose a password")
        self.fields["new_password2"].label = _("The password again")

    def save(self, commit=True):  # pragma: no cover - store_invitation_accept sets the password
        raise NotImplementedError("the password is set by sellers.services.store_invitation_accept")
