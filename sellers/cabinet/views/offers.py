"""Offers and stock: the list, stock edit, pause and resume (docs/rules.md §10).

After an `out_of_stock` cancellation the cancel form has already corrected the stock; the
list then opens with those offers marked (`?check=<ids>&order=<n>`) so the seller looks at
them once more and pauses what cannot be shipped.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from marketplace.errors import ServiceError
from sellers.models import Offer
from sellers.services import offer_set_paused, offer_update_details, offer_update_stock

from ..forms import OfferDetailsForm, OfferSearchForm, StockForm
from ..selectors import offer_list
from .base import cabinet_view, int_param, member_offer

PER_PAGE = 50


def _ids(raw: str) -> list[int]:
    """Up to 50 ids from "12,34": anything that is not an id is left out."""
    return [pk for part in (raw or "").split(",")[:50] if (pk := int_param(part, 0, minimum=1))]


def _row(offer: Offer, *, form=None, checked=False, saved=False) -> dict:
    return {
        "offer": offer,
        "form": form or StockForm(initial={"stock": offer.stock}, prefix=f"offer-{offer.pk}"),
        "checked": checked,
        "saved": saved,
    }


@cabinet_view
def offer_list_view(request):
    store = request.cabinet.store
    search = OfferSearchForm({"q": request.GET.get("q", "")[:100]})
    q = search.cleaned_data["q"] if search.is_valid() else ""
    for error in search.errors.get("q", []):
        messages.error(request, _("Search: %(error)s") % {"error": error})
    check = _ids(request.GET.get("check", ""))
    checked = list(Offer.objects.filter(store=store, pk__in=check).order_by("title")) if check else []
    page = Paginator(offer_list(store.pk, q), PER_PAGE).get_page(int_param(request.GET.get("page")))
    context = {
        "q": q,
        "page": page,
        "rows": [_row(offer) for offer in page.object_list],
        "checked_rows": [_row(offer, checked=True) for offer in checked],
        "cancelled_order": int_param(request.GET.get("order"), 0, minimum=0) if checked else 0,
    }
    return render(request, "cabinet/offer_list.html", context)


def _back(request) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("cabinet:offer_list")
    return HttpResponseRedirect(target)


def _answer(request, offer: Offer, *, form=None, saved=False, status=200):
    """htmx swaps the offer's row; a plain form post goes back to the list."""
    if request.htmx:
        return render(
            request,
            "cabinet/_offer_row.html",
            {"row": _row(offer, form=form, saved=saved, checked=request.POST.get("checked") == "1")},
            status=status,
        )
    if form is not None and form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{offer.title}: {error}")
    return _back(request)


@cabinet_view
def offer_stock_view(request, pk: int):
    offer = member_offer(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = StockForm(request.POST, prefix=f"offer-{offer.pk}")
    if form.is_valid():
        try:
            offer = offer_update_stock(actor=request.cabinet.actor, offer=offer, stock=form.cleaned_data["stock"])
        except ServiceError as error:
            form.add_error("stock", error.message)
        else:
            if not request.htmx:
                messages.success(
                    request, _("Stock of “%(title)s” is %(stock)s.") % {"title": offer.title, "stock": offer.stock}
                )
            return _answer(request, offer, saved=True)
    return _answer(request, member_offer(request, pk), form=form, status=422)


@cabinet_view
def offer_pause_view(request, pk: int):
    offer = member_offer(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    paused = request.POST.get("paused") == "1"
    offer = offer_set_paused(actor=request.cabinet.actor, offer=offer, paused=paused)
    if not request.htmx:
        message = _("“%(title)s” is paused: buyers do not see it.") if paused else _("“%(title)s” is on sale again.")
        messages.success(request, message % {"title": offer.title})
    return _answer(request, offer, saved=True)


@cabinet_view
def offer_edit_view(request, pk: int):
    """The offer's description, category and photo: what the storefront shows (a multipart form)."""
    offer = member_offer(request, pk)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "POST":
        form = OfferDetailsForm(request.POST, request.FILES, offer=offer)
        if form.is_valid():
            data = form.cleaned_data
            try:
                offer = offer_update_details(
                    actor=request.cabinet.actor,
                    offer=offer,
                    description=data["description"],
                    category=data["category"],
                    photo=data["photo"] or None,
                    remove_photo=data.get("remove_photo", False),
                )
            except ServiceError as error:
                form.add_error(error.code if error.code in form.fields else None, error.message)
            else:
                messages.success(request, _("“%(title)s” is saved.") % {"title": offer.title})
                return redirect("cabinet:offer_edit", pk=offer.pk)
        status = 422
    else:
        form, status = OfferDetailsForm(offer=offer), 200
    return render(request, "cabinet/offer_edit.html", {"offer": offer, "form": form}, status=status)
