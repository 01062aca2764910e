"""The Ukrainian-operator check of buyers' phones (docs/rules.md §5): a valid Ukrainian number,
mobile or landline, is served by a Ukrainian operator; foreign and invalid numbers are not."""

import pytest

from marketplace import phones
from marketplace.templatetags.display import phone as phone_filter

SERVED = {
    "+380501234567": "Vodafone",
    "0671234567": "Kyivstar",
    "+380731234567": "lifecell",
    "+380441234567": "landline",  # Kyiv
    "+380322123456": "landline",  # Lviv
    "+380891234567": "Ukrainian operator",  # an operator's VoIP range, no name in the data
}
NOT_SERVED = ["+79161234567", "+48601234567", "12345", "", "+380800500000", "not a phone"]


@pytest.mark.parametrize("raw, label", SERVED.items())
def test_valid_ukrainian_numbers_mobile_or_landline_are_served_by_an_operator(raw, label):
    assert phones.is_ukrainian_operator(raw)
    assert phones.ukrainian_operator(raw) == label


@pytest.mark.parametrize("raw", NOT_SERVED, ids=["russian", "polish", "junk", "empty", "toll-free", "text"])
def test_foreign_invalid_and_service_numbers_are_not(raw):
    assert not phones.is_ukrainian_operator(raw)
    assert phones.ukrainian_operator(raw) == ""


@pytest.mark.parametrize("raw", [*SERVED, *NOT_SERVED])
def test_the_cabinet_formats_numbers_as_the_phones_module_does(raw):
    """One source of what a Ukrainian number is: the cabinet's filter reads marketplace.phones."""
    assert phone_filter(raw) == phones.pretty(raw)


def test_pretty_and_normalize():
    assert phones.pretty("+380441234567") == "+380 44 123 4567"
    assert phones.pretty("0501234567") == "+380 50 123 4567"
    assert phones.normalize(" 050 123 45 67 ") == "+380501234567"
    assert phones.normalize(" 12345 ") == "12345"
