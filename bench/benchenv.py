"""What the web-facing benches share: a throw-away PostgreSQL and Django set up on it the way
production runs (DEBUG off, the in-memory broker, no login lock-out, logs at WARNING)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def setup_django() -> str:
    """Start the database (tests.servers.start_postgres), point the settings at it, set Django up;
    returns the database URL."""
    from tests.servers import start_postgres

    url = start_postgres()  # with its database created
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = "bench-only-secret-key-not-for-production-use-0123456789"
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["AXES_ENABLED"] = "0"
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="mp-bench-var-")
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    import django

    django.setup()
    return url
