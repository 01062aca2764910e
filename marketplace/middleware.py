"""Ukrainian unless the user chose another language.

In order: the language switch (a cookie), then the signed-in user's own language (their
settings, put in the session at sign-in and when they change it), then the platform's.
Django's LocaleMiddleware would follow the browser's Accept-Language, so a seller with an
English browser would get English without asking; the platform speaks Ukrainian by default."""

from django.conf import settings
from django.utils import translation

from .models import SESSION_LANGUAGE


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in self.supported:
            session = getattr(request, "session", None)
            chosen = session.get(SESSION_LANGUAGE) if session is not None else None
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
