"""Point the bot's webhook at this platform: `python manage.py telegram_set_webhook`."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from notifications.transports.telegram import TelegramClient, TelegramError


class Command(BaseCommand):
    help = "Register (or with --delete remove) the Telegram bot's webhook, with the secret token."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="Webhook URL (default: SITE_URL + the webhook's path).")
        parser.add_argument("--drop-pending-updates", action="store_true", help="Forget updates Telegram holds.")
        parser.add_argument("--delete", action="store_true", help="Remove the webhook instead.")

    def handle(self, *args, url=None, drop_pending_updates=False, delete=False, **options):
        if not settings.TELEGRAM_BOT_TOKEN:
            raise CommandError("TELEGRAM_BOT_TOKEN is not set.")
        client = TelegramClient()
        try:
            if delete:
                client.call("deleteWebhook", drop_pending_updates=drop_pending_updates)
                self.stdout.write("Webhook removed.")
                return
            if not settings.TELEGRAM_WEBHOOK_SECRET:
                raise CommandError("TELEGRAM_WEBHOOK_SECRET is not set.")
            url = url or settings.SITE_URL + reverse("notifications:telegram_webhook")
            if not url.startswith("https://"):
                self.stderr.write(f"Warning: Telegram accepts only https webhooks; {url} will be refused.")
            client.call(
                "setWebhook",
                url=url,
                secret_token=settings.TELEGRAM_WEBHOOK_SECRET,
                allowed_updates=["message"],
                drop_pending_updates=drop_pending_updates,
            )
        except TelegramError as exc:
            raise CommandError(f"Telegram refused: {exc.description}") from exc
        finally:
            client.close()
        self.stdout.write(f"Webhook set to {url}.")
