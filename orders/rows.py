"""Saving many rows in one statement on PostgreSQL (issue 16): `UPDATE … FROM jsonb_to_recordset`
and `INSERT … SELECT … FROM jsonb_to_recordset` of one JSON parameter. SQLite (`make run`) keeps
Django's bulk_update and bulk_create. Used by the tracking batch and the stores' day counters."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from django.db import connection


def _json_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a column value")


def rows_json(rows) -> str:
    """Rows of plain values as one JSON array, the single parameter of `jsonb_to_recordset`:
    psycopg's client-side binding quotes every parameter (and every element of an array) in
    Python, which cost a batch of 100 parcels more than the statement itself (issue 16)."""
    return json.dumps(rows, default=_json_value, ensure_ascii=False, separators=(",", ":"))


def recordset(model, fields, *, pk: bool = True) -> str:
    """`jsonb_to_recordset(%s::jsonb) AS v(…)` for `fields` of `model` (with `_pk` first when `pk`)."""
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    names = ([f"_pk {meta.pk.db_type(connection)}"] if pk else []) + [
        f"{quote(f.column)} {f.db_type(connection)}" for f in columns
    ]
    return f"jsonb_to_recordset(%s::jsonb) AS v({', '.join(names)})"


def update_rows(model, objects: list, fields) -> None:
    """Save `fields` of `objects` in one statement. On PostgreSQL `UPDATE … FROM jsonb_to_recordset`
    of one JSON parameter: Django's bulk_update builds a CASE of one When per row and field, and
    resolving those cost the pass 80 % of its time (issue 16), and a VALUES list of 1,100
    parameters was quoted one by one; SQLite (`make run`) keeps bulk_update."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, fields)
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    attnames = [f.attname for f in columns]
    quote = connection.ops.quote_name
    keys = [f.column for f in columns]
    data = [
        {"_pk": obj.pk, **dict(zip(keys, (getattr(obj, name) for name in attnames), strict=True))} for obj in objects
    ]
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in columns)
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {sets} "  # noqa: S608 - table and columns are ours
        f"FROM {recordset(model, fields)} WHERE t.{quote(meta.pk.column)} = v._pk"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [rows_json(data)])


def insert_rows(model, objects: list, fields) -> None:
    """INSERT `fields` of `objects` (unsaved, no pk wanted back) in one statement: on PostgreSQL
    `INSERT … SELECT … FROM jsonb_to_recordset` of one JSON parameter (bulk_create's UNNEST sends
    an array per column, each element quoted in Python); SQLite keeps bulk_create."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects)
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    data = [{f.column: getattr(obj, f.attname) for f in columns} for obj in objects]
    names = ", ".join(quote(f.column) for f in columns)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({names}) "  # noqa: S608 - table and columns are ours
        f"SELECT {names} FROM {recordset(model, fields, pk=False)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [rows_json(data)])


__all__ = ["insert_rows", "recordset", "rows_json", "update_rows"]
