from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from marketplace.calendar import calendar_edited

        from . import tasks

        calendar_edited.connect(tasks.recompute_after_calendar_edit, dispatch_uid="orders.recompute_deadlines")
