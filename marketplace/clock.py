"""The platform's one clock. Services, sweeps, views and tasks read the time here (once per
decision, then hand `now` down), so a test moves one clock (`time-machine`, see
tests/conftest.py) instead of depending on the machine's.

`today()` is the date in Kyiv, the platform's time zone (docs/rules.md §4): a ship-by date or
a calendar day means a Kyiv day whatever the server's own zone is."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    """The current moment, aware (UTC)."""
    return timezone.now()


def today() -> date:
    """Today's date in the platform's time zone (Europe/Kyiv)."""
    return timezone.localdate(now())
