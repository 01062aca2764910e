"""Tags of the cabinet's pages only; the display filters of every page (amounts, phones, time
left) are marketplace's `{% load display %}`."""

from __future__ import annotations

from django import template

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
