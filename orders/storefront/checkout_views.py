"""The cart, the checkout and the thank-you page (docs/rules.md §12). Thin: the cart keeps the
session's lines (orders/storefront/cart.py), `checkout_place` places the orders."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from marketplace.errors import RuleViolation
from sellers.models import Offer

from ..services.checkout import StoreOrder, checkout_orders, checkout_place
from ..views import PUBLIC_HEADERS
from .cart import Cart
from .checkout_forms import AddToCartForm, BuyerForm, CartRemoveForm, CartUpdateForm, StoreDeliveryForm

# What a refusal of the checkout is about: these are shown on the cart, where the change is visible.
CART_CODES = {"price", "stock", "unavailable", "empty", "bounds", "quantity"}


def _back(request, fallback: str) -> str:
    """A path of this site to go back to (`next`), else `fallback`: never another site, never a view name."""
    target = request.POST.get("next", "")
    if (
        len(target) <= 500
        and target.startswith("/")
        and "\x00" not in target
        and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    ):
        return target
    return fallback


def _form_error(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _offer(offer_id: int) -> Offer | None:
    return Offer.objects.select_related("store").filter(pk=offer_id).first()


@require_POST
def cart_add(request):
    form = AddToCartForm(request.POST)
    cart_url = reverse("storefront:cart")
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return HttpResponseRedirect(_back(request, cart_url))
    offer = _offer(form.cleaned_data["offer"])
    if offer is None:
        messages.error(request, _("No such item."))
        return HttpResponseRedirect(_back(request, cart_url))
    try:
        Cart(request.session).add(offer, form.cleaned_data["quantity"])
    except RuleViolation as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(_back(request, reverse("storefront:offer", args=[offer.pk])))
    messages.success(
        request,
        _("“%(title)s” × %(quantity)s is in your cart.")
        % {"title": offer.title, "quantity": form.cleaned_data["quantity"]},
    )
    return HttpResponseRedirect(_back(request, cart_url))


@require_POST
def cart_update(request):
    form = CartUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("storefront:cart")
    cart = Cart(request.session)
    offer = _offer(form.cleaned_data["offer"])
    try:
        if offer is None:
            raise RuleViolation(_("This item is not in your cart."))
        cart.update(offer, form.cleaned_data["quantity"])
    except RuleViolation as error:
        messages.error(request, error.message)
    return redirect("storefront:cart")


@require_POST
def cart_remove(request):
    form = CartRemoveForm(request.POST)
    if form.is_valid():
        Cart(request.session).remove(form.cleaned_data["offer"])
    return redirect("storefront:cart")


@require_POST
def cart_accept(request):
    """The buyer accepts the changes the cart shows (prices, stock, goods no longer on sale)."""
    Cart(request.session).accept()
    messages.success(request, _("Your cart now has today's prices and stock."))
    return redirect("storefront:cart")


def _cart_context(cart: Cart) -> dict:
    groups = cart.groups()
    rows = [row for group in groups for row in group.rows]
    return {
        "groups": groups,
        "needs_ack": any(row.needs_ack for row in rows),
        "can_check_out": bool(rows) and not any(row.needs_ack for row in rows),
        "total": sum((group.total for group in groups), start=0),
        "digest": cart.digest(),
    }


@require_safe
def cart_view(request):
    response = render(request, "storefront/cart.html", _cart_context(Cart(request.session)))
    response.headers["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def checkout_view(request):
    cart = Cart(request.session)
    if request.method == "POST":
        key = request.POST.get("key", "")
        placed = checkout_orders(key[:64])
        if placed is not None:  # a double submit or a retry of a form that went through
            cart.clear()
            return redirect("storefront:thanks", key=placed.checkout.key)
    context = _cart_context(cart)
    if not context["can_check_out"]:
        if request.method == "POST":
            problems = [row.problem() for group in context["groups"] for row in group.rows if row.needs_ack]
            messages.error(request, " ".join(problems) or _("Your cart is empty: add goods before checking out."))
        return redirect("storefront:cart")
    groups = context["groups"]
    data = request.POST if request.method == "POST" else None
    buyer = BuyerForm(data)
    deliveries = [StoreDeliveryForm(data, store=group.store) for group in groups]
    parts = list(zip(groups, deliveries, strict=True))
    error = ""
    status = 200
    if request.method == "POST":
        if request.POST.get("cart") != context["digest"]:
            messages.error(request, _("Your cart changed in the meantime: check it and check out again."))
            return redirect("storefront:cart")
        valid = buyer.is_valid()
        valid = all([form.is_valid() for form in deliveries]) and valid
        if valid:
            try:
                placed = checkout_place(
                    key=buyer.cleaned_data["key"],
                    buyer_name=buyer.cleaned_data["name"],
                    buyer_phone=buyer.cleaned_data["phone"],
                    buyer_email=buyer.cleaned_data["email"],
                    buyer_language=buyer.cleaned_data["language"],
                    parts=[
                        StoreOrder(
                            store_id=group.store.pk,
                            lines=group.checkout_lines,
                            delivery_method=form.cleaned_data["delivery_method"],
                            delivery_branch=form.cleaned_data["delivery_branch"],
                            delivery_address=form.cleaned_data["delivery_address"],
                            payment_method=form.cleaned_data["payment_method"],
                        )
                        for group, form in parts
                    ],
                    ip=request.META.get("REMOTE_ADDR"),
                )
            except RuleViolation as refusal:
                if refusal.code in CART_CODES:
                    messages.error(request, refusal.message)
                    return redirect("storefront:cart")
                error = refusal.message
                status = 429 if refusal.code == "throttled" else 422
            else:
                cart.clear()
                return redirect("storefront:thanks", key=placed.checkout.key)
        else:
            status = 422
    context.update({"buyer": buyer, "parts": parts, "error": error})
    response = render(request, "storefront/checkout.html", context, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@require_safe
def thanks_view(request, key: str):
    placed = checkout_orders(key)
    if placed is None:
        raise Http404()
    response = render(request, "storefront/thanks.html", {"placed": placed, "orders": placed.orders})
    for header, value in PUBLIC_HEADERS.items():  # the page lists the orders' secret links
        response.headers[header] = value
    return response
