"""History context: who (actor kind) and why (action) on every historical row.

Services call `stamp()` before saving; simple-history copies the stamp into the row
through its documented `pre_create_historical_record` signal (metadata only, no logic).
"""

from django.db import connection, models
from django.db.models import Value
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.signals import pre_create_historical_record

from marketplace.actors import Actor, ActorKind


class HistoryContext(models.Model):
    actor_kind = models.CharField(_("actor"), max_length=16, choices=ActorKind.choices, blank=True)
    action = models.CharField(_("action"), max_length=40, blank=True)

    class Meta:
        abstract = True


def stamp(instance, actor: Actor, action: str, reason: str = "") -> None:
    instance._history_user = actor.user
    instance._history_actor_kind = actor.kind
    instance._history_action = action
    instance._change_reason = reason or None


@receiver(pre_create_historical_record)
def _copy_stamp(sender, instance, history_instance, **kwargs):
    if isinstance(history_instance, HistoryContext):
        history_instance.actor_kind = getattr(instance, "_history_actor_kind", "") or ""
        history_instance.action = getattr(instance, "_history_action", "") or ""


def record_saved(model, pks, *, date, actor: Actor, action: str, reason: str = "") -> int:
    """History rows ("changed") for rows already saved, copied by the database itself —
    `INSERT INTO historical … SELECT … FROM table WHERE pk IN …` — with the same values
    simple-history's `bulk_history_create` would build one Python object at a time. For bulk
    changes of hundreds of rows (the sweep); the caller holds the rows locked."""
    historical = model.history.model
    tracked = [field.name for field in historical.tracked_fields]
    stamp_values = {  # historical field name -> the value every row gets
        "history_date": Value(date, output_field=historical._meta.get_field("history_date")),
        "history_type": Value("~", output_field=models.CharField()),
        "history_user": Value(actor.user.pk if actor.user else None, output_field=models.IntegerField()),
        "history_change_reason": Value(reason, output_field=models.TextField()),
        "actor_kind": Value(str(actor.kind), output_field=models.CharField()),
        "action": Value(action, output_field=models.CharField()),
    }
    aliases = {f"_h_{name}": value for name, value in stamp_values.items()}
    select = (
        model._base_manager.filter(pk__any=list(pks))
        .order_by()
        .annotate(**aliases)
        .values_list(*(model._meta.get_field(n).attname for n in tracked), *aliases)
    )
    sql, params = select.query.sql_with_params()
    columns = [historical._meta.get_field(n).column for n in (*tracked, *stamp_values)]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(historical._meta.db_table)} ({', '.join(map(quote, columns))}) {sql}", params
        )
        return cursor.rowcount
