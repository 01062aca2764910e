"""Phone numbers of buyers: normalisation and the Ukrainian-operator check (docs/rules.md §5).

A valid Ukrainian number is served by a Ukrainian operator whether it is a mobile number, a
landline or an operator's VoIP range; only such a number can be called, so only a number that
is not one (foreign, invalid, a service number) lets the seller cancel as `buyer_unreachable`
without logging calls. Every place that tells (the rule, the cabinet, the admin) asks
`is_ukrainian_operator` / `ukrainian_operator` here."""

from functools import lru_cache

import phonenumbers
from django.utils.translation import gettext_lazy as _
from phonenumbers import PhoneNumberType, carrier

# Numbers an operator serves to a subscriber; toll-free, premium-rate, shared-cost and other
# service ranges are not a buyer's phone.
_OPERATOR_TYPES = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.VOIP,
}
_LANDLINE_TYPES = {PhoneNumberType.FIXED_LINE}


def parse(raw: str):
    try:
        return phonenumbers.parse(raw or "", "UA")
    except phonenumbers.NumberParseException:
        return None


# Pure functions of the text: a page lists the same buyers' phones on every reload, and parsing
# costs ~50 µs a number (the cabinet's list shows 25). Callers never change the returned object.
@lru_cache(maxsize=8192)
def _valid(raw: str):
    number = parse(raw)
    return number if number is not None and phonenumbers.is_valid_number(number) else None


def normalize(raw: str) -> str:
    """E.164 form when the number parses, else the input stripped."""
    number = _valid(raw)
    if number is None:
        return (raw or "").strip()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_valid(raw: str) -> bool:
    return _valid(raw) is not None


def _ukrainian(raw: str):
    number = _valid(raw)
    if number is None or phonenumbers.region_code_for_number(number) != "UA":
        return None
    return number if phonenumbers.number_type(number) in _OPERATOR_TYPES else None


def is_ukrainian_operator(raw: str) -> bool:
    """A valid Ukrainian number served by an operator: mobile, landline or VoIP (docs/rules.md §5)."""
    return _ukrainian(raw) is not None


def ukrainian_operator(raw: str) -> str:
    """Who serves `raw`, for display: the mobile operator's name, “landline”, or “Ukrainian
    operator” when the range has no name; '' exactly when `is_ukrainian_operator` is false."""
    number = _ukrainian(raw)
    if number is None:
        return ""
    name = carrier.name_for_number(number, "en")
    if name:
        return name
    if phonenumbers.number_type(number) in _LANDLINE_TYPES:
        return str(_("landline"))
    return str(_("Ukrainian operator"))


@lru_cache(maxsize=8192)
def pretty(raw: str) -> str:
    """+380 50 123 4567 for a valid number; anything else as it was given."""
    number = _valid(raw)
    if number is None:
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
