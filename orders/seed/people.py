"""Realistic Ukrainian buyers: names, valid mobile numbers, cities and Nova Poshta branches."""

from __future__ import annotations

import random

# (Ukrainian, Latin) pairs; the Latin form makes the e-mail address.
FIRST_NAMES = [
    ("Олена", "olena"),
    ("Андрій", "andrii"),
    ("Ірина", "iryna"),
    ("Максим", "maksym"),
    ("Наталія", "nataliia"),
    ("Дмитро", "dmytro"),
    ("Юлія", "yuliia"),
    ("Сергій", "serhii"),
    ("Оксана", "oksana"),
    ("Тарас", "taras"),
    ("Марія", "mariia"),
    ("Богдан", "bohdan"),
    ("Анастасія", "anastasiia"),
    ("Олег", "oleh"),
    ("Катерина", "kateryna"),
    ("Василь", "vasyl"),
    ("Софія", "sofiia"),
    ("Ярослав", "yaroslav"),
    ("Тетяна", "tetiana"),
    ("Роман", "roman"),
    ("Людмила", "liudmyla"),
    ("Віталій", "vitalii"),
    ("Христина", "khrystyna"),
    ("Назар", "nazar"),
]
LAST_NAMES = [
    ("Коваленко", "kovalenko"),
    ("Шевченко", "shevchenko"),
    ("Бондаренко", "bondarenko"),
    ("Ткаченко", "tkachenko"),
    ("Кравченко", "kravchenko"),
    ("Олійник", "oliinyk"),
    ("Мельник", "melnyk"),
    ("Поліщук", "polishchuk"),
    ("Лисенко", "lysenko"),
    ("Бойко", "boiko"),
    ("Савченко", "savchenko"),
    ("Руденко", "rudenko"),
    ("Мороз", "moroz"),
    ("Кушнір", "kushnir"),
    ("Гончаренко", "honcharenko"),
    ("Левченко", "levchenko"),
    ("Марченко", "marchenko"),
    ("Ковальчук", "kovalchuk"),
    ("Романюк", "romaniuk"),
    ("Петренко", "petrenko"),
    ("Іваненко", "ivanenko"),
    ("Зінченко", "zinchenko"),
    ("Литвиненко", "lytvynenko"),
]
# Mobile operator codes: Vodafone, Kyivstar, lifecell.
OPERATOR_CODES = ["50", "66", "95", "99", "67", "68", "96", "97", "98", "63", "73", "93"]
CITIES = [
    "Київ",
    "Львів",
    "Харків",
    "Одеса",
    "Дніпро",
    "Вінниця",
    "Полтава",
    "Чернігів",
    "Житомир",
    "Івано-Франківськ",
    "Тернопіль",
    "Ужгород",
]
STREETS = [
    "вул. Шевченка",
    "вул. Івана Франка",
    "вул. Грушевського",
    "вул. Соборна",
    "просп. Незалежності",
    "вул. Садова",
    "вул. Лесі Українки",
    "вул. Київська",
    "вул. Героїв Майдану",
    "вул. Замкова",
]
MAIL_DOMAINS = ["example.com", "example.net", "example.org"]


def _pick(rng: random.Random, items: list):
    return items[int(rng.random() * len(items))]


def phone(rng: random.Random) -> str:
    return f"+380{_pick(rng, OPERATOR_CODES)}{int(rng.random() * 10_000_000):07d}"


def buyer(rng: random.Random) -> tuple[str, str, str]:
    """(name, phone, e-mail); one buyer in five leaves no e-mail."""
    (first, first_latin), (last, last_latin) = _pick(rng, FIRST_NAMES), _pick(rng, LAST_NAMES)
    r = rng.random()
    email = "" if r < 0.2 else f"{first_latin}.{last_latin}{int(r * 1000) % 100}@{_pick(rng, MAIL_DOMAINS)}"
    return f"{first} {last}", phone(rng), email


def branch(rng: random.Random) -> str:
    return (
        f"Відділення №{1 + int(rng.random() * 400)}: {_pick(rng, CITIES)}, {_pick(rng, STREETS)}, "
        f"{1 + int(rng.random() * 120)}"
    )


def address(rng: random.Random) -> str:
    return (
        f"{_pick(rng, CITIES)}, {_pick(rng, STREETS)}, {1 + int(rng.random() * 120)}, кв. {1 + int(rng.random() * 200)}"
    )


def ttn(rng: random.Random) -> str:
    """A Nova Poshta express waybill: 20 and twelve digits."""
    return f"20{int(rng.random() * 10**12):012d}"
