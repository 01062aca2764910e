"""Messages and labels are asserted in English, whatever translations the project ships (a
test that wants another language overrides it itself)."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield
