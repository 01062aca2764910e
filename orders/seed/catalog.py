"""The demo's storefront: categories, each store's catalog (real-sounding Ukrainian goods with
descriptions and prices), the stores' pickup address, hours and phone, and offer photos drawn
here with Pillow (a coloured card with a simple shape per category: nothing is downloaded).

`seed_demo` calls `add_catalog(store, slug)` for every demo store after its scenario offers;
the photos are written once per category and shared by its offers, so the seed stays fast.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from sellers.models import Category, Offer, Store

CATEGORIES = (
    # slug, name, colour, shape
    ("electronics", "Електроніка", (31, 95, 191), "rect"),
    ("accessories", "Аксесуари для телефонів", (0, 137, 123), "circle"),
    ("home-textile", "Домашній текстиль", (191, 95, 31), "wave"),
    ("lighting", "Освітлення", (214, 164, 0), "circle"),
    ("books", "Книги", (120, 60, 150), "rect"),
    ("kids-books", "Дитячі книги", (200, 70, 110), "wave"),
)

# Each store: its profile, the categories of its scenario offers (by SKU), and its other goods.
STORE_PROFILES = {
    "tekhnosvit": {
        "pickup_address": "Київ, вул. Велика Васильківська, 72, ТЦ «Олімпійський», 2 поверх",
        "pickup_hours": "Пн–Пт 10:00–20:00, Сб–Нд 10:00–18:00",
    },
    "zatyshna-oselia": {
        "pickup_address": "Львів, вул. Городоцька, 120, склад №3 (вхід з двору)",
        "pickup_hours": "Пн–Пт 09:00–18:00, Сб 10:00–15:00",
    },
    "knyharnia-abetka": {
        "pickup_address": "Харків, вул. Сумська, 37",
        "pickup_hours": "Щодня 10:00–19:00",
    },
}
PHONES = {"tekhnosvit": "+380442345678", "zatyshna-oselia": "+380322456789", "knyharnia-abetka": "+380577123456"}

SCENARIO_CATEGORIES = {
    "SONY-WHCH520": "electronics",
    "XM-PB20K": "electronics",
    "CASE-IP15": "accessories",
    "CHG-65W": "accessories",
    "CBL-CL1": "accessories",
    "AMZ-BIP5": "electronics",
    "BLK-WOOL-200": "home-textile",
    "PLW-ORTHO": "home-textile",
    "BED-SAT-2": "home-textile",
    "LAMP-TBL-1": "lighting",
    "TWL-70140": "home-textile",
    "PLD-FL-150": "home-textile",
}

DESCRIPTIONS = {
    "electronics": "Офіційна гарантія 12 місяців. Відправляємо в день замовлення до 16:00.",
    "accessories": "Сумісний з популярними моделями. Перевірено в магазині перед відправкою.",
    "home-textile": "Натуральні матеріали, прання при 40 °C. Розміри вказані в назві.",
    "lighting": "Лампа в комплект не входить (цоколь E27). Гарантія 6 місяців.",
    "books": "Тверда обкладинка, українською мовою.",
    "kids-books": "Для читання разом з дітьми, яскраві ілюстрації.",
}

# title, SKU, price, stock, category
MORE_OFFERS = {
    "tekhnosvit": (
        ("Бездротова колонка JBL Go 3, синя", "JBL-GO3-BL", "1599.00", 35, "electronics"),
        ("Навушники-вкладиші Xiaomi Redmi Buds 4 Lite", "XM-RB4L", "899.00", 60, "electronics"),
        ("Фітнес-браслет Xiaomi Smart Band 8", "XM-SB8", "1499.00", 25, "electronics"),
        ("Портативний SSD Samsung T7 500 ГБ", "SMS-T7-500", "3299.00", 12, "electronics"),
        ("Карта пам'яті microSD 128 ГБ Kingston", "KNG-SD128", "449.00", 80, "accessories"),
        ("Захисне скло для Samsung Galaxy A54", "GLS-A54", "199.00", 120, "accessories"),
        ("Автомобільний тримач для телефону, магнітний", "CAR-MAG-1", "379.00", 45, "accessories"),
        ("Мережевий фільтр на 5 розеток, 3 м", "PWR-5S-3M", "549.00", 0, "electronics"),
    ),
    "zatyshna-oselia": (
        ("Простирадло на резинці 160×200, бязь", "SHT-160-BZ", "620.00", 40, "home-textile"),
        ("Подушка декоративна з вишивкою 45×45", "PLW-EMB-45", "480.00", 22, "home-textile"),
        ("Халат махровий жіночий, розмір M", "RBE-W-M", "1190.00", 15, "home-textile"),
        ("Гірлянда світлодіодна «Роса», 10 м", "LED-ROSA-10", "260.00", 70, "lighting"),
        ("Нічник дитячий «Місяць»", "LMP-MOON", "590.00", 18, "lighting"),
        ("Торшер підлоговий, лляний абажур", "LMP-FLOOR-1", "2350.00", 6, "lighting"),
        ("Скатертина лляна 140×180", "TBL-LIN-140", "870.00", 0, "home-textile"),
    ),
    "knyharnia-abetka": (
        ("Кайдашева сім'я. Іван Нечуй-Левицький", "BK-KAIDASH", "230.00", 50, "books"),
        ("Місто. Валер'ян Підмогильний", "BK-MISTO", "310.00", 30, "books"),
        ("Земля. Ольга Кобилянська", "BK-ZEMLIA", "270.00", 25, "books"),
        ("Я, Побєда і Берлін. Кузьма Скрябін", "BK-POBEDA", "290.00", 20, "books"),
        ("Коза-дереза. Українська народна казка", "BK-KOZA", "150.00", 60, "kids-books"),
        ("Ґруффало. Джулія Дональдсон", "BK-GRUFALO", "240.00", 35, "kids-books"),
        ("Маленький принц. Антуан де Сент-Екзюпері", "BK-PRINC", "220.00", 40, "kids-books"),
        ("Зачарована Десна. Олександр Довженко", "BK-DESNA", "250.00", 0, "books"),
    ),
}
BOOK_CATEGORY = "books"


def ensure_categories() -> dict[str, Category]:
    categories = {}
    for position, (slug, name, _colour, _shape) in enumerate(CATEGORIES):
        categories[slug], _ = Category.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})
    return categories


def category_photo(slug: str) -> str:
    """The storage name of the category's picture (drawn once, reused by its offers)."""
    name = f"offers/demo-{slug}.png"
    if default_storage.exists(name):
        return name
    from PIL import Image, ImageDraw

    colour, shape = next((c, s) for key, _n, c, s in CATEGORIES if key == slug)
    size = 480
    image = Image.new("RGB", (size, size), tuple(min(255, c + 150) for c in colour))
    draw = ImageDraw.Draw(image)
    if shape == "circle":
        draw.ellipse((110, 110, 370, 370), fill=colour)
    elif shape == "wave":
        for row in range(5):
            top = 110 + row * 56
            draw.rounded_rectangle((80, top, 400, top + 30), radius=15, fill=colour)
    else:
        draw.rounded_rectangle((130, 90, 350, 390), radius=24, fill=colour)
        draw.rectangle((160, 130, 320, 300), fill=tuple(min(255, c + 90) for c in colour))
    buffer = BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return default_storage.save(name, ContentFile(buffer.getvalue()))


