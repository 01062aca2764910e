from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from . import db, history  # noqa: F401  (history connects the history-context receiver)

        db.install()  # Cyrillic-aware icontains on SQLite
