"""Display filters of every page, the cabinet's and the buyer's: amounts, phones, working time left."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _

from marketplace import phones

register = template.Library()
THIN_SPACE, NBSP = "\u202f", "\u00a0"


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
    """+380501234567 → +380 50 123 4567, as `marketplace.phones` formats every number (one
    source for what a Ukrainian number is; a page of 25 rows costs under a millisecond)."""
    return phones.pretty(value)
