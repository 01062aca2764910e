"""Sign-in of store members: Django's auth views with the cabinet's templates, and the store
switcher. Wrong passwords are throttled by django-axes (LoginView passes `request` to
`authenticate`, which AxesStandaloneBackend needs)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse_lazy
from django.utils.translation import gettext as _

from marketplace.errors import RuleViolation
from sellers.services import password_reset_request

from ..forms import LoginForm
from .base import cabinet_view, int_param

SWITCH_SECTIONS = {"order_list", "offer_list", "store_settings"}


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    form_class = LoginForm  # the username bounded before django-axes sees it
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("cabinet:login")


class PasswordResetView(auth_views.PasswordResetView):
    """The link goes through the outbox (sellers.services.password_reset_request): built on
    SITE_URL, in the member's language, throttled per address and per IP; invited members who
    have no password yet get one too."""

    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("cabinet:password_reset_done")

    def form_valid(self, form):
        try:
            password_reset_request(email=form.cleaned_data["email"], ip=self.request.META.get("REMOTE_ADDR"))
        except RuleViolation as error:
            form.add_error("email", error.message)
            response = self.form_invalid(form)
            response.status_code = 429 if error.code == "throttled" else 422
            return response
        return redirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("cabinet:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


@cabinet_view
def store_switch_view(request):
    """The member picks the store the pages show (kept in the session)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if request.cabinet.switch(int_param(request.POST.get("store"), 0)):
        messages.info(request, _("You are working in “%(store)s”.") % {"store": request.cabinet.store.name})
    # Stay in the same section, on its list (an order or offer page belongs to the old store).
    try:
        section = resolve(urlsplit(request.POST.get("next", "")).path).url_name
    except Resolver404:
        section = ""
    return redirect(f"cabinet:{section}" if section in SWITCH_SECTIONS else "cabinet:order_list")
