"""The storefront's one rule of what may be sold, and its search (docs/rules.md §10).

An offer is **sellable** when it is not paused, has stock, and its store is neither suspended
nor has its offers hidden by the platform. `sellable_offers()` is that rule as a queryset and
`is_sellable(offer)` as a predicate: the catalog lists with the first, the offer page and the
checkout check with the second, so a buyer never sees for sale what cannot be ordered.

`search()` is the catalog: a text query over titles and SKUs (on PostgreSQL typo-tolerant
through pg_trgm's word similarity plus a substring match, both served by the trigram indexes
of sellers/migrations/0006; on SQLite, `make run`, a substring match in any letter case through
marketplace/db.py), filters, a sort and a page. Pages are offset-based over a *capped* count
(`COUNT_CAP`): counting every match of a broad query over 100,000 offers on each page view is
what makes such catalogs slow, so beyond the cap the page says "more than …" and asks for a
narrower search instead of counting (bench/storefront.py measures it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Case, Count, F, FloatField, Q, QuerySet, Value, When, Window
from django.db.models.functions import Greatest

from .models import Offer

PER_PAGE = 24
COUNT_CAP = 1000  # matches counted at most; pages beyond it are not offered
MAX_PAGE = math.ceil(COUNT_CAP / PER_PAGE)
QUERY_MAX = 200  # characters of the search text
QUERY_PARTS_MAX = 5  # "a; b; c": alternatives, e.g. every item of an expired order
# pg_trgm's word similarity above which a title counts as a match for a query word (its
# default, 0.6, misses one-letter typos in short Ukrainian words: "навушникі").
WORD_SIMILARITY_THRESHOLD = 0.45

SORT_RELEVANCE = "relevance"
SORT_NEWEST = "newest"
SORT_PRICE_ASC = "price_asc"
SORT_PRICE_DESC = "price_desc"
SORTS = (SORT_RELEVANCE, SORT_NEWEST, SORT_PRICE_ASC, SORT_PRICE_DESC)


def _visible_store() -> Q:
    return Q(store__is_suspended=False, store__offers_hidden=False)


def listed_offers() -> QuerySet[Offer]:
    """Offers a buyer may see: not paused, of a store that is neither suspended nor hidden —
    with stock or not (an offer out of stock is shown as such, never orderable)."""
    return Offer.objects.filter(_visible_store(), paused=False)


def sellable_offers() -> QuerySet[Offer]:
    """The offers that may be sold now (docs/rules.md §10): listed and in stock."""
    return listed_offers().filter(stock__gt=0)


def is_listed(offer: Offer) -> bool:
    store = offer.store
    return not offer.paused and not store.is_suspended and not store.offers_hidden


def is_sellable(offer: Offer) -> bool:
    """The same rule as `sellable_offers()`, for one offer already loaded (with its store)."""
    return is_listed(offer) and offer.stock > 0


def query_parts(q: str) -> list[str]:
    """The search text as alternatives: "Phone case; Charger" looks for either."""
    parts = [" ".join(part.split()) for part in (q or "")[:QUERY_MAX].split(";")]
    return [part for part in parts if part][:QUERY_PARTS_MAX]


@dataclass
class CatalogPage:
    offers: list[Offer]
    number: int
    total: int  # matches counted, at most COUNT_CAP
    capped: bool  # there are more than `total`
    sort: str
    per_page: int = PER_PAGE
    parts: list[str] = field(default_factory=list)

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


QUERY_WORDS_MAX = 8
FUZZY_WORD_MIN = 4  # shorter words are matched as they are: their trigrams say little


def _words(part: str) -> list[str]:
    return part.split()[:QUERY_WORDS_MAX]


def _exact(parts: list[str]) -> Q:
    """Every word of an alternative in the title or the SKU, in any letter case (marketplace/db.py
    folds Cyrillic on SQLite; on PostgreSQL the trigram indexes on UPPER(title), UPPER(sku) serve it)."""
    condition = Q()
    for part in parts:
        words = Q()
        for word in _words(part):
            words &= Q(title__icontains=word) | Q(sku__icontains=word)
        condition |= words
    return condition


def _fuzzy(parts: list[str], qs: QuerySet[Offer]) -> Q:
    """Every word of an alternative in the title or SKU as typed, or — a word found nowhere as
    typed, perhaps misspelt — close to a word of the title (pg_trgm's word similarity through the
    GIN index offer_title_trgm): what finds "павербанг xiaomi" in "Павербанк Xiaomi 20000".
    Which words are found as typed is asked in one query (one EXISTS per word), not one per word."""
    typed = {}
    for part in parts:
        for word in _words(part):
            typed.setdefault(word, Q(title__icontains=word) | Q(sku__icontains=word))
    found = _found_as_typed(qs, {word: q for word, q in typed.items() if len(word) >= FUZZY_WORD_MIN})
    condition = Q()
    for part in parts:
        words = Q()
        for word in _words(part):
            words &= typed[word] if found.get(word, True) else Q(title__trigram_word_similar=word)
        condition |= words
    return condition


def _found_as_typed(qs: QuerySet[Offer], conditions: dict[str, Q]) -> dict[str, bool]:
    """{word: whether some offer of `qs` has it as typed}, in one round trip."""
    if not conditions:
        return {}
    selects, params = [], []
    for condition in conditions.values():
        sql, values = qs.filter(condition).order_by().values("pk")[:1].query.sql_with_params()
        selects.append(f"EXISTS ({sql})")
        params.extend(values)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        row = cursor.fetchone()
    return {word: bool(value) for word, value in zip(conditions, row, strict=True)}


def _rank(parts: list[str], *, fuzzy: bool):
    """Relevance: an exact SKU, then a title that starts with the text, then one that contains it;
    with the fuzzy match, the word similarity orders the rest."""
    whens = []
    for part in parts:
        whens += [
            When(sku__iexact=part, then=Value(4.0)),
            When(title__istartswith=part, then=Value(3.0)),
            When(title__icontains=part, then=Value(2.0)),
        ]
    if fuzzy:
        from django.contrib.postgres.search import TrigramWordSimilarity

        similarity = [TrigramWordSimilarity(part, "title") for part in parts]
        default = similarity[0] if len(similarity) == 1 else Greatest(*similarity)
    else:
        default = Value(0.0)
    return Case(*whens, default=default, output_field=FloatField())


def _capped_count(qs: QuerySet[Offer]) -> int:
    return qs.order_by()[: COUNT_CAP + 1].count()


def _select(qs: QuerySet[Offer]) -> QuerySet[Offer]:
    return qs.select_related("store", "category").defer(
        "store__email", "store__telegram_chat_id", "store__offers_hidden_reason"
    )


def _page(qs, order, page, per_page, total):
    capped = total > COUNT_CAP
    total = min(total, COUNT_CAP)
    page = min(page, max(1, math.ceil(total / per_page)))
    start = (page - 1) * per_page
    return list(_select(qs).order_by(*order)[start : start + per_page]), total, capped, page


def _page_counted(qs, parts, order, page, per_page, *, relevance: bool, fuzzy: bool) -> tuple[list[Offer], int]:
    """One page of the matches and how many there are in all, in two queries: a narrow one ranks
    and counts every match (ids, the rank and a window count: no join for the page's columns, no
    wide rows through the sort), then the page's own rows are read by id. A broad word over
    100,000 offers matches thousands: carrying every column of each through the window and the
    sort cost more than reading the 24 rows again (bench/storefront.py search_broad_*)."""
    if relevance:
        qs = qs.annotate(rank=_rank(parts, fuzzy=fuzzy))
    start = (page - 1) * per_page
    ranked = list(
        qs.annotate(matches=Window(Count("*"))).order_by(*order).values_list("pk", "matches")[start : start + per_page]
    )
    if not ranked:
        return [], 0
    by_id = _select(Offer.objects.filter(pk__in=[pk for pk, _matches in ranked])).in_bulk()
    return [by_id[pk] for pk, _matches in ranked if pk in by_id], ranked[0][1]


def search(
    *,
    q: str = "",
    store: str = "",
    exclude_store: str = "",
    category: str = "",
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    in_stock: bool = True,
    sort: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> CatalogPage:
    """One page of the catalog. `store`/`exclude_store`/`category` are slugs; `in_stock=False`
    also lists offers that are out of stock (shown so, never orderable)."""
    parts = query_parts(q)
    qs = sellable_offers() if in_stock else listed_offers()
    if store:
        qs = qs.filter(store__slug=store)
    if exclude_store:
        qs = qs.exclude(store__slug=exclude_store)
    if category:
        qs = qs.filter(category__slug=category)
    if price_min is not None:
        qs = qs.filter(price__gte=price_min)
    if price_max is not None:
        qs = qs.filter(price__lte=price_max)
    if sort not in SORTS or (sort == SORT_RELEVANCE and not parts):
        sort = SORT_RELEVANCE if parts else SORT_NEWEST
    order = {
        SORT_RELEVANCE: [F("rank").desc(), "-pk"],
        SORT_NEWEST: ["-pk"],
        SORT_PRICE_ASC: ["price", "pk"],
        SORT_PRICE_DESC: ["-price", "-pk"],
    }[sort]
    page = min(max(1, int(page or 1)), MAX_PAGE)
    relevance = sort == SORT_RELEVANCE
    with transaction.atomic():
        if not parts:
            offers, total, capped, page = _page(qs, order, page, per_page, _capped_count(qs))
        else:
            # A text query: every match is read anyway to rank or sort them, so the page's own
            # query counts them too (a window count), instead of a count query beside it.
            matches, fuzzy = qs.filter(_exact(parts)), False
            offers, total = _page_counted(matches, parts, order, page, per_page, relevance=relevance, fuzzy=False)
            if total < per_page and page == 1 and connection.vendor == "postgresql":
                # Few matches as typed: a typo, perhaps. Words close to the titles' words count too.
                with connection.cursor() as cursor:  # for this transaction only
                    cursor.execute(
                        "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                        [str(WORD_SIMILARITY_THRESHOLD)],
                    )
                matches, fuzzy = qs.filter(_exact(parts) | _fuzzy(parts, qs)), True
                offers, total = _page_counted(matches, parts, order, page, per_page, relevance=relevance, fuzzy=True)
            if not offers and page > 1:  # past the last page: the last one
                total = _capped_count(matches)
                page = max(1, math.ceil(min(total, COUNT_CAP) / per_page))
                offers, _ = _page_counted(matches, parts, order, page, per_page, relevance=relevance, fuzzy=fuzzy)
            capped = total > COUNT_CAP
            total = min(total, COUNT_CAP)
    return CatalogPage(
        offers=offers, number=page, total=total, capped=capped, sort=sort, per_page=per_page, parts=parts
    )
