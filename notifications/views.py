"""The Telegram bot's webhook: CSRF-exempt, checks the secret header, parses strictly,
acts only on `/start <token>`, and always answers 200 so Telegram never retries an update."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .telegram_link import parse_start, telegram_link_complete

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def telegram_webhook(request):
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not secret or not constant_time_compare(given, secret):
        log.warning("Telegram webhook: a call without the right secret token was ignored")
        return HttpResponse(status=200)
    command = parse_start(request.body)
    if command is not None and command.token:
        try:
            telegram_link_complete(chat_id=command.chat_id, token=command.token, language=command.language)
        except Exception:  # answer 200 anyway: a retried update would fail the same way
            log.exception("Telegram webhook: linking chat %s failed", command.chat_id)
    return HttpResponse(status=200)
