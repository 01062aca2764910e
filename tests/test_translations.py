"""The uk/ru catalogs: complete, consistent with the code, compiled; and the cabinet speaks
Ukrainian to a browser that chose no language.

Catalogs: `locale/` (the project: marketplace, orders, sellers, templates) and
`notifications/locale/` (the app's own). `make messages` refreshes and compiles both.
"""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("uk", "ru")
CATALOG_DIRS = {"project": ROOT / "locale", "notifications": ROOT / "notifications" / "locale"}
PLURAL_FORMS = "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
# What makemessages scans: the project's source, the notifications app, the templates.
SOURCES = ("marketplace", "orders", "sellers", "notifications", "templates", "manage.py")


# --- a small .po reader (stdlib only) -----------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')


def _unquote(literal: str) -> str:
    return ast.literal_eval(literal)  # a PO string is a C string; these are plain escapes


def read_po(path: Path) -> tuple[dict[str, str], list[Entry]]:
    """The header fields and the entries (obsolete `#~` ones left out)."""
    entries: list[Entry] = []
    entry, target = Entry(), None

    def flush():
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            if target is not None and target[0].startswith("msgstr"):
                flush()
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            if target is not None and target[0].startswith("msgstr"):
                flush()
        elif line.startswith('"'):
            assert target is not None, f"{path}:{number}: a string continues nothing"
            _append(entry, target, _unquote(line))
        else:
            match = _KEYWORD.match(line)
            assert match, f"{path}:{number}: cannot read {raw!r}"
            keyword, index, literal = match.groups()
            if keyword in ("msgctxt", "msgid") and target is not None and target[0].startswith("msgstr"):
                flush()
            if not entry.line:
                entry.line = number
            target = (keyword.split("[")[0], int(index) if index is not None else None)
            if target[0] == "msgstr" and index is not None:
                entry.msgstr_plural[target[1]] = ""
            elif target[0] in ("msgctxt", "msgid_plural"):
                setattr(entry, target[0], "")
            _append(entry, target, _unquote(literal))
    flush()

    header = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    assert header is not None, f"{path}: no header"
    fields = dict(line.split(": ", 1) for line in header.msgstr.splitlines() if ": " in line)
    return fields, [e for e in entries if e is not header]


def _append(entry: Entry, target: tuple[str, int | None], text: str) -> None:
    name, index = target
    if name == "msgstr" and index is not None:
        entry.msgstr_plural[index] += text
    else:
        setattr(entry, name, getattr(entry, name) + text)


def catalogs() -> list[Path]:
    return [base / lang / "LC_MESSAGES" / "django.po" for base in CATALOG_DIRS.values() for lang in LANGS]


def catalog_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


# --- (a) complete and consistent ----------------------------------------------------------