def set_profile(store: Store) -> None:
    profile = STORE_PROFILES.get(store.slug)
    if profile is None:
        return
    store.pickup_address, store.pickup_hours = profile["pickup_address"], profile["pickup_hours"]
    store.phone = PHONES[store.slug]
    store.save(update_fields=["pickup_address", "pickup_hours", "phone"])


def add_catalog(store: Store, offers: list[Offer], *, photos: bool = True) -> list[Offer]:
    """Categories, descriptions and photos for the store's scenario offers, and its other goods."""
    categories = ensure_categories()
    set_profile(store)
    pictures = {slug: category_photo(slug) for slug in categories} if photos else {}
    for offer in offers:
        slug = SCENARIO_CATEGORIES.get(offer.sku, BOOK_CATEGORY)
        offer.category = categories[slug]
        offer.description = DESCRIPTIONS[slug]
        offer.photo = pictures.get(slug, "")
    bulk_update_with_history(offers, Offer, ["category", "description", "photo"])
    more = [
        Offer(
            store=store,
            title=title,
            sku=sku,
            price=Decimal(price),
            stock=stock,
            category=categories[slug],
            description=DESCRIPTIONS[slug],
            photo=pictures.get(slug, ""),
        )
        for title, sku, price, stock, slug in MORE_OFFERS.get(store.slug, ())
    ]
    return bulk_create_with_history(more, Offer)
