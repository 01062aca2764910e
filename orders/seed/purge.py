"""Remove demo stores and everything that points at them, in SQL (`seed_demo --reset`).

Django's `delete()` would load every order and write a history row for each (signals); on a
million benchmark orders that takes hours. Here each dependent table is emptied with one
`DELETE … WHERE fk IN (subquery)`, deepest first, following every relation the models
declare — also the ones other apps add later (notifications, disputes) and the history
tables' own references. Nothing here is for production data: it serves the demo only.
"""

from __future__ import annotations

from django.db import connection, models, transaction


def _relations(model):
    for rel in model._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one):
            yield rel


def _delete_rows(queryset) -> int:
    model = queryset.model
    sql, params = queryset.values("pk").query.sql_with_params()
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} IN ({sql})", params)
        return cursor.rowcount


def purge(queryset, *, _depth: int = 0) -> int:
    """Delete the rows of `queryset` and, first, every row that refers to them."""
    if _depth > 10:
        raise RuntimeError(f"Relations of {queryset.model.__name__} nest too deep to purge.")
    model = queryset.model
    with transaction.atomic():
        for rel in _relations(model):
            field = rel.field
            dependents = rel.related_model._base_manager.filter(**{f"{field.name}__in": queryset.values("pk")})
            if rel.related_model is model or field.remote_field.on_delete is models.SET_NULL:
                if not field.null:
                    raise RuntimeError(f"Cannot detach {rel.related_model.__name__}.{field.name}.")
                dependents.update(**{field.name: None})
            else:
                purge(dependents, _depth=_depth + 1)
        return _delete_rows(queryset)
