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

from .base import cabinet_view, int_param

SWITCH_SECTIONS = {"order_list", "offer_list", "store_settings"}


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("cabinet:login")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("cabinet:password_reset_done")


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