# %(name)s, %(m)02d, %s, %d … as Python formats them; "%%" is a literal percent sign.
_NAMED = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
_POSITIONAL = re.compile(r"%(?!\()[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def placeholders(text: str, python_format: bool) -> list[str]:
    text = text.replace("%%", "")
    found = [f"%({name})" for name in _NAMED.findall(text)]
    if python_format:
        found += _POSITIONAL.findall(text)
    return sorted(found)


@pytest.mark.parametrize("path", catalogs(), ids=catalog_id)
def test_catalog_is_complete(path):
    assert path.exists(), f"{catalog_id(path)} is missing: run `make messages`"
    fields, entries = read_po(path)
    lang = path.parent.parent.name
    assert fields.get("Language") == lang
    assert fields.get("Plural-Forms") == PLURAL_FORMS
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert entries, f"{catalog_id(path)} has no messages"

    problems = []
    for e in entries:
        where = f"line {e.line}: {e.msgid[:60]!r}"
        if "fuzzy" in e.flags:
            problems.append(f"{where} is fuzzy")
        python_format = "python-format" in e.flags
        if e.msgid_plural is None:
            translations = {None: e.msgstr}
            expected = placeholders(e.msgid, python_format)
        else:
            translations = e.msgstr_plural
            if sorted(translations) != [0, 1, 2]:
                problems.append(f"{where} needs msgstr[0], [1] and [2], has {sorted(translations)}")
            expected = placeholders(e.msgid_plural, python_format)
        for index, text in translations.items():
            label = where if index is None else f"{where} msgstr[{index}]"
            if not text.strip():
                problems.append(f"{label} is not translated")
            elif placeholders(text, python_format) != expected:
                problems.append(f"{label}: placeholders {placeholders(text, python_format)} != {expected}")
            elif "{{" in text or "{%" in text:
                problems.append(f"{label}: template syntax in a translation")
    assert not problems, f"{catalog_id(path)}:\n  " + "\n  ".join(problems)


def test_both_languages_translate_the_same_messages():
    for base in CATALOG_DIRS.values():
        keys = {lang: {e.key for e in read_po(base / lang / "LC_MESSAGES" / "django.po")[1]} for lang in LANGS}
        assert keys["uk"] == keys["ru"], f"{base}: uk and ru differ: {keys['uk'] ^ keys['ru']}"


# --- (b) up to date with the code -----------------------------------------------------------


@pytest.mark.slow
def test_catalogs_hold_every_message_of_the_code(tmp_path):
    """makemessages on a copy of the sources finds no message the committed catalogs lack
    (and the catalogs keep none the code dropped): otherwise run `make messages`."""
    for tool in ("xgettext", "msgmerge", "msguniq"):
        assert shutil.which(tool), f"{tool} not found: install gettext (make test does)"
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy2(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    env = {**os.environ, "DEBUG": "1", "VAR_DIR": str(tmp_path / "var"), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "uk", "-e", "html,txt,py", "--no-obsolete", "--ignore=var"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

    problems = []
    for name, base in CATALOG_DIRS.items():
        fresh = tmp_path / base.relative_to(ROOT) / "uk" / "LC_MESSAGES" / "django.po"
        code = {e.key for e in read_po(fresh)[1]}
        for lang in LANGS:
            committed = {e.key for e in read_po(base / lang / "LC_MESSAGES" / "django.po")[1]}
            if missing := code - committed:
                problems.append(f"{name} {lang} lacks {sorted(m for _c, m in missing)}")
            if stale := committed - code:
                problems.append(f"{name} {lang} still has {sorted(m for _c, m in stale)}")
    assert not problems, "run `make messages`:\n  " + "\n  ".join(problems)


# --- (c) compiled ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", catalogs(), ids=catalog_id)
def test_compiled_catalog_matches_the_po(path):
    """The committed .mo holds exactly the .po's translations (`make messages` compiles)."""
    mo = path.with_suffix(".mo")
    assert mo.exists(), f"{catalog_id(mo)} is missing: run `make messages`"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    expected = {}
    for e in read_po(path)[1]:
        msgid = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            expected[msgid] = e.msgstr
        else:
            expected.update({(msgid, i): text for i, text in e.msgstr_plural.items()})
    actual = {key: value for key, value in compiled._catalog.items() if key != ""}
    stale = {k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)}
    assert not stale, f"{catalog_id(mo)} is older than its .po ({len(stale)} messages differ): run `make messages`"
    assert compiled.plural(21) == 0 and compiled.plural(3) == 1 and compiled.plural(11) == 2


def test_plural_forms_at_runtime():
    def results(n):
        return translation.ngettext("%(counter)s result", "%(counter)s results", n) % {"counter": n}

    with translation.override("uk"):
        assert [results(n) for n in (1, 3, 5, 11, 21, 24)] == [
            "1 результат",
            "3 результати",
            "5 результатів",
            "11 результатів",
            "21 результат",
            "24 результати",
        ]
    with translation.override("ru"):
        assert [results(n) for n in (1, 3, 5, 12, 101)] == [
            "1 результат",
            "3 результата",
            "5 результатов",
            "12 результатов",
            "101 результат",
        ]


# --- (d) pages in Ukrainian by default ---------------------------------------------------------


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def assert_language(html: str, *, present: list[str], absent: list[str]) -> None:
    assert not (missing := [text for text in present if text not in html]), f"missing: {missing}"
    assert not (found := [text for text in absent if text in html]), f"untranslated: {found}"


def test_login_page_is_ukrainian_without_a_language_cookie():
    html = page(Client(), reverse("cabinet:login"))
    assert '<html lang="uk">' in html
    assert_language(
        html,
        present=["Вхід до кабінету продавця", "Увійти", "Забули пароль?", "Кабінет продавця", "Пароль"],
        absent=["Sign in", "Forgot your password?", "Seller cabinet", "Password"],
    )


@pytest.fixture
def order_page(manager, store, place_order):
    order = place_order()

    def fetch(client: Client) -> str:
        client.force_login(manager)
        return page(client, reverse("cabinet:order_detail", args=[order.pk]))

    fetch.order = order
    return fetch


def test_order_page_is_ukrainian_without_a_language_cookie(order_page):
    html = order_page(Client())
    assert '<html lang="uk">' in html
    assert_language(
        html,
        present=[
            f"Замовлення №{order_page.order.pk}",
            "Потребує узгодження з покупцем",
            "Наступний крок",
            "Підтвердити замовлення",
            "Скасувати замовлення",
            "Покупець",
            "Товари",
            "Доставка",
            "Сценарій дзвінка",
            "Історія",
            "Вийти",
        ],
        absent=[
            "Needs agreement with the buyer",
            "Next step",
            "Confirm the order",
            "Cancel the order",
            "Call script",
            "History",
            "Sign out",
            "Order #",
        ],
    )


def test_order_page_follows_the_language_cookie(order_page):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    html = order_page(client)
    assert '<html lang="ru">' in html
    assert_language(
        html,
        present=["Требуется согласование с покупателем", "Следующий шаг", "Подтвердить заказ", "Скрипт звонка"],
        absent=["Потребує узгодження з покупцем", "Needs agreement with the buyer", "Next step"],
    )
