"""Settings, read from the environment with strict helpers (see marketplace/env.py).

Defaults are the embedded ones `make run` needs: SQLite and a filesystem broker under var/.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_database, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Environment variable SECRET_KEY is required unless DEBUG=1.")
    SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The absolute origin used in links inside e-mails and Telegram messages.
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes={"http", "https"}).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # trigram search of the storefront (sellers/catalog.py)
    "simple_history",
    "anymail",
    "axes",
    "django_htmx",
    "marketplace",
    "sellers",
    "orders",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "marketplace.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orders.storefront.context.cart",  # the cart link of the storefront's header
            ],
            # The cabinet is a subpackage of the `sellers` app, not an app of its own.
            "libraries": {"cabinet": "sellers.cabinet.templatetags.cabinet"},
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", VAR_DIR / "db.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Worker, beat and web server share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "uk"
LANGUAGES = [("uk", _("Ukrainian")), ("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Kyiv"
USE_I18N = True
# Dates and numbers per language: marketplace/formats/<lang>/formats.py (money: marketplace.formats.money).
FORMAT_MODULE_PATH = ["marketplace.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Uploads (stores' logos, sellers.models.Store.logo) under var/; served by Django only with DEBUG
# (marketplace/urls.py), by the web server in production.
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

LOGIN_URL = "cabinet:login"
LOGIN_REDIRECT_URL = "cabinet:order_list"
LOGOUT_REDIRECT_URL = "cabinet:login"

# Sign-in throttling (django-axes): lock a username+IP after repeated wrong passwords.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# E-mail: an ESP through django-anymail when ANYMAIL_ESP is set; otherwise EMAIL_BACKEND if given,
# else with DEBUG one file per message under var/mail/ (EMAIL_FILE_PATH), so `make run`'s seeded
# e-mails do not flood the terminal, and without DEBUG the console.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Marketplace <no-reply@marketplace.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_ESP_BACKENDS = {
    "postmark": "anymail.backends.postmark.EmailBackend",
    "mailgun": "anymail.backends.mailgun.EmailBackend",
    "sendgrid": "anymail.backends.sendgrid.EmailBackend",
    "amazon_ses": "anymail.backends.amazon_ses.EmailBackend",
    "brevo": "anymail.backends.brevo.EmailBackend",
}
ANYMAIL_ESP = env_str("ANYMAIL_ESP", "")
if ANYMAIL_ESP:
    if ANYMAIL_ESP not in _ESP_BACKENDS:
        raise ImproperlyConfigured(
            f"Environment variable ANYMAIL_ESP={ANYMAIL_ESP!r} is not one of {', '.join(sorted(_ESP_BACKENDS))}."
        )
    EMAIL_BACKEND = _ESP_BACKENDS[ANYMAIL_ESP]
    _prefix = ANYMAIL_ESP.upper()
    ANYMAIL = {
        f"{_prefix}_API_KEY" if ANYMAIL_ESP != "postmark" else "POSTMARK_SERVER_TOKEN": env_str("ANYMAIL_API_KEY")
    }
    if env_str("ANYMAIL_API_URL", ""):
        ANYMAIL[f"{_prefix}_API_URL"] = env_url("ANYMAIL_API_URL", "", schemes={"http", "https"})
    if ANYMAIL_ESP == "mailgun" and env_str("ANYMAIL_SENDER_DOMAIN", ""):
        ANYMAIL["MAILGUN_SENDER_DOMAIN"] = env_str("ANYMAIL_SENDER_DOMAIN")
else:
    _mail_default = "filebased" if DEBUG else "console"
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", f"django.core.mail.backends.{_mail_default}.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
# Timeout in seconds for every outgoing HTTP call (ESP, Telegram, carriers).
HTTP_TIMEOUT = env_int("HTTP_TIMEOUT", 10, minimum=1)
ANYMAIL_REQUESTS_TIMEOUT = HTTP_TIMEOUT

# Telegram bot (empty token: the channel is switched off).
TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN", "")
TELEGRAM_BOT_NAME = env_str("TELEGRAM_BOT_NAME", "")
TELEGRAM_WEBHOOK_SECRET = env_str("TELEGRAM_WEBHOOK_SECRET", "")
TELEGRAM_API_URL = env_url("TELEGRAM_API_URL", "https://api.telegram.org", schemes={"http", "https"}).rstrip("/")
# How long a Telegram deep link (one-time token) stays valid.
TELEGRAM_LINK_TTL_MINUTES = env_int("TELEGRAM_LINK_TTL_MINUTES", 30, minimum=1)

# Carrier tracking APIs (orders/carriers/): Nova Poshta's key is optional for tracking; Ukrposhta's
# status-tracking API needs its bearer token (empty: Ukrposhta parcels are not polled).
NOVA_POSHTA_API_URL = env_url("NOVA_POSHTA_API_URL", "https://api.novaposhta.ua/v2.0/json/", schemes={"http", "https"})
NOVA_POSHTA_API_KEY = env_str("NOVA_POSHTA_API_KEY", "")
UKRPOSHTA_TRACKING_URL = env_url(
    "UKRPOSHTA_TRACKING_URL", "https://www.ukrposhta.ua/status-tracking/0.0.1/", schemes={"http", "https"}
)
UKRPOSHTA_TRACKING_TOKEN = env_str("UKRPOSHTA_TRACKING_TOKEN", "")

# Notification outbox (notifications/delivery.py): batch size of one claim, how long a claim
# lasts before another worker may take the row over (must outlive one send), retries.
NOTIFICATIONS_BATCH_SIZE = env_int("NOTIFICATIONS_BATCH_SIZE", 50, minimum=1)
NOTIFICATIONS_CLAIM_LEASE_SECONDS = env_int("NOTIFICATIONS_CLAIM_LEASE_SECONDS", max(60, 3 * HTTP_TIMEOUT), minimum=1)
# Sent outcomes are written in groups of this many (1: after every message). A worker killed
# between a send and that write re-sends at most this many messages after the lease.
NOTIFICATIONS_RECORD_SENT_EVERY = env_int("NOTIFICATIONS_RECORD_SENT_EVERY", 10, minimum=1)
# E-mails per call to an ESP with a batch endpoint (Postmark: at most 500); their sent marks are
# written after each call, so a worker that dies right after one sends at most this many again.
NOTIFICATIONS_EMAIL_BATCH_SIZE = env_int("NOTIFICATIONS_EMAIL_BATCH_SIZE", 100, minimum=1)
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 20, minimum=1)
NOTIFICATIONS_RETRY_BASE_SECONDS = env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 30, minimum=1)
NOTIFICATIONS_RETRY_MAX_SECONDS = env_int("NOTIFICATIONS_RETRY_MAX_SECONDS", 3600, minimum=1)
# The beat job that re-kicks what is left pending (lost broker message, killed worker, retries).
NOTIFICATIONS_KICK_SECONDS = env_int("NOTIFICATIONS_KICK_SECONDS", 30, minimum=1)
# One delivery task drains for at most this long, then hands over to a fresh task.
NOTIFICATIONS_DRAIN_SECONDS = env_int("NOTIFICATIONS_DRAIN_SECONDS", 50, minimum=1)
# Sent messages are kept this long for moderators, then purged.
NOTIFICATIONS_KEEP_SENT_DAYS = env_int("NOTIFICATIONS_KEEP_SENT_DAYS", 90, minimum=1)

# Celery: an embedded filesystem broker by default (no server needed); Redis in production.
_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", "filesystem://", schemes={"filesystem", "redis", "rediss", "memory"})
if CELERY_BROKER_URL.startswith("filesystem://"):
    (_BROKER_DIR / "queue").mkdir(parents=True, exist_ok=True)
    (_BROKER_DIR / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "sweep-deadlines": {"task": "orders.tasks.sweep_deadlines", "schedule": 60.0},
    # Requests' windows and disputes waiting for a moderator (docs/rules.md §6).
    "sweep-requests": {"task": "orders.tasks.sweep_requests", "schedule": 60.0, "options": {"expires": 60.0}},
    # Carrier tracking (docs/rules.md §8): each pass asks only about the parcels due.
    "track-parcels": {"task": "orders.tasks.track_parcels", "schedule": 120.0, "options": {"expires": 120.0}},
}
CELERY_BEAT_SCHEDULE["notifications-deliver"] = {
    "task": "notifications.tasks.deliver_due",
    "schedule": float(NOTIFICATIONS_KICK_SECONDS),
    "options": {"expires": float(NOTIFICATIONS_KICK_SECONDS)},
}
CELERY_BEAT_SCHEDULE["notifications-purge"] = {"task": "notifications.tasks.purge_sent", "schedule": 6 * 3600.0}
# Stores' standing against the thresholds: warning, restriction, lift (docs/rules.md §10).
CELERY_BEAT_SCHEDULE["performance-standing"] = {
    "task": "orders.performance.evaluate_standing",
    "schedule": 3600.0,
    "options": {"expires": 3600.0},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
