"""Money and dates in one format per language, for every page, e-mail, admin column and message.

Money, in hryvnias (cabinet, buyer's page, history, admin, e-mails all go through `money()`):

- uk, ru: “1 299,00 ₴”: a narrow no-break space (U+202F) between thousands, a decimal comma,
  a no-break space before the sign (as Ukrainian and Russian write amounts);
- en: “₴1,299.00”: the sign first, comma thousands, a decimal point (as English writes £ or $).

Dates and times are shown in Europe/Kyiv (the platform's TIME_ZONE) in the language's formats:
this package is Django's FORMAT_MODULE_PATH, so `marketplace/formats/<lang>/formats.py` also
feeds Django's own `|date:"SHORT_DATETIME_FORMAT"` and the admin. Styles of `when()`:

| style | uk | en |
|---|---|---|
| short (default) | 24.11.2026 10:00 | 24.11.2026 10:00 |
| long | 24 листопада 2026, 10:00 | 24 November 2026, 10:00 |
| day | 24 листопада, 10:00 | 24 November, 10:00 |
| weekday | вівторок, 24 листопада, 10:00 | Tuesday, 24 November, 10:00 |

A date alone (no time) drops the time part. Weekday names are lowercase in uk and ru, since
they are written mid-sentence (“відправимо у вівторок, 24 листопада”).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import dateformat, formats, translation
from django.utils.dates import WEEKDAYS

NNBSP, NBSP = "\u202f", "\u00a0"
KYIV = ZoneInfo("Europe/Kyiv")
CENTS = Decimal("0.01")

# language: (thousands separator, decimal separator, pattern)
MONEY = {
    "uk": (NNBSP, ",", "{amount}" + NBSP + "₴"),
    "ru": (NNBSP, ",", "{amount}" + NBSP + "₴"),
    "en": (",", ".", "₴{amount}"),
}
LOWERCASE_WEEKDAYS = {"uk", "ru"}
STYLES = {"short", "long", "day", "weekday"}


def language(code: str | None = None) -> str:
    """The language whose format applies: the given one or the active one, as a key of MONEY."""
    code = (code or translation.get_language() or settings.LANGUAGE_CODE).lower().split("-")[0]
    return code if code in MONEY else settings.LANGUAGE_CODE


def money(value, lang: str | None = None) -> str:
    """An amount in hryvnias in the language's format; “—” for none; other text as it is."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(value).quantize(CENTS)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    thousands, decimal, pattern = MONEY[language(lang)]
    whole, _point, cents = f"{abs(amount):,.2f}".partition(".")
    text = pattern.format(amount=whole.replace(",", thousands) + decimal + cents)
    return "-" + text if amount < 0 else text


def _weekday(value: date, lang: str) -> str:
    with translation.override(lang):
        name = str(WEEKDAYS[value.weekday()])
    return name.lower() if lang in LOWERCASE_WEEKDAYS else name


def when(value, style: str = "short", lang: str | None = None) -> str:
    """A date or a moment in the language's format (a moment in Kyiv time); "" for none."""
    if value is None or value == "":
        return ""
    if not isinstance(value, date):
        return str(value)
    lang = language(lang)
    style = style if style in STYLES else "short"
    is_moment = isinstance(value, datetime)
    if is_moment and value.tzinfo is not None:
        value = value.astimezone(KYIV)
    with translation.override(lang):
        if style == "short":
            pattern = formats.get_format("SHORT_DATETIME_FORMAT" if is_moment else "SHORT_DATE_FORMAT")
            return dateformat.format(value, pattern)
        if style == "long":
            pattern = formats.get_format("DATETIME_FORMAT" if is_moment else "DATE_FORMAT")
            return dateformat.format(value, pattern)
        text = dateformat.format(value, formats.get_format("MONTH_DAY_FORMAT"))
        if style == "weekday":
            text = f"{_weekday(value, lang)}, {text}"
        if is_moment:
            text = f"{text}, {dateformat.format(value, formats.get_format('TIME_FORMAT'))}"
        return text
