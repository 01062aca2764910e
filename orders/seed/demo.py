"""The demo: users (a moderator in the `moderators` group, which a migration creates), three
stores with offers, and orders in every status made through `orders.services` — so each has
the history a real one would have."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from marketplace import clock
from marketplace.actors import MODERATORS_GROUP, Actor
from marketplace.models import UserSettings
from sellers.models import Offer, Store, StoreMember

from .. import services as svc
from ..choices import CancelReason, DeliveryMethod, PaymentMethod
from ..models import CallAttempt, Order
from ..tracking.parcels import track_open_parcels
from . import catalog as storefront
from . import people

DEMO_PASSWORD = "marketplace-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str  # what the printed list says
    language: str = "uk"


@dataclass(frozen=True)
class DemoStore:
    slug: str
    name: str
    email: str
    owner: DemoUser
    manager: DemoUser
    offers: tuple[tuple[str, str, str, int], ...]  # title, SKU, price, stock


ADMIN = DemoUser("admin", "Адміністратор", "Платформи", "superuser")
MODERATOR = DemoUser("moderator", "Ганна", "Стельмах", "moderator (group moderators)")

STORES = (
    DemoStore(
        slug="tekhnosvit",
        name="Техносвіт",
        email="tekhnosvit@example.com",
        owner=DemoUser("tekhnosvit_owner", "Олександр", "Гнатюк", "owner"),
        manager=DemoUser("tekhnosvit_manager", "Вікторія", "Павленко", "manager"),
        offers=(
            ("Навушники бездротові Sony WH-CH520", "SONY-WHCH520", "1899.00", 500),
            ("Павербанк Xiaomi 20000 mAh", "XM-PB20K", "1299.00", 500),
            ("Чохол для iPhone 15, силікон", "CASE-IP15", "349.00", 500),
            ("Зарядний пристрій USB-C 65 Вт", "CHG-65W", "899.00", 500),
            ("Кабель USB-C — Lightning, 1 м", "CBL-CL1", "299.00", 500),
            ("Смарт-годинник Amazfit Bip 5", "AMZ-BIP5", "3499.00", 40),
        ),
    ),
    DemoStore(
        slug="zatyshna-oselia",
        name="Затишна оселя",
        email="",
        owner=DemoUser("oselia_owner", "Світлана", "Кравчук", "owner"),
        manager=DemoUser("oselia_manager", "Ігор", "Данильченко", "manager", language="ru"),
        offers=(
            ("Ковдра вовняна 200×220", "BLK-WOOL-200", "1650.00", 500),
            ("Подушка ортопедична", "PLW-ORTHO", "890.00", 500),
            ("Комплект постільної білизни, сатин", "BED-SAT-2", "1450.00", 500),
            ("Настільна лампа з тканинним абажуром", "LAMP-TBL-1", "1150.00", 500),
            ("Рушник махровий 70×140", "TWL-70140", "320.00", 500),
            ("Плед флісовий 150×200", "PLD-FL-150", "540.00", 40),
        ),
    ),
    DemoStore(
        slug="knyharnia-abetka",
        name="Книгарня «Абетка»",
        email="abetka@example.com",
        owner=DemoUser("abetka_owner", "Галина", "Мирошник", "owner"),
        manager=DemoUser("abetka_manager", "Петро", "Савчук", "manager", language="en"),
        offers=(
            ("Кобзар. Тарас Шевченко", "BK-KOBZAR", "420.00", 500),
            ("Тіні забутих предків. Михайло Коцюбинський", "BK-TINI", "260.00", 500),
            ("Лісова пісня. Леся Українка", "BK-LISOVA", "240.00", 500),
            ("Інтернат. Сергій Жадан", "BK-INTERNAT", "350.00", 500),
            ("Захар Беркут. Іван Франко", "BK-BERKUT", "280.00", 500),
            ("Ворошиловград. Сергій Жадан", "BK-VOROSH", "380.00", 40),
        ),
    ),
)
DEMO_SLUGS = tuple(store.slug for store in STORES)


@dataclass
class Login:
    username: str
    password: str  # "" when the user existed and keeps its own password
    role: str


def demo_exists() -> bool:
    return Store.objects.filter(slug=STORES[0].slug).exists()


def _user(spec: DemoUser, *, reset_password: bool, **flags) -> tuple[object, Login]:
    User = get_user_model()
    user = User.objects.filter(username=spec.username).first()
    created = user is None
    if created:
        user = User(username=spec.username)
    user.first_name, user.last_name = spec.first_name, spec.last_name
    user.email = user.email or f"{spec.username}@example.com"
    for name, value in flags.items():
        setattr(user, name, value)
    if created or reset_password:
        user.set_password(DEMO_PASSWORD)
    user.save()
    return user, Login(spec.username, DEMO_PASSWORD if created or reset_password else "", spec.role)


def ensure_users(*, reset_passwords: bool = False) -> tuple[list[Login], dict[str, object]]:
    logins, users = [], {}
    users[ADMIN.username], login = _user(ADMIN, reset_password=reset_passwords, is_staff=True, is_superuser=True)
    logins.append(login)
    users[MODERATOR.username], login = _user(MODERATOR, reset_password=reset_passwords, is_staff=True)
    # The group and its permissions come from marketplace's migration 0004.
    users[MODERATOR.username].groups.add(Group.objects.get(name=MODERATORS_GROUP))
    logins.append(login)
    for store in STORES:
        for spec in (store.owner, store.manager):
            users[spec.username], login = _user(spec, reset_password=reset_passwords)
            logins.append(Login(login.username, login.password, f"{spec.role}, {store.name}"))
    return logins, users


def create_demo(*, seed: int = 2025, reset_passwords: bool = False) -> tuple[list[Login], int]:
    """Users, stores, offers and orders. Returns the logins and the number of orders made."""
    rng = random.Random(seed)
    with transaction.atomic():
        logins, users = ensure_users(reset_passwords=reset_passwords)
        made = 0
        for spec in STORES:
            store = Store.objects.create(slug=spec.slug, name=spec.name, email=spec.email)
            owner, manager = users[spec.owner.username], users[spec.manager.username]
            StoreMember.objects.create(store=store, user=owner, role=StoreMember.Role.OWNER)
            StoreMember.objects.create(store=store, user=manager, role=StoreMember.Role.MANAGER)
            for spec_user, user in ((spec.owner, owner), (spec.manager, manager)):
                UserSettings.objects.update_or_create(user=user, defaults={"language": spec_user.language})
            offers = [
                Offer.objects.create(store=store, title=title, sku=sku, price=Decimal(price), stock=stock)
                for title, sku, price, stock in spec.offers
            ]
            storefront.add_catalog(store, offers)  # categories, descriptions, photos, more goods, profile
            made += _StoreScenarios(store, offers, owner, manager, rng).run()
        track_open_parcels()  # shipped orders have their parcels already; anything else in delivery too
    return logins, made


class _StoreScenarios:
    """Orders in every status, with comments, calls and a split — each step a service call."""

    def __init__(self, store, offers, owner, manager, rng: random.Random):
        self.store, self.offers, self.rng = store, offers, rng
        self.owner, self.manager = Actor.seller(owner), Actor.seller(manager)
        self.count = 0

    def seller(self) -> Actor:
        return self.rng.choice((self.owner, self.manager))

    # --- building blocks ---

    def place(self, method: str = DeliveryMethod.NOVA_POSHTA, *, lines: int = 1, phone: str = "") -> Order:
        name, mobile, email = people.buyer(self.rng)
        phone = phone or mobile
        chosen = self.rng.sample(self.offers[:-1], lines)  # the last offer is kept for the stock story
        self.count += 1
        return svc.order_place(
            store=self.store,
            buyer_name=name,
            buyer_phone=phone,
            buyer_email=email,
            buyer_language=self.rng.choice(("uk", "uk", "uk", "uk", "ru", "en")),
            lines=[svc.Line(offer.pk, self.rng.choice((1, 1, 1, 2))) for offer in chosen],
            delivery_method=method,
            delivery_branch=people.branch(self.rng) if method == DeliveryMethod.NOVA_POSHTA else "",
            delivery_address=people.address(self.rng) if method == DeliveryMethod.COURIER else "",
            payment_method=self.rng.choice(list(PaymentMethod.values)),
        )

    def accepted(self, method: str = DeliveryMethod.NOVA_POSHTA, *, lines: int = 1) -> Order:
        return svc.order_open(actor=self.seller(), order=self.place(method, lines=lines))

    def accepted_with(self, *, phone: str) -> Order:
        return svc.order_open(actor=self.seller(), order=self.place(phone=phone))

    def confirmed(self, method: str = DeliveryMethod.NOVA_POSHTA, *, lines: int = 1) -> Order:
        order = self.accepted(method, lines=lines)
        cost = {DeliveryMethod.NOVA_POSHTA: Decimal("80.00"), DeliveryMethod.COURIER: Decimal("150.00")}.get(
            method, Decimal("0.00")
        )
        order = svc.order_update_delivery(
            actor=self.seller(),
            order=order,
            method=method,
            branch=order.delivery_branch,
            address=order.delivery_address,
            cost=cost,
            ship_by=clock.today() + timedelta(days=2),
        )
        return svc.order_confirm(actor=self.seller(), order=order)

    def shipped(self, method: str = DeliveryMethod.NOVA_POSHTA) -> Order:
        order = self.confirmed(method)
        if method == DeliveryMethod.COURIER:
            return svc.order_ship(
                actor=self.seller(),
                order=order,
                courier_phone=people.phone(self.rng),
                courier_visit_at=clock.now() + timedelta(hours=3),
            )
        return svc.order_ship(actor=self.seller(), order=order, ttn=people.ttn(self.rng))

    def at_pickup(self) -> Order:
        return svc.order_ready_for_pickup(actor=self.seller(), order=self.confirmed(DeliveryMethod.PICKUP))

    # --- the scenarios ---

    def run(self) -> int:
        # Open orders.
        self.place()
        self.place(DeliveryMethod.PICKUP)
        order = self.accepted()
        svc.order_call_log(
            actor=self.seller(),
            order=order,
            outcome=CallAttempt.Outcome.NO_ANSWER,
            note="Не бере слухавку, передзвонити ввечері",
        )
        svc.order_comment_add(
            actor=self.seller(), order=order, text="Покупець просив передзвонити після 18:00, уточнити колір."
        )
        self.confirmed(DeliveryMethod.COURIER)
        svc.order_pack(actor=self.seller(), order=self.confirmed(), ship_by=clock.today() + timedelta(days=3))
        self.shipped(DeliveryMethod.NOVA_POSHTA)
        self.shipped(DeliveryMethod.COURIER)
        self.at_pickup()

        # Received.
        svc.order_hand_over(order=self.shipped(DeliveryMethod.NOVA_POSHTA))
        svc.order_mark_received(actor=self.seller(), order=self.shipped(DeliveryMethod.COURIER))
        order = svc.order_mark_received(actor=self.seller(), order=self.at_pickup())
        svc.order_comment_add(actor=self.seller(), order=order, text="Покупець залишив гарний відгук у магазині.")

        # A split: two items, one moves to a new order.
        order = self.accepted(lines=2)
        first = order.items.order_by("id").first()
        svc.order_split(actor=self.seller(), order=order, quantities={first.pk: first.quantity})
        self.count += 1

        # Cancelled, with several reasons.
        # A number of no Ukrainian operator cannot be called: unreachable at once (docs/rules.md §5).
        order = self.accepted_with(phone="+48512345678")
        svc.order_cancel(actor=self.seller(), order=order, reason=CancelReason.BUYER_UNREACHABLE)
        svc.order_cancel_by_platform(
            order=self.shipped(DeliveryMethod.NOVA_POSHTA), reason=CancelReason.BUYER_CHANGED_MIND
        )
        svc.order_cancel(actor=self.seller(), order=self.at_pickup(), reason=CancelReason.BUYER_NOT_PICKED_UP)
        svc.order_cancel(
            actor=self.seller(),
            order=self.accepted(),
            reason=CancelReason.OTHER,
            comment="Покупець просить інший колір, якого немає у постачальника.",
        )
        svc.order_cancel_by_buyer(order=self.place(), comment="Знайшов дешевше.")
        svc.order_cancel_by_platform(order=self.place(), reason=CancelReason.PROCESSING_TIME_EXPIRED)
        # Out of stock last: the seller corrects the last offer's stock to zero.
        last = self.offers[-1]
        order = svc.order_place(
            store=self.store,
            buyer_name="Олена Коваленко",
            buyer_phone=people.phone(self.rng),
            lines=[svc.Line(last.pk, 1)],
            delivery_method=DeliveryMethod.NOVA_POSHTA,
            delivery_branch=people.branch(self.rng),
        )
        self.count += 1
        order = svc.order_open(actor=self.seller(), order=order)
        svc.order_cancel(actor=self.seller(), order=order, reason=CancelReason.OUT_OF_STOCK, stock={last.pk: 0})
        return self.count
