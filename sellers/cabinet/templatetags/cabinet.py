"""Tags of the cabinet's pages only; the display filters of every page (amounts, phones, time
left) are marketplace's `{% load display %}`."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from orders.choices import CancelReason
from orders.selectors import action_label as _action_label

register = template.Library()


@register.filter
def action_label(value: str) -> str:
    return _action_label(value) if value else ""


@register.filter
def change_reason(value: str) -> str:
    """A history record's reason: a cancellation reason's label, else the text as it is."""
    return str(CancelReason(value).label) if value in CancelReason.values else value


@register.simple_tag(takes_context=True)
def form_group(context, group: str):
    """` open` on the <details> of one of the order page's form groups (views.orders.FORM_GROUPS)
    when the page renders the group: a refused form, the group the plain link asked for."""
    return mark_safe(" open") if group in context.get("inline", ()) else ""


@register.inclusion_tag("cabinet/_lazy_form.html", takes_context=True)
def lazy_form(context, group: str, anchor: str = ""):
    """Where a form group comes the first time the seller opens its <details> (htmx; the
    attributes sit on this placeholder, so the forms that replace it inherit none of them);
    without JavaScript, a link to the page with the group open, at `anchor` (the <details>' id,
    `edit-<group>` unless given)."""
    return {"group": group, "form_url": context["form_url"], "anchor": anchor or f"edit-{group}"}
