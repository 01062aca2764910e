"""Small display helpers of the cabinet's templates."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _

from marketplace import phones
from orders.choices import CancelReason
from orders.selectors import action_label as _action_label

register = template.Library()
THIN_SPACE, NBSP = "\u202f", "\u00a0"
UA_MOBILE_CODES = frozenset({"39", "50", "63", "66", "67", "68", "73", "89", "91", "92", "93", "94", "95", "96", "97",
                             "98", "99"})


@register.filter
def time_left(value: timedelta | None) -> str:
    """Working time left as “2 h 05 min”; overdue as “overdue by 35 min”."""
    if value is None:
        return ""
    overdue = value < timedelta(0)
    minutes = int(abs(value).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        text = _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    elif hours:
        text = _("%(h)s h %(m)02d min") % {"h": hours, "m": minutes}
    else:
        text = _("%(m)s min") % {"m": minutes}
    return _("overdue by %(time)s") % {"time": text} if overdue else text


@register.filter
def uah(value) -> str:
    """An amount in hryvnias: “1 249.90 ₴” (a narrow no-break space between thousands)."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    whole, _dot, cents = f"{amount:,.2f}".partition(".")
    return whole.replace(",", THIN_SPACE) + "." + cents + NBSP + "₴"


@register.filter
def phone(value: str) -> str:
    """+380501234567 → +380 50 123 4567: mobile numbers, the common case, without parsing (the
    list shows 25 a page); everything else through phonenumbers."""
    if value and len(value) == 13 and value[:4] == "+380" and value[4:6] in UA_MOBILE_CODES and value[1:].isdigit():
        return f"{value[:4]} {value[4:6]} {value[6:9]} {value[9:]}"
    return phones.pretty(value)


@register.filter
def action_label(value: str) -> str:
    return _action_label(value) if value else ""


@register.filter
def change_reason(value: str) -> str:
    """A history record's reason: a cancellation reason's label, else the text as it is."""
    return str(CancelReason(value).label) if value in CancelReason.values else value
