"""What the database backends do differently, made the same.

Case-insensitive search for every alphabet on SQLite too (`make run` runs on SQLite).

SQLite's LIKE and lower() fold ASCII letters only: `buyer_name__icontains="лисенко"` finds no
"Лисенко" there, while PostgreSQL's UPPER() folds Cyrillic. Each SQLite connection gets a
`casefold()` SQL function (Python's `str.casefold`), and `icontains` on SQLite compares both
sides through it; on PostgreSQL the lookup is Django's own (UPPER … LIKE UPPER …).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.backends.signals import connection_created
from django.db.models import Field
from django.db.models.lookups import IContains


def casefold(value):
    if value is None:
        return None
    return str(value).casefold()


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("casefold", 1, casefold, deterministic=True)


class UnicodeIContains(IContains):
    """`icontains` that folds every alphabet's case on SQLite (Django's own elsewhere)."""

    def as_sqlite(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        return f"casefold({lhs_sql}) LIKE casefold({rhs_sql}) ESCAPE '\\'", (*lhs_params, *rhs_params)


def install() -> None:
    """Called once from MarketplaceConfig.ready()."""
    connection_created.connect(register_sqlite_functions, dispatch_uid="marketplace.db.sqlite_functions")
    Field.register_lookup(UnicodeIContains)


def aware(value: datetime | str) -> datetime:
    """A datetime read by a plain cursor as the ORM would give it: PostgreSQL's are aware
    already; SQLite hands back its stored UTC as a naive datetime (or as text where it cannot
    tell the column's type, as in a UNION)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
