"""Phone numbers of buyers: normalisation and the Ukrainian-operator check (SPEC §5)."""

import phonenumbers
from phonenumbers import PhoneNumberType, carrier

_OPERATOR_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def parse(raw: str):
    try:
        return phonenumbers.parse(raw or "", "UA")
    except phonenumbers.NumberParseException:
        return None


def normalize(raw: str) -> str:
    """E.164 form when the number parses, else the input stripped."""
    number = parse(raw)
    if number is None or not phonenumbers.is_valid_number(number):
        return (raw or "").strip()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_valid(raw: str) -> bool:
    number = parse(raw)
    return number is not None and phonenumbers.is_valid_number(number)


def ukrainian_operator(raw: str) -> str:
    """The operator's name when `raw` is a valid number of a Ukrainian mobile operator, else ''."""
    number = parse(raw)
    if number is None or not phonenumbers.is_valid_number(number):
        return ""
    if phonenumbers.region_code_for_number(number) != "UA":
        return ""
    if phonenumbers.number_type(number) not in _OPERATOR_TYPES:
        return ""
    return carrier.name_for_number(number, "en") or ""


def pretty(raw: str) -> str:
    number = parse(raw)
    if number is None or not phonenumbers.is_valid_number(number):
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
