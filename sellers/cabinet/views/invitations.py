"""The invitee's page of a store invitation, opened by the signed link in the e-mail
(sellers.services.store_invitation_*): nobody gets access to a store before accepting here.

- a person without an account (no password yet) chooses a password and accepts in one form,
  and is signed in;
- an existing user signs in as the invited account first (or is told to, when signed in as
  somebody else), then accepts;
- anybody with the link may decline it.

A tampered, expired, revoked, declined, replaced or used link gives a page that says so and
nothing else. The link is a credential: the pages are never cached and keep the browser's
same-origin Referrer-Policy (so our own POSTs carry their Origin and pass the CSRF check).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from marketplace.errors import NotAllowed, RuleViolation
from sellers.services import store_invitation_accept, store_invitation_decline, store_invitation_for_link

from ..settings_forms import InvitationPasswordForm
from .base import SESSION_STORE

# The page's states: what the visitor must do to accept.
NEW_ACCOUNT, SIGN_IN, OTHER_ACCOUNT, CONFIRM = "new_account", "sign_in", "other_account", "confirm"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _closed(request, error: RuleViolation):
    """The link gives nothing: why, and what to do."""
    status = 404 if error.code == "invalid" else 410
    return render(
        request, "cabinet/invitation_closed.html", {"reason": error.message, "code": error.code}, status=status
    )


def _state(request, invitation) -> str:
    user = request.user
    if user.is_authenticated:
        return CONFIRM if user.pk == invitation.user_id else OTHER_ACCOUNT
    return SIGN_IN if invitation.user.has_usable_password() else NEW_ACCOUNT


def _page(request, invitation, state: str, *, form=None, error: str = "", status: int = 200):
    login_url = f"{reverse('cabinet:login')}?{urlencode({'next': request.path})}"
    context = {
        "invitation": invitation,
        "state": state,
        "form": form,
        "error": error,
        "login_url": login_url,
        "token": request.resolver_match.kwargs["token"],
    }
    return render(request, "cabinet/invitation.html", context, status=status)


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def invitation_view(request, token: str):
    """GET: the invitation and what to do; POST: accept it."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        invitation = store_invitation_for_link(token)
    except RuleViolation as error:
        return _closed(request, error)
    state = _state(request, invitation)
    if request.method == "GET":
        form = InvitationPasswordForm(invitation.user) if state == NEW_ACCOUNT else None
        return _page(request, invitation, state, form=form)
    if state in (SIGN_IN, OTHER_ACCOUNT):
        return _page(request, invitation, state, status=403)
    form = None
    password = None
    if state == NEW_ACCOUNT:
        form = InvitationPasswordForm(invitation.user, request.POST)
        if not form.is_valid():
            return _page(request, invitation, state, form=form, status=422)
        password = form.cleaned_data["new_password1"]
    try:
        member = store_invitation_accept(token=token, user=request.user, password=password)
    except NotAllowed as error:
        return _page(request, invitation, state, form=form, error=str(error), status=403)
    except RuleViolation as error:
        if error.code == "password" and form is not None:
            form.add_error("new_password1", error.message)
            return _page(request, invitation, state, form=form, status=422)
        return _closed(request, error)
    if not request.user.is_authenticated:
        login(request, member.user, backend=MODEL_BACKEND)
    request.session[SESSION_STORE] = member.store_id  # the cabinet opens on the new store
    messages.success(request, _("Welcome to “%(store)s”: you are its manager now.") % {"store": invitation.store.name})
    return redirect("cabinet:order_list")


@never_cache
def invitation_decline_view(request, token: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        invitation = store_invitation_decline(token=token)
    except RuleViolation as error:
        return _closed(request, error)
    return render(request, "cabinet/invitation_declined.html", {"invitation": invitation})
