"""Display filters of every page, the cabinet's and the buyer's: amounts, phones, working time left."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

from marketplace import formats, phones

register = template.Library()
MINUTE_US = 60_000_000


@register.filter
def time_left(value: timedelta | None) -> str:
    """Working time left as “2 h 05 min” (a part-minute counts as a minute, so “0 min” is never
    shown while time is left); none left as “time is up”; overdue as “overdue by 35 min”.

    The countdown's colour (orders.deadlines.deadline_state) reads the same value: overdue from
    zero on. The phrase stands alone: a page shows it without an “Overdue:” label."""
    if value is None:
        return ""
    micro = value // timedelta(microseconds=1)
    if micro > 0:
        minutes = -(-micro // MINUTE_US)
    else:
        minutes = -micro // MINUTE_US
        if not minutes:
            return _("time is up")
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        text = _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    elif hours:
        text = _("%(h)s h %(m)02d min") % {"h": hours, "m": minutes}
    else:
        text = _("%(m)s min") % {"m": minutes}
    return _("overdue by %(time)s") % {"time": text} if micro <= 0 else text


@register.filter
def uah(value) -> str:
    """An amount in hryvnias in the active language's format (“1 249,90 ₴” in uk and ru, “₴1,249.90”
    in en): `marketplace.formats.money`, the one formatter of money for pages and e-mails."""
    return formats.money(value)


@register.filter
def when(value, style: str = "short") -> str:
    """A date or a moment (in Kyiv time) in the active language's format: `marketplace.formats.when`,
    styles short (24.11.2026 10:00), long, day (24 листопада, 10:00), weekday (вівторок, 24 листопада)."""
    return formats.when(value, style)


@register.filter
def phone(value: str) -> str:
    """+380501234567 → +380 50 123 4567, as `marketplace.phones` formats every number (one
    source for what a Ukrainian number is; a page of 25 rows costs under a millisecond)."""
    return phones.pretty(value)
