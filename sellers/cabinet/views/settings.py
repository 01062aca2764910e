"""Store settings: the e-mail for new orders, the members, the store's Telegram chat, the
languages and each member's own notification preferences (docs/rules.md §9, §10, §11).

Everyone in the store sees the page; only the owner changes the e-mail, the members, the
Telegram chat and the store's language (the services refuse a manager whatever the page
shows); every member sets their own language and notification preferences.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, When
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from marketplace import clock, formats
from marketplace.errors import ServiceError
from marketplace.models import SESSION_LANGUAGE, UserSettings
from marketplace.services import user_language_set
from notifications.preferences import preferences_for, preferences_update
from notifications.telegram_link import telegram_link_start, telegram_unlink
from sellers.models import StoreInvitation, StoreMember
from sellers.services import (
    INVITATION_DAYS,
    store_invitation_resend,
    store_invitation_revoke,
    store_member_invite,
    store_member_remove,
    store_update_email,
    store_update_language,
    store_update_profile,
)

from ..forms import InviteForm, PreferencesForm, StoreEmailForm
from ..settings_forms import MyLanguageForm, StoreLanguageForm, StoreProfileForm
from .base import cabinet_view


def _page(
    request,
    *,
    email_form=None,
    invite_form=None,
    prefs_form=None,
    telegram_url="",
    my_language_form=None,
    store_language_form=None,
    profile_form=None,
    status=200,
):
    store = request.cabinet.store
    membership = request.cabinet.membership
    context = {
        "store": store,
        "my_language_form": my_language_form
        or MyLanguageForm(initial={"language": UserSettings.language_of(request.user)}, prefix="me"),
        "store_language_form": store_language_form
        or StoreLanguageForm(initial={"language": store.language}, prefix="store"),
        "profile_form": profile_form or StoreProfileForm(store=store, prefix="profile"),
        "email_form": email_form or StoreEmailForm(initial={"email": store.email}),
        "invite_form": invite_form or InviteForm(),
        "members": list(
            StoreMember.objects.filter(store=store)
            .select_related("user")
            .order_by(Case(When(role=StoreMember.Role.OWNER, then=0), default=1), "created_at")
        ),
        # Open invitations (accepted, declined and revoked ones are history), expired ones marked.
        "invitations": list(
            StoreInvitation.objects.filter(
                store=store, accepted_at__isnull=True, declined_at__isnull=True, revoked_at__isnull=True
            ).order_by("-sent_at")
        ),
        "now": clock.now(),
        "invitation_days": INVITATION_DAYS,
        "owner_email": store.order_email() if not store.email else "",
        "telegram_available": bool(settings.TELEGRAM_BOT_TOKEN and settings.TELEGRAM_BOT_NAME),
        "telegram_url": telegram_url,
        "telegram_ttl": settings.TELEGRAM_LINK_TTL_MINUTES,
        "prefs_form": prefs_form or PreferencesForm(current=preferences_for(membership)),
    }
    return render(request, "cabinet/store_settings.html", context, status=status)


def _owner_only(request) -> None:
    if not request.cabinet.is_owner:
        raise PermissionDenied(_("Only the store's owner may do this."))


@cabinet_view
def store_settings_view(request):
    """The page; its language forms post back here (`section` = my_language / store_language)."""
    if request.method == "POST":
        section = request.POST.get("section")
        if section == "my_language":
            return _my_language(request)
        if section == "store_language":
            return _store_language(request)
        if section == "profile":
            return _profile(request)
        return HttpResponseNotAllowed(["GET"])
    return _page(request)


def _my_language(request):
    form = MyLanguageForm(request.POST, prefix="me")
    if form.is_valid():
        try:
            language = user_language_set(user=request.user, language=form.cleaned_data["language"]).language
        except ServiceError as error:
            form.add_error("language", error.message)
        else:
            # The cabinet speaks it from the next page on; the switch's cookie follows the choice.
            request.session[SESSION_LANGUAGE] = language
            with translation.override(language):
                messages.success(request, _("Your language is saved."))
            response = redirect("cabinet:store_settings")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                path=settings.LANGUAGE_COOKIE_PATH,
            )
            return response
    return _page(request, my_language_form=form, status=422)


def _save_form(request, form, *, context_key: str, save, saved: str, field=None):
    """A settings form's post: a valid form goes to its service (`save(cleaned_data)`); a
    refusal is shown at `field` (a name, a function of the error, or None for the form's top),
    with nothing changed; a success says `saved` and goes back to the page."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ServiceError as error:
            form.add_error(field(error) if callable(field) else field, error.message)
        else:
            messages.success(request, saved)
            return redirect("cabinet:store_settings")
    return _page(request, **{context_key: form}, status=422)


def _store_language(request):
    return _save_form(
        request,
        StoreLanguageForm(request.POST, prefix="store"),
        context_key="store_language_form",
        field="language",
        save=lambda data: store_update_language(
            actor=request.cabinet.actor, store=request.cabinet.store, language=data["language"]
        ),
        saved=_("The store's language is saved."),
    )


def _profile(request):
    """The store's public profile: pickup address and hours, phone, logo (the owner's; the
    service refuses a manager)."""
    store = request.cabinet.store
    form = StoreProfileForm(request.POST, request.FILES, store=store, prefix="profile")
    return _save_form(
        request,
        form,
        context_key="profile_form",
        field=lambda error: error.code if error.code in form.fields else None,
        save=lambda data: store_update_profile(
            actor=request.cabinet.actor,
            store=store,
            pickup_address=data["pickup_address"],
            pickup_hours=data["pickup_hours"],
            phone=data["phone"],
            logo=data["logo"] or None,
            remove_logo=bool(data.get("remove_logo")),
        ),
        saved=_("The store's profile is saved."),
    )


@cabinet_view
def store_email_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _save_form(
        request,
        StoreEmailForm(request.POST),
        context_key="email_form",
        field="email",
        save=lambda data: store_update_email(
            actor=request.cabinet.actor, store=request.cabinet.store, email=data["email"]
        ),
        saved=_("The store's e-mail is saved."),
    )


@cabinet_view
def member_invite_view(request):
    """The owner invites a manager: an invitation they accept by its link (docs/rules.md §11);
    an address already invited gets it again."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = store_member_invite(
                actor=request.cabinet.actor, store=request.cabinet.store, email=form.cleaned_data["email"]
            )
        except ServiceError as error:
            form.add_error("email", error.message)
        else:
            facts = {"email": invitation.email, "date": formats.when(invitation.expires_at, "long")}
            if invitation.times_sent > 1:
                text = _("%(email)s was invited already: we sent the invitation again, valid until %(date)s.")
            else:
                text = _(
                    "We sent an invitation to %(email)s, valid until %(date)s. They get access to the store "
                    "when they accept it."
                )
            messages.success(request, text % facts)
            return redirect("cabinet:store_settings")
    return _page(request, invite_form=form, status=422)


def _store_invitation(request, pk: int) -> StoreInvitation:
    try:
        return StoreInvitation.objects.get(pk=pk, store_id__in=request.cabinet.store_ids)
    except StoreInvitation.DoesNotExist:
        raise Http404("No such invitation.") from None


@cabinet_view
def invitation_resend_view(request, pk: int):
    """The owner sends an open invitation again: a new link, a new expiry."""
    invitation = _store_invitation(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        invitation = store_invitation_resend(actor=request.cabinet.actor, invitation=invitation)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("We sent the invitation to %(email)s again, valid until %(date)s; the older link no longer works.")
            % {"email": invitation.email, "date": formats.when(invitation.expires_at, "long")},
        )
    return redirect("cabinet:store_settings")


@cabinet_view
def invitation_revoke_view(request, pk: int):
    """The owner withdraws an open invitation: its link gives nothing from now on."""
    invitation = _store_invitation(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        store_invitation_revoke(actor=request.cabinet.actor, invitation=invitation)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The invitation of %(email)s is revoked: its link no longer works.") % {"email": invitation.email},
        )
    return redirect("cabinet:store_settings")


@cabinet_view
def member_remove_view(request, pk: int):
    try:
        member = StoreMember.objects.select_related("user").get(pk=pk, store_id__in=request.cabinet.store_ids)
    except StoreMember.DoesNotExist:
        raise Http404("No such member.") from None
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        store_member_remove(actor=request.cabinet.actor, member=member)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(user)s no longer has access to the store.")
            % {"user": member.user.email or member.user.get_username()},
        )
    return redirect("cabinet:store_settings")


@cabinet_view
def telegram_link_view(request):
    """A one-time deep link to the platform's bot; opening it in Telegram links the chat."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _owner_only(request)
    try:
        url = telegram_link_start(actor=request.cabinet.actor, store=request.cabinet.store)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("cabinet:store_settings")
    return _page(request, telegram_url=url)


@cabinet_view
def telegram_unlink_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _owner_only(request)
    if telegram_unlink(actor=request.cabinet.actor, store=request.cabinet.store):
        messages.success(request, _("The Telegram chat is unlinked: the store's messages go by e-mail only."))
    return redirect("cabinet:store_settings")


@cabinet_view
def notification_prefs_view(request):
    """The signed-in member's own choices: which kinds of messages reach them by which channel."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    membership = request.cabinet.membership
    form = PreferencesForm(request.POST, current=preferences_for(membership))
    return _save_form(
        request,
        form,
        context_key="prefs_form",
        save=lambda _data: preferences_update(membership, form.choices()),
        saved=_("Your notification settings are saved."),
    )
